/**
 * The on-call alert state machine. Pure: the use case passes in the evaluated metrics of
 * one period, the stored state and the time; this file returns the new state and the
 * notifications to send, each with a deterministic idempotency key.
 *
 * One record per (report, metric, scope). Its visible state is one of
 * - `ok`: the last judged period met the target (or a breach is pending "for N periods"),
 * - `breaching`: a breach episode is open,
 * - `data_incomplete`: the last period's data failed the completeness gate (not judged),
 * - `error`: the metric could not be computed.
 *
 * Notifications: `start` once per breach episode, `reminder` at most every
 * `reminderIntervalMs` while it stays breached, `resolved` when it recovers, `error` when a
 * metric starts failing, and one `data_incomplete` alert per incomplete (period, table).
 * A period that is not judged (insufficient sample, no target, data incomplete, error)
 * never opens, extends or closes an episode, and never counts towards or breaks a streak.
 *
 * Keys are built from the episode's first period, so re-running a period — again, twice at
 * once, or later as a replay — yields the same keys, and the delivery log turns them into
 * exactly one email. Re-running the period a record last saw re-applies it to the record as
 * it was before that period, at the instant that period was first evaluated.
 */
import {
  type AlertAck,
  type AlertRecord,
  type AlertState,
  INITIAL_CORE,
  type RecordCore,
  recordId,
} from "./alert-state.ts";
import { targetDistance } from "./attention.ts";
import type { BaselineMethod } from "./baseline-band.ts";

export {
  type AlertAck,
  type AlertRecord,
  type AlertState,
  AlertStateError,
  EMPTY_ALERT_STATE,
  parseAlertState,
  recordId,
  type StoredSilence,
} from "./alert-state.ts";

import type { CompletenessIssue } from "./completeness.ts";

/** Evaluation statuses (functions/lib/kpi/evaluate.ts) plus the two the pipeline adds. */
export type ObservedStatus =
  | "met"
  | "warning"
  | "breach"
  /** Outside the baseline band: not a breach (the target, if any, is not missed). */
  | "anomaly"
  | "insufficient_data"
  | "no_target"
  | "tracking"
  | "data_incomplete"
  | "error";

export type AlertStatus = "ok" | "breaching" | "data_incomplete" | "error";

/** The scope of metrics that are not per campaign. */
export const WHOLE_BUSINESS = "all";

/** The report that judges per-campaign metrics for on-call. */
export const CAMPAIGN_ALERTS_REPORT = "campaigns";

/**
 * Whether `report` judges the per-campaign (scoped) metrics. The daily email shows them
 * too, but only the campaigns report raises their alerts: otherwise on-call would get two
 * alerts, from two reports, for one campaign metric.
 */
export function judgesScopedMetrics(report: string): boolean {
  return report === CAMPAIGN_ALERTS_REPORT;
}

/** One metric's outcome in one period. */
export interface AlertObservation {
  readonly metric: string;
  /** Campaign id for per-campaign metrics; {@link WHOLE_BUSINESS} (the default) otherwise. */
  readonly scope?: string;
  readonly status: ObservedStatus;
  readonly value: number | null;
  /** The number compared with the target when it is not the value (year-on-year growth). */
  readonly measured?: number | null;
  /** The effective target (threshold) the measured number was compared with. */
  readonly target?: number | null;
  /** For `error`: what went wrong, in one line. */
  readonly error?: string;
}

/** Everything judged about one period of one report. */
export interface PeriodObservations {
  /** `daily` or `weekly` (or another report name): states of different reports never mix. */
  readonly report: string;
  /** `2026-03-01`, `2026-W09`: keys of one report sort in time order. */
  readonly periodKey: string;
  readonly observations: readonly AlertObservation[];
  /**
   * Findings of the completeness gate; one data alert per table. When any concerns the
   * period itself, no metric of the period is judged; a `window` issue (a partition before
   * the period) leaves that to the metrics' own status (`data_incomplete` for those whose
   * windows cover it).
   */
  readonly dataIssues?: readonly CompletenessIssue[];
}

/** Mutes the notifications of a metric (optionally of one scope) until an instant. */
export interface Silence {
  /** A metric id, or `*` for every metric. */
  readonly metric: string;
  readonly scope?: string;
  readonly until: Date;
  readonly reason?: string;
}

