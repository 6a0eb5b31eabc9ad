/**
 * Exactly-once delivery of a run's emails: each recipient list (or the `--to` address) has
 * an idempotency key per period; a run claims the key, sends, and records the delivery —
 * or releases the claim when the send fails, so that a re-run retries it. A claim never
 * confirmed stops the run instead of guessing.
 */
import type { OpsConfig, RecipientList } from "../config/load.ts";
import type { Period } from "../kpi/windows.ts";
import type { Clock, DeliveryLog, DeliveryRecord, Mailer } from "../ports.ts";
import type { RenderedEmail } from "./email/render.ts";
import { type EmailSummary, oneLine } from "./run-record.ts";
import { type ReportKind, type RunReportRequest, rerunCommand } from "./run-request.ts";

/**
 * A delivery claimed longer ago than this and never confirmed was lost mid-send (a crash
 * between the claim and the mailer's answer): a run lasts at most 15 minutes on Lambda.
 */
export const UNCONFIRMED_CLAIM_MS = 30 * 60_000;

/** Whether a delivery record is a claim whose send was never confirmed. */
export function isUnconfirmedClaim(
  record: { readonly state?: unknown; readonly deliveredAt: string } | undefined,
  now: Date,
): boolean {
  return (
    record?.state === "sending" &&
    now.getTime() - Date.parse(record.deliveredAt) > UNCONFIRMED_CLAIM_MS
  );
}

/**
 * A delivery was claimed but never confirmed, so whether the email went out is unknown.
 * The run stops (on-call gets its failure notice) rather than guess: a blind re-send could
 * duplicate the email, treating it as sent could lose it.
 */
export class UnconfirmedDeliveryError extends Error {
  override name = "UnconfirmedDeliveryError";
}

/** A planned delivery: one recipient list (or the `--to` address) and its key. */
export interface PlannedDelivery {
  readonly list: RecipientList;
  readonly baseKey: string;
  readonly previous: { readonly location?: string; readonly messageId?: string } | undefined;
}

/** The deliveries a run owes, and the claims of earlier runs never confirmed. */
export interface DeliveryPlan {
  readonly planned: readonly PlannedDelivery[];
  readonly unconfirmed: readonly DeliveryRecord[];
}

/**
 * `report:<report>:<periodKey>:<list>`, or `…:to:<address>` for a `--to` run; the period key
 * is the stored one, with its zone segment when the run's zone is not the configured one
 * (`report:daily:tz=America.New_York/2026-03-01:managers`).
 */
export function deliveryKey(
  report: ReportKind,
  periodKey: string,
  list: RecipientList,
  to?: string,
): string {
  return to
    ? `report:${report}:${periodKey}:to:${to.trim().toLowerCase()}`
    : `report:${report}:${periodKey}:${list.name}`;
}

/** The lists of a run: the configured ones (locale overridable), or just the `--to` address. */
function recipientLists(config: OpsConfig, request: RunReportRequest): RecipientList[] {
  const configured = config.recipients[request.report];
  if (request.to) {
    return [
      { name: "direct", locale: request.locale ?? configured[0]?.locale ?? "en", to: [request.to] },
    ];
  }
  return configured.map((list) => (request.locale ? { ...list, locale: request.locale } : list));
}

/**
 * Each list's key and its earlier delivery, read from the log only when the run delivers;
 * claims older than {@link UNCONFIRMED_CLAIM_MS} and never confirmed are listed apart.
 */
export async function planDeliveries(
  deps: { readonly config: OpsConfig; readonly deliveries: DeliveryLog; readonly clock: Clock },
  request: RunReportRequest,
  periodKey: string,
  deliver: boolean,
): Promise<DeliveryPlan> {
  const planned: PlannedDelivery[] = [];
  const unconfirmed: DeliveryRecord[] = [];
  for (const list of recipientLists(deps.config, request)) {
    const baseKey = deliveryKey(request.report, periodKey, list, request.to);
    const record = deliver ? await deps.deliveries.get(baseKey) : undefined;
    if (record && isUnconfirmedClaim(record, deps.clock.now())) unconfirmed.push(record);
    planned.push({
      list,
      baseKey,
      previous: record
        ? {
            ...(typeof record.location === "string" ? { location: record.location } : {}),
            ...(record.messageId ? { messageId: record.messageId } : {}),
          }
        : undefined,
    });
  }
  return { planned, unconfirmed };
}

