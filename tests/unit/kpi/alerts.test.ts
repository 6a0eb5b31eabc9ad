import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { replayAlerts } from "../../../functions/lib/kpi/alert-replay.ts";
import {
  type AlertNotification,
  type AlertRules,
  type AlertState,
  AlertStateError,
  DEFAULT_ALERT_RULES,
  EMPTY_ALERT_STATE,
  type MetricNotification,
  type ObservedStatus,
  parseAlertState,
  recordId,
  stepAlerts,
} from "../../../functions/lib/kpi/alerts.ts";
import type { CompletenessIssue } from "../../../functions/lib/kpi/completeness.ts";
import { addDays } from "../../../functions/lib/kpi/windows.ts";

const HOUR = 3_600_000;
const FIRST_DAY = "2026-03-01";
const dayKey = (i: number) => addDays(FIRST_DAY, i);
/** The daily run for day i: 08:00 Shanghai the morning after, give or take a minute. */
const runAt = (i: number, jitterMinutes = 0) =>
  new Date(Date.parse(`${dayKey(i + 1)}T00:00:00Z`) + jitterMinutes * 60_000);

const rules = (overrides: Partial<AlertRules> = {}): AlertRules => ({
  ...DEFAULT_ALERT_RULES,
  ...overrides,
});

interface Day {
  readonly status: ObservedStatus;
  readonly value?: number | null;
  readonly dataIssues?: readonly CompletenessIssue[];
}

/** Steps the gmv alert through the days; returns what each day sent. */
function run(days: readonly Day[], alertRules: AlertRules = rules(), state = EMPTY_ALERT_STATE) {
  const sent: AlertNotification[][] = [];
  const muted: MetricNotification[][] = [];
  let current: AlertState = state;
  days.forEach((day, i) => {
    const step = stepAlerts(
      current,
      {
        report: "daily",
        periodKey: dayKey(i),
        observations: [{ metric: "gmv", status: day.status, value: day.value ?? 100, target: 120 }],
        ...(day.dataIssues ? { dataIssues: day.dataIssues } : {}),
      },
      alertRules,
      runAt(i),
    );
    current = step.state;
    sent.push([...step.notifications]);
    muted.push([...step.suppressed]);
  });
  return { sent, muted, state: current };
}

const kinds = (sent: AlertNotification[][]) => sent.map((day) => day.map((n) => n.kind));

const B: Day = { status: "breach" };
const OK: Day = { status: "met" };
const INSUFFICIENT: Day = { status: "insufficient_data", value: null };

const missingEvents: CompletenessIssue = {
  table: "events",
  partition: "2026-03-03",
  kind: "missing_partition",
  rows: 0,
  expectedRows: 1200,
  message: "events: partition dt=2026-03-03 is missing.",
};