/** The alert rules, from configuration. */
export interface AlertRules {
  /** Least time between two notifications of one open episode (e.g. 24 h). */
  readonly reminderIntervalMs: number;
  /**
   * How much earlier than the interval a reminder may go out. Scheduled runs start a few
   * seconds or minutes apart from day to day; without slack a 24 h interval with daily runs
   * would skip every other reminder.
   */
  readonly reminderSlackMs: number;
  /** Consecutive breached periods before an episode opens (1 = at the first breach). */
  readonly forPeriods: number;
  /** Per-metric overrides of {@link forPeriods}. */
  readonly forPeriodsByMetric?: Readonly<Record<string, number>>;
  readonly silences: readonly Silence[];
  /**
   * An acknowledged alert sends no reminders unless it worsens: its distance from the target
   * grows past this many times its distance when it was acked (default 1.5).
   */
  readonly reackFactor?: number;
}

const HOUR_MS = 3_600_000;

export const DEFAULT_ALERT_RULES: AlertRules = {
  reminderIntervalMs: 24 * HOUR_MS,
  reminderSlackMs: HOUR_MS / 2,
  forPeriods: 1,
  forPeriodsByMetric: {},
  silences: [],
  reackFactor: 1.5,
};

/** A notification about one metric's breach episode or failure. */
export interface MetricNotification {
  readonly key: string;
  readonly kind: "start" | "reminder" | "resolved" | "error";
  readonly report: string;
  readonly periodKey: string;
  readonly metric: string;
  readonly scope: string;
  readonly status: ObservedStatus;
  readonly value: number | null;
  /** The number compared with the target, when it is not the value (growth). */
  readonly measured?: number | null;
  readonly target: number | null;
  /** First breached period of the episode (start, reminder, resolved). */
  readonly since?: string;
  /**
   * The current breach streak: its first breached period and its length in judged periods
   * (start, reminder); for `resolved`, the streak that ended.
   */
  readonly streak?: { readonly start: string; readonly length: number };
  /** Who acknowledged the episode (a reminder sent because the alert worsened since). */
  readonly ack?: AlertAck;
  /** A reminder of an acked alert, sent because it worsened past the re-ack factor. */
  readonly worsened?: boolean;
  /** When the episode's start alert went out (or would have, when silenced). */
  readonly sinceInstant?: string;
  /** 1, 2, … for reminders. */
  readonly reminder?: number;
  readonly error?: string;
  /** For an anomaly: the band the value fell outside (alerts show "normal 340–381"). */
  readonly band?: {
    readonly lower: number;
    readonly upper: number;
    readonly method: BaselineMethod;
  };
}

/** One alert per incomplete (period, table), naming partitions and counts. */
export interface DataNotification {
  readonly key: string;
  readonly kind: "data_incomplete";
  readonly report: string;
  readonly periodKey: string;
  readonly table: string;
  readonly issues: readonly CompletenessIssue[];
}

export type AlertNotification = MetricNotification | DataNotification;

/** The result of one step. */
export interface AlertStep {
  readonly state: AlertState;
  /** To send, in a stable order. */
  readonly notifications: readonly AlertNotification[];
  /** What a silence muted (for the run log and `alerts replay`). */
  readonly suppressed: readonly MetricNotification[];
  /**
   * Reminders an acknowledgement held back (with their `ack`): never a message of their own,
   * shown as "acked by … at …" lines in a message their audience gets anyway.
   */
  readonly acknowledged: readonly MetricNotification[];
  /** Records left alone because this period is older than the one they last saw. */
  readonly skipped: readonly string[];
}

/** Whether a silence mutes (metric, scope) at `at`. */
export function isSilenced(
  silences: readonly Silence[],
  metric: string,
  scope: string,
  at: Date,
): boolean {
  return silences.some(
    (s) =>
      (s.metric === "*" || s.metric === metric) &&
      (s.scope === undefined || s.scope === scope) &&
      at.getTime() < s.until.getTime(),
  );
}

/**
 * Applies one period's observations to the state. `at` is the run time: it decides
 * silences and reminder spacing (a re-run of a period reuses its first evaluation time).
 */