/** Stops the run when an earlier run's claim was never confirmed (see the error). */
export function refuseUnconfirmedClaims(
  plan: DeliveryPlan,
  request: RunReportRequest,
  period: Period,
  config: OpsConfig,
): void {
  if (plan.unconfirmed.length === 0) return;
  throw new UnconfirmedDeliveryError(
    `${plan.unconfirmed.map((u) => `${u.idempotencyKey} (claimed by run ${u.runId} at ${u.deliveredAt})`).join(", ")} never confirmed its send: check the mail log (outbox or SES) for it, then, if it is missing, run ${rerunCommand(request, period, config)} --resend`,
  );
}

/** The summary fields every email of a planned delivery has. */
export function deliverySummary(planned: PlannedDelivery, key: string) {
  return {
    list: planned.list.name,
    locale: planned.list.locale,
    to: planned.list.to,
    idempotencyKey: key,
  };
}

/** The summary of a delivery an earlier run made. */
export function alreadyDelivered(planned: PlannedDelivery): EmailSummary {
  return {
    ...deliverySummary(planned, planned.baseKey),
    status: "already_delivered",
    ...(planned.previous?.messageId ? { messageId: planned.previous.messageId } : {}),
    ...(planned.previous?.location ? { location: planned.previous.location } : {}),
  };
}

/** One rendered email and the delivery it is for. */
export interface RenderedDelivery {
  readonly planned: PlannedDelivery;
  readonly email: RenderedEmail;
}

/** What sending needs to know about the run. */
export interface SendContext {
  readonly runId: string;
  readonly force: boolean;
  /** The stored snapshot's revision (a forced re-send is keyed by it). */
  readonly revision: number | null;
}

/**
 * Per email: claim its key, send, record the delivery; a failed send releases its claim
 * for a later retry. A key another run claimed first is "already delivered".
 */
export async function sendClaimed(
  deps: {
    readonly deliveries: DeliveryLog;
    readonly mailer: Mailer;
    readonly clock: Clock;
    readonly config: OpsConfig;
  },
  rendered: readonly RenderedDelivery[],
  run: SendContext,
): Promise<EmailSummary[]> {
  const { runId } = run;
  const results: EmailSummary[] = [];
  for (const { planned, email } of rendered) {
    const key =
      run.force && planned.previous
        ? `${planned.baseKey}:rev${run.revision ?? 0}`
        : planned.baseKey;
    const summary = {
      ...deliverySummary(planned, key),
      subject: email.subject,
      htmlBytes: Buffer.byteLength(email.html),
    };
    const claimed = await deps.deliveries.claim({
      idempotencyKey: key,
      runId,
      deliveredAt: deps.clock.now().toISOString(),
      state: "sending",
      list: planned.list.name,
      to: planned.list.to,
    });
    if (!claimed) {
      const record = await deps.deliveries.get(key);
      results.push({
        ...summary,
        status: "already_delivered",
        ...(record?.messageId ? { messageId: record.messageId } : {}),
        ...(typeof record?.location === "string" ? { location: record.location } : {}),
      });
      continue;
    }
    try {
      const sent = await deps.mailer.send(
        {
          idempotencyKey: key,
          listName: planned.list.name,
          from: deps.config.sender,
          to: planned.list.to,
          subject: email.subject,
          html: email.html,
          text: email.text,
          attachments: email.attachments,
          headers: { "X-Opspulse-Run-Id": runId },
        },
        { runId },
      );
      await deps.deliveries.complete({
        idempotencyKey: key,
        runId,
        deliveredAt: deps.clock.now().toISOString(),
        messageId: sent.messageId,
        state: "delivered",
        list: planned.list.name,
        to: planned.list.to,
        location: sent.location,
        snapshotRevision: run.revision,
      });
      results.push({
        ...summary,
        status: "sent",
        messageId: sent.messageId,
        location: sent.location,
      });
    } catch (error) {
      await deps.deliveries.release(key);
      results.push({ ...summary, status: "failed", error: oneLine(error) });
    }
  }
  return results;
}

/**
 * The outcome of the sends: an error when any failed (their claims are released, so a
 * re-run retries them); "skipped" when another run had delivered every one.
 */
export function deliveryOutcome(
  delivered: readonly EmailSummary[],
): "ok" | "skipped_already_delivered" {
  const failed = delivered.filter((e) => e.status === "failed");
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} of ${delivered.length} emails failed to send (${failed.map((e) => `${e.list}: ${e.error}`).join("; ")}); their claims were released, so re-running the report retries them.`,
    );
  }
  return delivered.length > 0 && delivered.every((e) => e.status === "already_delivered")
    ? "skipped_already_delivered"
    : "ok";
}