describe("stepAlerts: a breach episode", () => {
  it("sends one start, a reminder per interval and one resolved (ok → breach ×3 → ok)", () => {
    const { sent } = run([OK, B, B, B, OK]);
    expect(kinds(sent)).toEqual([[], ["start"], ["reminder"], ["reminder"], ["resolved"]]);
    expect(sent.flat().map((n) => n.key)).toEqual([
      "alert:daily:gmv:all:2026-03-02:start",
      "alert:daily:gmv:all:2026-03-02:reminder:1",
      "alert:daily:gmv:all:2026-03-02:reminder:2",
      "alert:daily:gmv:all:2026-03-02:resolved",
    ]);
  });

  it("spaces reminders by the interval: 48 h with daily runs reminds every other day", () => {
    const { sent } = run([B, B, B, B, B, OK], rules({ reminderIntervalMs: 48 * HOUR }));
    expect(kinds(sent)).toEqual([["start"], [], ["reminder"], [], ["reminder"], ["resolved"]]);
  });

  it("still reminds daily when a run starts a few minutes earlier than the day before", () => {
    let state = run([B]).state;
    const step = stepAlerts(
      state,
      {
        report: "daily",
        periodKey: dayKey(1),
        observations: [{ metric: "gmv", status: "breach", value: 1, target: 2 }],
      },
      rules(),
      runAt(1, -5),
    );
    state = step.state;
    expect(step.notifications.map((n) => n.kind)).toEqual(["reminder"]);
    const strict = stepAlerts(
      run([B]).state,
      {
        report: "daily",
        periodKey: dayKey(1),
        observations: [{ metric: "gmv", status: "breach", value: 1, target: 2 }],
      },
      rules({ reminderSlackMs: 0 }),
      runAt(1, -5),
    );
    expect(strict.notifications).toEqual([]);
  });

  it("says in the start alert what breached, by how much and since when", () => {
    const { sent } = run([OK, { status: "breach", value: 87.5 }]);
    expect(sent[1]?.[0]).toMatchObject({
      kind: "start",
      report: "daily",
      periodKey: "2026-03-02",
      metric: "gmv",
      scope: "all",
      value: 87.5,
      target: 120,
      since: "2026-03-02",
      sinceInstant: runAt(1).toISOString(),
    });
  });

  it("treats warning as not breached: it resolves an episode", () => {
    const { sent } = run([B, { status: "warning" }]);
    expect(kinds(sent)).toEqual([["start"], ["resolved"]]);
  });

  it("opens a new episode with new keys after a resolution", () => {
    const { sent } = run([B, OK, B]);
    expect(sent.flat().map((n) => n.key)).toEqual([
      "alert:daily:gmv:all:2026-03-01:start",
      "alert:daily:gmv:all:2026-03-01:resolved",
      "alert:daily:gmv:all:2026-03-03:start",
    ]);
  });

  it("keeps the state of each report and each scope apart", () => {
    let state = EMPTY_ALERT_STATE;
    const step = (report: string, periodKey: string, scope: string, status: ObservedStatus) => {
      const result = stepAlerts(
        state,
        {
          report,
          periodKey,
          observations: [{ metric: "campaign_roi", scope, status, value: 1, target: 3 }],
        },
        rules(),
        runAt(0),
      );
      state = result.state;
      return result.notifications.map((n) => n.key);
    };
    expect(step("daily", "2026-03-01", "spring", "breach")).toEqual([
      "alert:daily:campaign_roi:spring:2026-03-01:start",
    ]);
    expect(step("daily", "2026-03-01", "summer", "met")).toEqual([]);
    expect(step("weekly", "2026-W09", "spring", "met")).toEqual([]);
    expect(Object.keys(state.records).sort()).toEqual([
      recordId("daily", "campaign_roi", "spring"),
      recordId("daily", "campaign_roi", "summer"),
      recordId("weekly", "campaign_roi", "spring"),
    ]);
    expect(state.records[recordId("daily", "campaign_roi", "spring")]?.state).toBe("breaching");
  });

  it("escapes key parts, so a scope with a colon cannot forge another key", () => {
    const step = stepAlerts(
      EMPTY_ALERT_STATE,
      {
        report: "daily",
        periodKey: "2026-03-01",
        observations: [
          { metric: "campaign_roi", scope: "a:b/c", status: "breach", value: 1, target: 3 },
        ],
      },
      rules(),
      runAt(0),
    );
    expect(step.notifications[0]?.key).toBe("alert:daily:campaign_roi:a%3Ab%2Fc:2026-03-01:start");
  });
});

describe("stepAlerts: for N consecutive periods", () => {
  it("fires on the Nth consecutive breach, naming the first breached period", () => {
    const { sent } = run([B, B, B, B], rules({ forPeriods: 3 }));
    expect(kinds(sent)).toEqual([[], [], ["start"], ["reminder"]]);
    expect(sent[2]?.[0]).toMatchObject({ since: "2026-03-01", periodKey: "2026-03-03" });
    expect(sent[2]?.[0]?.key).toBe("alert:daily:gmv:all:2026-03-01:start");
  });

  it("restarts the count when a period meets the target", () => {
    const { sent } = run([B, B, OK, B, B], rules({ forPeriods: 3 }));
    expect(sent.flat()).toEqual([]);
  });

  it("neither counts nor breaks the streak on a period that is not judged", () => {
    const { sent } = run([B, INSUFFICIENT, B], rules({ forPeriods: 2 }));
    expect(kinds(sent)).toEqual([[], [], ["start"]]);
  });

  it("takes a per-metric override", () => {
    const { sent } = run([B, B], rules({ forPeriods: 1, forPeriodsByMetric: { gmv: 2 } }));
    expect(kinds(sent)).toEqual([[], ["start"]]);
  });

  it("does not resolve a pending streak that never fired", () => {
    const { sent } = run([B, OK], rules({ forPeriods: 2 }));
    expect(sent.flat()).toEqual([]);
  });
});

