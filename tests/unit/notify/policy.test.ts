/**
 * The notification policy (pure): route by severity, one message per run and audience,
 * newest and worst first, reminders summarised with their streak.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_ROUTING } from "../../../functions/lib/alerts/config.ts";
import type { AlertNotification, MetricNotification } from "../../../functions/lib/kpi/alerts.ts";
import { composeMessage } from "../../../functions/lib/notify/compose.ts";
import {
  ownerOf,
  planNotifications,
  severityOf,
  streakKey,
} from "../../../functions/lib/notify/policy.ts";

const metricAlert = (
  kind: MetricNotification["kind"],
  metric: string,
  extra: Partial<MetricNotification> = {},
): MetricNotification => ({
  key: `alert:daily:${metric}:${kind}`,
  kind,
  report: "daily",
  periodKey: "2026-11-22",
  metric,
  scope: "all",
  status: kind === "resolved" ? "met" : "breach",
  value: 0.1,
  target: 0.3,
  ...extra,
});

const dataAlert: AlertNotification = {
  key: "data:daily:2026-11-22:events",
  kind: "data_incomplete",
  report: "daily",
  periodKey: "2026-11-22",
  table: "events",
  issues: [],
};

describe("route", () => {
  it("pages data alerts, metric errors and configured metrics; notifies owners of KPI breaches", () => {
    expect(severityOf(dataAlert, DEFAULT_ROUTING)).toBe("page");
    expect(severityOf(metricAlert("error", "gmv"), DEFAULT_ROUTING)).toBe("page");
    expect(severityOf(metricAlert("start", "data_freshness_minutes"), DEFAULT_ROUTING)).toBe(
      "page",
    );
    expect(severityOf(metricAlert("start", "stickiness"), DEFAULT_ROUTING)).toBe("notify");
    expect(
      severityOf(metricAlert("start", "gmv"), { ...DEFAULT_ROUTING, metrics: { gmv: "off" } }),
    ).toBe("off");
  });

  it("finds the owner from the metric's report section", () => {
    expect(ownerOf(metricAlert("start", "stickiness"))).toBe("user_operations");
    expect(ownerOf(metricAlert("start", "gmv"))).toBe("user_operations"); // orders
    expect(ownerOf(metricAlert("start", "interaction_rate"))).toBe("content_operations");
    expect(ownerOf(metricAlert("start", "campaign_roi", { scope: "cmp_1" }))).toBe(
      "campaign_operations",
    );
    expect(ownerOf(metricAlert("start", "ops_cost_ratio"))).toBe("data_operations");
    expect(ownerOf(dataAlert)).toBe("data_operations");
  });
});

describe("group", () => {
  const notifications: AlertNotification[] = [
    metricAlert("reminder", "stickiness", { streak: { start: "2026-11-09", length: 14 } }),
    metricAlert("start", "retention_d1", { streak: { start: "2026-11-22", length: 1 } }),
    metricAlert("reminder", "users_per_ops_head", { streak: { start: "2026-11-01", length: 22 } }),
    metricAlert("resolved", "gmv", { streak: { start: "2026-11-19", length: 3 } }),
    metricAlert("start", "data_freshness_minutes", { value: 240, target: 60 }),
    metricAlert("reminder", "ops_cost_ratio", { value: 0.3, target: 0.15 }),
    dataAlert,
  ];
  const plan = planNotifications(notifications, DEFAULT_ROUTING);

  it("makes one message per audience: on-call's page-level alerts, one digest per owner", () => {
    expect(plan.messages.map((m) => [m.audience.id, m.kind, m.notices.length])).toEqual([
      ["on-call", "alerts", 2],
      ["owner:user_operations", "digest", 3],
      ["owner:data_operations", "digest", 2],
    ]);
    const carried = plan.messages.flatMap((m) => m.notices.map((n) => n.notification.key));
    expect(carried.sort()).toEqual(notifications.map((n) => n.key).sort());
  });

  it("orders each message new first, then ongoing by distance, then resolved", () => {
    const order = (i: number) =>
      plan.messages[i]?.notices.map(
        (n) => `${n.notification.kind}:${(n.notification as MetricNotification).metric}`,
      );
    expect(order(1)).toEqual(["start:retention_d1", "reminder:stickiness", "resolved:gmv"]);
    // Both ongoing: ops cost 30 % vs ≤ 15 % is 1.0 off its target, users per head 0.67.
    expect(order(2)).toEqual(["reminder:ops_cost_ratio", "reminder:users_per_ops_head"]);
  });

  it("keeps the longer streak of the stored history (alerts enabled after the breach began)", () => {
    const late = planNotifications(
      [metricAlert("start", "stickiness", { streak: { start: "2026-11-22", length: 1 } })],
      DEFAULT_ROUTING,
      new Map([[streakKey("stickiness"), { start: "2026-11-09", length: 14 }]]),
    );
    const notice = late.messages[0]?.notices[0];
    expect(notice?.streak).toEqual({ start: "2026-11-09", length: 14 });
    expect(notice?.isNew).toBe(false);
  });

  it("shows an acknowledged alert only in a message its audience gets anyway", () => {
    const acked = metricAlert("reminder", "retention_d7", {
      ack: { by: "li.wei", at: "2026-11-20T01:12:00.000Z", distance: 0.2 },
    });
    const alone = planNotifications([], DEFAULT_ROUTING, new Map(), [acked]);
    expect(alone.messages).toEqual([]);
    const along = planNotifications(
      [metricAlert("start", "stickiness")],
      DEFAULT_ROUTING,
      new Map(),
      [acked],
    );
    expect(along.messages[0]?.notices.map((n) => n.notification.key)).toEqual([
      "alert:daily:stickiness:start",
      "alert:daily:retention_d7:reminder",
    ]);
  });

  it("counts severity off apart and sends it to nobody", () => {
    const off = planNotifications([metricAlert("start", "gmv")], {
      ...DEFAULT_ROUTING,
      kpiBreach: "off",
    });
    expect(off.messages).toEqual([]);
    expect(off.off.map((n) => n.key)).toEqual(["alert:daily:gmv:start"]);
  });
});

describe("compose", () => {
  it("names campaigns by name with the id beside, and says new today vs day N", () => {
    const plan = planNotifications(
      [
        metricAlert("start", "participants", {
          scope: "cmp_0014",
          value: 500,
          target: 2_000,
          streak: { start: "2026-11-22", length: 1 },
        }),
        metricAlert("reminder", "campaign_roi", {
          scope: "cmp_0015",
          value: 1,
          target: 3,
          streak: { start: "2026-11-09", length: 14 },
          ack: { by: "li.wei", at: "2026-11-20T01:12:00.000Z", distance: 0.5 },
          worsened: true,
        }),
      ],
      DEFAULT_ROUTING,
    );
    const planned = plan.messages[0];
    if (!planned) throw new Error("no message");
    const message = composeMessage(planned, "en", {
      report: "campaigns",
      periodKey: "2026-11-22",
      period: { kind: "day", start: "2026-11-22", end: "2026-11-22", timeZone: "Asia/Shanghai" },
      runId: "run-1",
      currency: "CNY",
      scopeNames: { cmp_0014: "Spring sale", cmp_0015: "Double 11" },
      rerunCommand: "opspulse run campaigns --date 2026-11-22",
    });
    expect(message.key).toBe("notify:campaigns:2026-11-22:owner:campaign_operations");
    expect(message.subject).toContain("1 new, 1 ongoing");
    expect(message.items.map((i) => [i.text.title, i.text.status])).toEqual([
      ["Participants · Spring sale (cmp_0014)", "new today"],
      ["Campaign ROI · Double 11 (cmp_0015)", "day 14 (since 2026-11-09)"],
    ]);
    expect(message.items[1]?.text.ack).toBe(
      "acked by li.wei at 2026-11-20 01:12 UTC — worse than when acked",
    );
    expect(message.commands[0]?.command).toBe(
      "opspulse alerts ack participants/cmp_0014 --by NAME",
    );
  });
});
