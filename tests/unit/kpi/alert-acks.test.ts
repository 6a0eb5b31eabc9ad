/**
 * Acknowledge and silence (pure): an ack records who, when and how far off the target it
 * was; an acked episode sends no reminders unless it worsens past the re-ack factor; the ack
 * ends when the alert resolves; a CLI silence mutes until it expires.
 */
import { describe, expect, it } from "vitest";
import {
  AlertCommandError,
  ackAlert,
  activeSilences,
  parseAlertTarget,
  silenceAlert,
  silenceRules,
  unackAlert,
  unsilenceAlert,
} from "../../../functions/lib/kpi/alert-acks.ts";
import {
  type AlertRules,
  type AlertState,
  DEFAULT_ALERT_RULES,
  EMPTY_ALERT_STATE,
  stepAlerts,
} from "../../../functions/lib/kpi/alerts.ts";

const HOUR = 3_600_000;
const rules: AlertRules = { ...DEFAULT_ALERT_RULES, reminderIntervalMs: 24 * HOUR };
const at = (day: number) => new Date(Date.UTC(2026, 10, day, 0, 0));
const gmvDay = (state: AlertState, day: number, value: number) =>
  stepAlerts(
    state,
    {
      report: "daily",
      periodKey: `2026-11-${String(day).padStart(2, "0")}`,
      observations: [
        { metric: "gmv", status: value >= 1_000 ? "met" : "breach", value, target: 1_000 },
      ],
    },
    rules,
    at(day + 1),
  );

/** GMV 800 on Nov 1 (start) and Nov 2 (reminder due): an open episode, 20 % off target. */
function openEpisode(): AlertState {
  return gmvDay(gmvDay(EMPTY_ALERT_STATE, 1, 800).state, 2, 800).state;
}

describe("ackAlert", () => {
  it("records who, when and the distance from the target on the open episode", () => {
    const { state, acked } = ackAlert(openEpisode(), parseAlertTarget("gmv"), {
      by: "li.wei",
      at: new Date("2026-11-03T01:00:00Z"),
    });
    expect(acked).toEqual(["daily/gmv/all"]);
    expect(state.records["daily/gmv/all"]?.episode?.ack).toEqual({
      by: "li.wei",
      at: "2026-11-03T01:00:00.000Z",
      distance: 0.2,
    });
  });

  it("refuses a metric with no open alert, saying where to look", () => {
    expect(() =>
      ackAlert(EMPTY_ALERT_STATE, { metric: "gmv" }, { by: "li.wei", at: at(3) }),
    ).toThrow(AlertCommandError);
  });

  it("stops reminders while the breach is no worse, and reminds once when it worsens past the factor", () => {
    const acked = ackAlert(openEpisode(), { metric: "gmv" }, { by: "li.wei", at: at(3) }).state;
    // 750 is 25 % off (< 1.5 × 20 %): no reminder, though one is due.
    const quiet = gmvDay(acked, 3, 750);
    expect(quiet.notifications).toEqual([]);
    // Held back, to be shown as "acked by li.wei" in a message on-call gets anyway.
    expect(quiet.acknowledged.map((n) => [n.kind, n.ack?.by])).toEqual([["reminder", "li.wei"]]);
    // 650 is 35 % off (> 30 %): a reminder that says it was acked and is worse; the ack ends.
    const worse = gmvDay(quiet.state, 4, 650);
    expect(worse.notifications.map((n) => n.kind)).toEqual(["reminder"]);
    expect(worse.notifications[0]).toMatchObject({ worsened: true, ack: { by: "li.wei" } });
    expect(worse.state.records["daily/gmv/all"]?.episode?.ack).toBeUndefined();
  });

  it("ends with the episode: the resolution carries it, the next breach is not acked", () => {
    const acked = ackAlert(openEpisode(), { metric: "gmv" }, { by: "li.wei", at: at(3) }).state;
    const resolved = gmvDay(acked, 3, 1_200);
    expect(resolved.notifications[0]).toMatchObject({ kind: "resolved", ack: { by: "li.wei" } });
    const again = gmvDay(resolved.state, 4, 800);
    expect(again.notifications.map((n) => n.kind)).toEqual(["start"]);
    expect(again.state.records["daily/gmv/all"]?.episode?.ack).toBeUndefined();
  });

  it("is withdrawn by unack, and reminders go out again", () => {
    const acked = ackAlert(openEpisode(), { metric: "gmv" }, { by: "li.wei", at: at(3) }).state;
    const { state } = unackAlert(acked, { metric: "gmv" });
    expect(gmvDay(state, 3, 800).notifications.map((n) => n.kind)).toEqual(["reminder"]);
    expect(() => unackAlert(state, { metric: "gmv" })).toThrow(/No acknowledged alert for gmv/);
  });
});

describe("silenceAlert", () => {
  const by = { by: "li.wei", at: new Date("2026-11-03T00:00:00Z") };

  it("mutes until --until and then ends by itself", () => {
    const state = silenceAlert(
      openEpisode(),
      { metric: "gmv" },
      { until: new Date("2026-11-05T00:00:00Z"), reason: "promo week" },
      by,
    );
    expect(activeSilences(state, new Date("2026-11-04T00:00:00Z"))).toHaveLength(1);
    expect(activeSilences(state, new Date("2026-11-05T00:00:00Z"))).toEqual([]);
    const muted = stepAlerts(
      state,
      {
        report: "daily",
        periodKey: "2026-11-03",
        observations: [{ metric: "gmv", status: "breach", value: 800, target: 1_000 }],
      },
      { ...rules, silences: silenceRules(state, at(4)) },
      at(4),
    );
    expect(muted.notifications).toEqual([]);
    expect(muted.suppressed.map((n) => n.kind)).toEqual(["reminder"]);
    // The state machine keeps the CLI silences it does not own, until they expire.
    expect(muted.state.silences).toEqual(state.silences);
    const later = stepAlerts(
      muted.state,
      { report: "daily", periodKey: "2026-11-05", observations: [] },
      rules,
      at(6),
    );
    expect(later.state.silences).toBeUndefined();
  });

  it("refuses an --until in the past, and unsilence of nothing", () => {
    expect(() =>
      silenceAlert(EMPTY_ALERT_STATE, { metric: "gmv" }, { until: at(1), reason: "x" }, by),
    ).toThrow(/not in the future/);
    expect(() => unsilenceAlert(EMPTY_ALERT_STATE, { metric: "gmv" })).toThrow(/No silence of gmv/);
  });

  it("parses metric/scope", () => {
    expect(parseAlertTarget("participants/cmp_0014")).toEqual({
      metric: "participants",
      scope: "cmp_0014",
    });
    expect(parseAlertTarget("gmv")).toEqual({ metric: "gmv" });
  });
});