describe("stepAlerts: periods that are not judged", () => {
  it("never fires on insufficient data or a missing target", () => {
    const { sent, state } = run([
      INSUFFICIENT,
      INSUFFICIENT,
      { status: "no_target", value: 5 },
      INSUFFICIENT,
    ]);
    expect(sent.flat()).toEqual([]);
    expect(state.records[recordId("daily", "gmv", "all")]?.state).toBe("ok");
  });

  it("holds an open episode through insufficient data: no reminder, no resolution", () => {
    const { sent, state } = run([B, INSUFFICIENT, INSUFFICIENT, B, OK]);
    expect(kinds(sent)).toEqual([["start"], [], [], ["reminder"], ["resolved"]]);
    expect(sent[3]?.[0]?.key).toBe("alert:daily:gmv:all:2026-03-01:reminder:1");
    expect(state.records[recordId("daily", "gmv", "all")]?.state).toBe("ok");
  });

  it("sends one data alert per table for an incomplete period and judges no metric", () => {
    const thinOrders: CompletenessIssue = {
      ...missingEvents,
      table: "orders",
      kind: "thin_partition",
      rows: 3,
    };
    const { sent, state } = run([
      OK,
      OK,
      {
        status: "breach",
        dataIssues: [missingEvents, thinOrders, { ...missingEvents, partition: "2026-03-02" }],
      },
    ]);
    expect(sent[2]?.map((n) => n.key)).toEqual([
      "data:daily:2026-03-03:events",
      "data:daily:2026-03-03:orders",
    ]);
    const events = sent[2]?.[0];
    expect(events?.kind === "data_incomplete" && events.issues.map((i) => i.partition)).toEqual([
      "2026-03-03",
      "2026-03-02",
    ]);
    expect(state.records[recordId("daily", "gmv", "all")]?.state).toBe("data_incomplete");
  });

  it("keeps an episode open across an incomplete period, without a new start", () => {
    const { sent } = run([B, { status: "met", dataIssues: [missingEvents] }, B, OK]);
    expect(kinds(sent)).toEqual([["start"], ["data_incomplete"], ["reminder"], ["resolved"]]);
  });

  it("sends one error alert when a metric starts failing, and a new one after recovery", () => {
    const failing: Day = { status: "error", value: null };
    const { sent, state } = run([failing, failing, OK, failing]);
    expect(sent.flat().map((n) => n.key)).toEqual([
      "alert:daily:gmv:all:2026-03-01:error",
      "alert:daily:gmv:all:2026-03-04:error",
    ]);
    expect(state.records[recordId("daily", "gmv", "all")]?.state).toBe("error");
  });
});

describe("stepAlerts: silences", () => {
  const silenceUntil = (day: number, extra: Partial<AlertRules["silences"][number]> = {}) =>
    rules({ silences: [{ metric: "gmv", until: runAt(day), ...extra }] });

  it("mutes a start, then sends it when the silence ends if the breach lasts", () => {
    const { sent, muted } = run([B, B, B, OK], silenceUntil(2));
    expect(kinds(sent)).toEqual([[], [], ["start"], ["resolved"]]);
    expect(muted.map((day) => day.map((n) => n.kind))).toEqual([["start"], ["start"], [], []]);
    expect(sent[2]?.[0]?.key).toBe("alert:daily:gmv:all:2026-03-01:start");
  });

  it("closes a muted episode silently", () => {
    const { sent } = run([B, OK], silenceUntil(5));
    expect(sent.flat()).toEqual([]);
  });

  it("mutes reminders and resolutions of an episode that started before the silence", () => {
    const started = run([B]);
    expect(kinds(started.sent)).toEqual([["start"]]);
    const silenced = rules({ silences: [{ metric: "*", until: runAt(9) }] });
    let state = started.state;
    const sent: AlertNotification[] = [];
    const muted: MetricNotification[] = [];
    for (const [i, status] of [
      [1, "breach"],
      [2, "met"],
    ] as const) {
      const step = stepAlerts(
        state,
        {
          report: "daily",
          periodKey: dayKey(i),
          observations: [{ metric: "gmv", status, value: 1, target: 2 }],
        },
        silenced,
        runAt(i),
      );
      state = step.state;
      sent.push(...step.notifications);
      muted.push(...step.suppressed);
    }
    expect(sent).toEqual([]);
    expect(muted.map((n) => n.kind)).toEqual(["reminder", "resolved"]);
    expect(state.records[recordId("daily", "gmv", "all")]?.state).toBe("ok");
  });

  it("only mutes the scope it names", () => {
    const step = stepAlerts(
      EMPTY_ALERT_STATE,
      {
        report: "daily",
        periodKey: "2026-03-01",
        observations: [
          { metric: "gmv", scope: "spring", status: "breach", value: 1, target: 2 },
          { metric: "gmv", scope: "summer", status: "breach", value: 1, target: 2 },
        ],
      },
      silenceUntil(3, { scope: "spring" }),
      runAt(0),
    );
    expect(step.notifications.map((n) => n.kind === "start" && n.scope)).toEqual(["summer"]);
    expect(step.suppressed.map((n) => n.scope)).toEqual(["spring"]);
  });
});

