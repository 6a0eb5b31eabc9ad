import { describe, expect, it } from "vitest";
import { anomalyNotifications } from "../../../functions/lib/alerts/anomaly-notices.ts";
import type { BandedEvaluation } from "../../../functions/lib/kpi/anomaly.ts";
import { type EvaluatedMetric, evaluate } from "../../../functions/lib/kpi/evaluate.ts";
import { metric } from "../../../functions/lib/kpi/registry.ts";
import { composeMessage } from "../../../functions/lib/notify/compose.ts";
import { planNotifications } from "../../../functions/lib/notify/policy.ts";

const routing = { kpiBreach: "notify", data: "page", metricError: "page", metrics: {} } as const;

function judged(id: string, status: "anomaly" | "met", ongoing = false): EvaluatedMetric {
  const def = metric(id);
  const evaluation: BandedEvaluation = {
    ...evaluate({ metric: def, value: { value: 312 } }),
    status,
    ...(ongoing ? { ongoing } : {}),
  };
  return { def, value: { value: 312 }, evaluation };
}

describe("anomaly notifications", () => {
  it("are new anomalies only, routed by default to the metric's owner digest", () => {
    const notifications = anomalyNotifications("daily", "2026-03-24", [
      judged("orders", "anomaly"),
      judged("dau", "anomaly", true), // the previous period had it too
      judged("gmv", "met"),
    ]);
    expect(notifications.map((n) => [n.key, n.kind, n.status])).toEqual([
      ["alert:daily:orders:all:2026-03-24:anomaly", "start", "anomaly"],
    ]);
    const plan = planNotifications(notifications, routing);
    expect(plan.messages.map((m) => [m.audience.id, m.kind])).toEqual([
      ["owner:user_operations", "digest"],
    ]);
  });

  it("go to on-call when the metric is set to page", () => {
    const notifications = anomalyNotifications("daily", "2026-03-24", [
      judged("orders", "anomaly"),
    ]);
    const plan = planNotifications(notifications, { ...routing, metrics: { orders: "page" } });
    expect(plan.messages.map((m) => m.audience.id)).toEqual(["on-call"]);
  });

  it("read as the email's unusual line, not as a target (new users have a growth target)", () => {
    const def = metric("new_users");
    const evaluation: BandedEvaluation = {
      ...evaluate({ metric: def, value: { value: 281 } }),
      status: "anomaly",
      band: {
        method: "same_weekday",
        median: 202,
        mad: 10,
        lower: 159.37,
        upper: 244.65,
        basis: ["2026-11-15"],
      },
    };
    const notifications = anomalyNotifications("daily", "2026-11-22", [
      { def, value: { value: 281 }, evaluation },
    ]);
    const [planned] = planNotifications(notifications, routing).messages;
    if (!planned) throw new Error("no message");
    const context = {
      report: "daily",
      periodKey: "2026-11-22",
      period: { kind: "day", start: "2026-11-22", end: "2026-11-22", timeZone: "Asia/Shanghai" },
      runId: "run-1",
      currency: "CNY",
      rerunCommand: "opspulse run daily --date 2026-11-22",
    } as const;
    // Sunday 2026-11-22; before, the growth formatting read "+28,100.0% vs target ≥ —".
    expect(composeMessage(planned, "en", context).items[0]?.text.figures).toBe(
      "unusual for a Sunday: 281, normal 159–245",
    );
    expect(composeMessage(planned, "zh-CN", context).items[0]?.text.figures).toBe(
      "周日异常：281，正常范围 159–245",
    );
  });
});