export function stepAlerts(
  previous: AlertState,
  input: PeriodObservations,
  rules: AlertRules,
  at: Date,
): AlertStep {
  const records: Record<string, AlertRecord> = { ...previous.records };
  const notifications: AlertNotification[] = [];
  const suppressed: MetricNotification[] = [];
  const acknowledged: MetricNotification[] = [];
  const skipped: string[] = [];
  const dataIncomplete = (input.dataIssues ?? []).some((issue) => issue.scope !== "window");

  for (const table of [...new Set((input.dataIssues ?? []).map((i) => i.table))].sort()) {
    notifications.push({
      key: ["data", input.report, input.periodKey, table].map(encodeURIComponent).join(":"),
      kind: "data_incomplete",
      report: input.report,
      periodKey: input.periodKey,
      table,
      issues: (input.dataIssues ?? []).filter((i) => i.table === table),
    });
  }

  for (const observation of sortedObservations(input.observations)) {
    const scope = observation.scope ?? WHOLE_BUSINESS;
    const id = recordId(input.report, observation.metric, scope);
    const existing = records[id];
    if (existing && existing.lastPeriod > input.periodKey) {
      skipped.push(id);
      continue;
    }
    const rerun = existing?.lastPeriod === input.periodKey;
    const base: RecordCore = rerun ? (existing.before ?? INITIAL_CORE) : (existing ?? INITIAL_CORE);
    const evaluatedAt = rerun ? new Date(existing.lastEvaluatedAt) : at;
    const status: ObservedStatus = dataIncomplete ? "data_incomplete" : observation.status;
    const forPeriods = Math.max(
      1,
      rules.forPeriodsByMetric?.[observation.metric] ?? rules.forPeriods,
    );
    const outcome = advance(base, { ...observation, scope, status }, input, {
      rules,
      forPeriods,
      at: evaluatedAt,
    });
    records[id] = {
      ...outcome.core,
      report: input.report,
      metric: observation.metric,
      scope,
      lastPeriod: input.periodKey,
      lastEvaluatedAt: evaluatedAt.toISOString(),
      before: stripRecord(base),
    };
    (outcome.silenced ? suppressed : notifications).push(...outcome.notifications);
    if (!outcome.silenced) acknowledged.push(...outcome.acknowledged);
  }
  // CLI silences are kept until they expire, then dropped from the document.
  const silences = (previous.silences ?? []).filter((x) => Date.parse(x.until) > at.getTime());
  return {
    state: {
      schemaVersion: 1,
      records,
      ...(silences.length > 0 ? { silences } : {}),
    },
    notifications,
    suppressed,
    acknowledged,
    skipped,
  };
}

interface Step {
  readonly rules: AlertRules;
  readonly forPeriods: number;
  readonly at: Date;
}

/**
 * One record, one period. Notifications are returned whether or not a silence mutes them;
 * the caller routes them, and a muted start leaves the episode un-notified so that its
 * start goes out once the silence ends (if the breach lasts).
 */
function advance(
  core: RecordCore,
  observation: AlertObservation & { readonly scope: string },
  input: PeriodObservations,
  step: Step,
): {
  core: RecordCore;
  notifications: MetricNotification[];
  acknowledged: MetricNotification[];
  silenced: boolean;
} {
  const silenced = isSilenced(step.rules.silences, observation.metric, observation.scope, step.at);
  const outcome = transition(core, observation, input, step, silenced);
  return { acknowledged: [], ...outcome, silenced };
}