describe("stepAlerts: re-runs and replays", () => {
  const observations = (status: ObservedStatus) => ({
    report: "daily",
    periodKey: dayKey(1),
    observations: [{ metric: "gmv", status, value: 1, target: 2 }],
  });

  it("gives the same keys and state when a period runs again, even hours later", () => {
    const before = run([OK]).state;
    const first = stepAlerts(before, observations("breach"), rules(), runAt(1));
    const again = stepAlerts(first.state, observations("breach"), rules(), runAt(1, 600));
    expect(again.notifications).toEqual(first.notifications);
    expect(again.state).toEqual(first.state);
  });

  it("re-applies a corrected period to the state as it was before that period", () => {
    const before = run([OK]).state;
    const first = stepAlerts(before, observations("breach"), rules(), runAt(1));
    const corrected = stepAlerts(first.state, observations("met"), rules(), runAt(1, 60));
    expect(corrected.notifications).toEqual([]);
    expect(corrected.state.records[recordId("daily", "gmv", "all")]?.state).toBe("ok");
  });

  it("leaves a record alone for a period older than the one it last saw", () => {
    const { state } = run([B, B, B]);
    const old = stepAlerts(
      state,
      { ...observations("met"), periodKey: dayKey(0) },
      rules(),
      runAt(5),
    );
    expect(old.notifications).toEqual([]);
    expect(old.skipped).toEqual([recordId("daily", "gmv", "all")]);
    expect(old.state).toEqual(state);
  });

  it("replays a history and counts what would have fired", () => {
    const statuses: ObservedStatus[] = ["met", "breach", "breach", "breach", "met", "breach"];
    const result = replayAlerts(
      statuses.map((status, i) => ({
        report: "daily",
        periodKey: dayKey(i),
        observations: [{ metric: "gmv", status, value: 1, target: 2 }],
      })),
      rules(),
      (period) => new Date(Date.parse(`${period.periodKey}T16:00:00Z`) + 8 * HOUR),
    );
    expect(result.fired.map((n) => n.kind)).toEqual([
      "start",
      "reminder",
      "reminder",
      "resolved",
      "start",
    ]);
    expect(result.counts).toEqual({ gmv: { start: 2, reminder: 2, resolved: 1 } });
    expect(result.fired[0]?.at).toBe("2026-03-03T00:00:00.000Z");
  });
});

