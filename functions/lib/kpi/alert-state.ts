/**
 * The stored alert state document (pure): one record per (report, metric, scope) with its
 * breach streak, open episode and acknowledgement, and the silences set from the CLI; its
 * strict schema, and its validation when loaded from a store.
 */
import * as z from "zod";

const ackSchema = z.strictObject({
  /** Who acknowledged it (`--by`, the OS user, or the caller's AWS principal). */
  by: z.string().min(1),
  /** When (ISO 8601). */
  at: z.string(),
  /** Its distance from the target then (share of the target); null when unknown. */
  distance: z.number().nonnegative().nullable(),
});

/** An acknowledgement of an open episode; it ends with the episode. */
export type AlertAck = z.output<typeof ackSchema>;

const episodeSchema = z.strictObject({
  /** First breached period: the episode's identity in keys. */
  start: z.string(),
  openedAt: z.string(),
  notified: z.boolean(),
  lastNotifiedAt: z.string().optional(),
  reminders: z.number().int().nonnegative(),
  ack: ackSchema.optional(),
});

const statusSchema = z.enum([
  "met",
  "warning",
  "breach",
  "anomaly",
  "insufficient_data",
  "no_target",
  "tracking",
  "data_incomplete",
  "error",
]);

const coreSchema = z.strictObject({
  state: z.enum(["ok", "breaching", "data_incomplete", "error"]),
  /** Consecutive judged periods in breach, and the first of them. */
  streak: z.strictObject({ start: z.string(), length: z.number().int().positive() }).optional(),
  episode: episodeSchema.optional(),
  /** Period in which the current error began. */
  errorSince: z.string().optional(),
  lastStatus: statusSchema.optional(),
  lastValue: z.number().nullable(),
  lastTarget: z.number().nullable(),
  /** The number last compared with the target, when it is not the value (growth). */
  lastMeasured: z.number().nullable().optional(),
});

const recordSchema = coreSchema.extend({
  report: z.string(),
  metric: z.string(),
  scope: z.string(),
  lastPeriod: z.string(),
  /** When `lastPeriod` was first evaluated; re-runs of it reuse this instant. */
  lastEvaluatedAt: z.string(),
  /** The record before `lastPeriod` was applied (null: it did not exist). */
  before: coreSchema.nullable(),
});

/** A silence set from the CLI (`opspulse alerts silence`); it ends by itself at `until`. */
const storedSilenceSchema = z.strictObject({
  metric: z.string().min(1),
  scope: z.string().min(1).optional(),
  until: z.string(),
  reason: z.string().optional(),
  by: z.string().min(1),
  at: z.string(),
});

export type StoredSilence = z.output<typeof storedSilenceSchema>;

const stateSchema = z.strictObject({
  schemaVersion: z.literal(1),
  records: z.record(z.string(), recordSchema),
  /** Silences set from the CLI, beside those of alerts.yaml. */
  silences: z.array(storedSilenceSchema).optional(),
});

/** A record's state without its identity and history. */
export type RecordCore = z.output<typeof coreSchema>;
export type AlertRecord = z.output<typeof recordSchema>;
/** The stored alert state: one record per (report, metric, scope). */
export type AlertState = z.output<typeof stateSchema>;

export const EMPTY_ALERT_STATE: AlertState = { schemaVersion: 1, records: {} };

export const INITIAL_CORE: RecordCore = { state: "ok", lastValue: null, lastTarget: null };

/** The stored alert state document is not what this version writes. */
export class AlertStateError extends Error {
  override name = "AlertStateError";
}

/** Validates a stored state document; `undefined` (nothing stored yet) is the empty state. */
export function parseAlertState(stored: unknown): AlertState {
  if (stored === undefined || stored === null) return EMPTY_ALERT_STATE;
  const parsed = stateSchema.safeParse(stored);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AlertStateError(
      `The stored alert state is invalid at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "unknown"}. ` +
        "Restore a previous version of it, or delete it to start over (open alerts are then forgotten).",
    );
  }
  return parsed.data;
}

/** The record id of (report, metric, scope). */
export function recordId(report: string, metric: string, scope: string): string {
  return [report, metric, scope].map(encodeURIComponent).join("/");
}