function transition(
  core: RecordCore,
  observation: AlertObservation & { readonly scope: string },
  input: PeriodObservations,
  step: Step,
  silenced: boolean,
): { core: RecordCore; notifications: MetricNotification[]; acknowledged?: MetricNotification[] } {
  const at = step.at.toISOString();
  const judged = {
    lastStatus: observation.status,
    lastValue: observation.value,
    lastTarget: observation.target ?? null,
    lastMeasured: observation.measured ?? observation.value,
  };
  const notify = (
    kind: MetricNotification["kind"],
    identity: string,
    extra: Partial<MetricNotification> = {},
  ): MetricNotification => ({
    key: [
      "alert",
      input.report,
      observation.metric,
      observation.scope,
      identity,
      kind,
      ...(extra.reminder ? [String(extra.reminder)] : []),
    ]
      .map(encodeURIComponent)
      .join(":"),
    kind,
    report: input.report,
    periodKey: input.periodKey,
    metric: observation.metric,
    scope: observation.scope,
    status: observation.status,
    value: observation.value,
    ...(observation.measured !== undefined ? { measured: observation.measured } : {}),
    target: observation.target ?? null,
    ...extra,
  });

  switch (observation.status) {
    case "breach": {
      const streak = core.streak
        ? { start: core.streak.start, length: core.streak.length + 1 }
        : { start: input.periodKey, length: 1 };
      const base = { ...core, ...judged, streak, errorSince: undefined };
      let episode = core.episode;
      if (!episode) {
        if (streak.length < step.forPeriods)
          return { core: { ...base, state: "ok" }, notifications: [] };
        episode = { start: streak.start, openedAt: at, notified: false, reminders: 0 };
      }
      const since = { since: episode.start, sinceInstant: episode.openedAt, streak };
      if (!episode.notified) {
        const start = notify("start", episode.start, since);
        const next = silenced ? episode : { ...episode, notified: true, lastNotifiedAt: at };
        return { core: { ...base, state: "breaching", episode: next }, notifications: [start] };
      }
      const last = Date.parse(episode.lastNotifiedAt ?? episode.openedAt);
      const due =
        step.at.getTime() - last >= step.rules.reminderIntervalMs - step.rules.reminderSlackMs;
      const worsened = episode.ack ? worsenedSinceAck(episode.ack, observation, step.rules) : false;
      if (due && episode.ack && !worsened) {
        // Acknowledged and not worse: no reminder, and none counted; the ack is shown in a
        // message the audience gets anyway.
        const held = notify("reminder", episode.start, {
          ...since,
          reminder: episode.reminders + 1,
          ack: episode.ack,
        });
        return {
          core: { ...base, state: "breaching", episode },
          notifications: [],
          acknowledged: silenced ? [] : [held],
        };
      }
      if (!due || silenced) {
        // A muted reminder is not counted: the next one is due as soon as the silence ends.
        const muted = due
          ? [notify("reminder", episode.start, { ...since, reminder: episode.reminders + 1 })]
          : [];
        return { core: { ...base, state: "breaching", episode }, notifications: muted };
      }
      const reminders = episode.reminders + 1;
      const reminder = notify("reminder", episode.start, {
        ...since,
        reminder: reminders,
        ...(worsened && episode.ack ? { ack: episode.ack, worsened: true } : {}),
      });
      // A worsened alert is no longer acknowledged: someone has to look again.
      const { ack: _ended, ...unacked } = episode;
      return {
        core: {
          ...base,
          state: "breaching",
          episode: { ...(worsened ? unacked : episode), reminders, lastNotifiedAt: at },
        },
        notifications: [reminder],
      };
    }
    case "met":
    case "warning":
    case "anomaly": {
      const base: RecordCore = {
        ...core,
        ...judged,
        state: "ok",
        streak: undefined,
        episode: undefined,
        errorSince: undefined,
      };
      const episode = core.episode;
      // An episode whose start never went out (muted) closes silently.
      if (!episode?.notified) return { core: base, notifications: [] };
      const resolved = notify("resolved", episode.start, {
        since: episode.start,
        sinceInstant: episode.openedAt,
        ...(core.streak ? { streak: core.streak } : {}),
        ...(episode.ack ? { ack: episode.ack } : {}),
      });
      return { core: base, notifications: [resolved] };
    }
    case "insufficient_data":
    case "no_target":
    case "tracking":
      return {
        core: {
          ...core,
          ...judged,
          state: core.episode ? "breaching" : "ok",
          errorSince: undefined,
        },
        notifications: [],
      };
    case "data_incomplete":
      return { core: { ...core, ...judged, state: "data_incomplete" }, notifications: [] };
    case "error": {
      if (core.state === "error" && core.errorSince) {
        return { core: { ...core, ...judged }, notifications: [] };
      }
      const error = notify("error", input.periodKey, {
        ...(observation.error ? { error: observation.error } : {}),
      });
      return {
        core: { ...core, ...judged, state: "error", errorSince: input.periodKey },
        notifications: [error],
      };
    }
  }
}

function stripRecord(core: RecordCore | AlertRecord): RecordCore {
  const { state, streak, episode, errorSince, lastStatus, lastValue, lastTarget, lastMeasured } =
    core;
  return dropUndefined({
    state,
    streak,
    episode,
    errorSince,
    lastStatus,
    lastValue,
    lastTarget,
    lastMeasured,
  });
}

/**
 * Whether an acknowledged breach has worsened: its distance from the target grew past
 * `reackFactor` times its distance when it was acked (a distance unknown then or now: no).
 */
function worsenedSinceAck(
  ack: AlertAck,
  observation: AlertObservation,
  rules: AlertRules,
): boolean {
  const now = targetDistance(observation.measured ?? observation.value, observation.target);
  if (now === null || ack.distance === null) return false;
  return now > ack.distance * (rules.reackFactor ?? DEFAULT_ALERT_RULES.reackFactor ?? 1.5);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function sortedObservations(observations: readonly AlertObservation[]): AlertObservation[] {
  return [...observations].sort(
    (a, b) =>
      a.metric.localeCompare(b.metric) ||
      (a.scope ?? WHOLE_BUSINESS).localeCompare(b.scope ?? WHOLE_BUSINESS),
  );
}