describe("parseAlertState", () => {
  it("reads nothing stored as the empty state and round-trips JSON", () => {
    expect(parseAlertState(undefined)).toEqual(EMPTY_ALERT_STATE);
    const { state } = run([B, B, OK, { status: "error" }]);
    expect(parseAlertState(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });

  it("rejects a damaged document, saying where and what to do", () => {
    expect(() => parseAlertState({ schemaVersion: 1, records: { x: { state: "on" } } })).toThrow(
      AlertStateError,
    );
    expect(() => parseAlertState({ schemaVersion: 2, records: {} })).toThrow(
      /schemaVersion.*Restore a previous version/,
    );
  });
});

describe("stepAlerts: properties over random histories", () => {
  const status = fc.constantFrom<ObservedStatus>(
    "met",
    "warning",
    "breach",
    "breach",
    "breach",
    "insufficient_data",
    "no_target",
    "data_incomplete",
    "error",
  );
  const dayArb = fc.record({
    status,
    gapHours: fc.integer({ min: 1, max: 80 }),
    rerun: fc.boolean(),
  });
  const rulesArb = fc.record({
    intervalHours: fc.integer({ min: 1, max: 72 }),
    slackMinutes: fc.integer({ min: 0, max: 60 }),
    forPeriods: fc.integer({ min: 1, max: 3 }),
    silence: fc.option(
      fc.record({
        fromHour: fc.integer({ min: 0, max: 600 }),
        hours: fc.integer({ min: 1, max: 200 }),
      }),
    ),
  });

  it("holds the invariants an on-call engineer relies on", () => {
    fc.assert(
      fc.property(fc.array(dayArb, { minLength: 1, maxLength: 40 }), rulesArb, (days, r) => {
        const origin = Date.parse("2026-03-01T00:00:00Z");
        const silenceFrom = r.silence ? origin + r.silence.fromHour * HOUR : 0;
        const silenceTo = r.silence ? silenceFrom + r.silence.hours * HOUR : 0;
        const alertRules = rules({
          reminderIntervalMs: r.intervalHours * HOUR,
          reminderSlackMs: r.slackMinutes * 60_000,
          forPeriods: r.forPeriods,
          // A silence that began in the past still lasts until `until`; model a window by
          // applying it only to steps inside it (see `inSilence`).
          silences: [],
        });
        const inSilence = (t: number) => r.silence !== null && t >= silenceFrom && t < silenceTo;
        let state = EMPTY_ALERT_STATE;
        let t = origin;
        const delivered = new Map<string, { n: AlertNotification; at: number; index: number }>();
        const judged: ObservedStatus[] = [];
        days.forEach((day, index) => {
          t += day.gapHours * HOUR;
          const silenced = inSilence(t);
          const stepRules = silenced
            ? { ...alertRules, silences: [{ metric: "gmv", until: new Date(silenceTo) }] }
            : alertRules;
          const input = {
            report: "daily",
            periodKey: dayKey(index),
            observations: [{ metric: "gmv", status: day.status, value: 1, target: 2 }],
          };
          const step = stepAlerts(state, input, stepRules, new Date(t));
          if (day.rerun) {
            // A second run of the same period, later: same notifications, same state.
            const again = stepAlerts(step.state, input, stepRules, new Date(t + HOUR));
            expect(again.notifications).toEqual(step.notifications);
            expect(again.state).toEqual(step.state);
          }
          state = step.state;
          judged.push(day.status);
          for (const n of step.notifications) {
            // Silenced metrics never notify.
            expect(silenced).toBe(false);
            // Insufficient, incomplete or untargeted periods never raise breach alerts.
            if (n.kind === "start" || n.kind === "reminder") expect(day.status).toBe("breach");
            if (n.kind === "start" && !silenced) {
              const recentJudged = judged.filter((s) => ["met", "warning", "breach"].includes(s));
              // The start comes after forPeriods consecutive breaches, or is a muted start let
              // out after a silence.
              expect(recentJudged.at(-1)).toBe("breach");
            }
            if (!delivered.has(n.key)) delivered.set(n.key, { n, at: t, index });
          }
          // A muted resolution closes the episode all the same.
          for (const n of step.suppressed) {
            if (n.kind === "resolved" && !delivered.has(n.key))
              delivered.set(n.key, { n, at: t, index });
          }
        });
        // Walk the deliveries in order: start, reminders, resolved, start, …
        let open: { start: string; lastAt: number } | undefined;
        for (const { n, at } of [...delivered.values()].sort((a, b) => a.index - b.index)) {
          if (n.kind === "data_incomplete" || n.kind === "error") continue;
          if (n.kind === "start") {
            expect(open).toBeUndefined();
            open = { start: n.since ?? "", lastAt: at };
          } else {
            expect(open?.start).toBe(n.since);
            if (n.kind === "reminder") {
              expect(at - (open?.lastAt ?? 0)).toBeGreaterThanOrEqual(
                r.intervalHours * HOUR - r.slackMinutes * 60_000,
              );
              if (open) open.lastAt = at;
            } else {
              open = undefined;
            }
          }
        }
        // At most one start per episode: start keys are unique by construction, and no
        // episode start period repeats.
        const starts = [...delivered.values()].filter((d) => d.n.kind === "start");
        const episodes = starts.map((d) => (d.n.kind === "start" ? d.n.since : ""));
        expect(new Set(episodes).size).toBe(starts.length);
      }),
      { numRuns: 400 },
    );
  });

  it("fires a start only after forPeriods consecutive judged breaches", () => {
    fc.assert(
      fc.property(
        fc.array(status, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        (statuses, forPeriods) => {
          const { sent } = run(
            statuses.map((s) => ({ status: s })),
            rules({ forPeriods }),
          );
          sent.forEach((day, i) => {
            if (!day.some((n) => n.kind === "start")) return;
            const judgedBefore = statuses
              .slice(0, i + 1)
              .filter((s) => s === "met" || s === "warning" || s === "breach");
            expect(judgedBefore.slice(-forPeriods)).toEqual(Array(forPeriods).fill("breach"));
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
