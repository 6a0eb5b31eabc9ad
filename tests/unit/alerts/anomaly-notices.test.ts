import { describe, expect, it } from "vitest";
import { anomalyNotifications } from "../../../functions/lib/alerts/anomaly-notices.ts";
import type { BandedEvaluation } from "../../../functions/lib/kpi/anomaly.ts";
import { type EvaluatedMetric, evaluate } from "../../../functions/lib/kpi/evaluate.ts";
import { metric } from "../../../functions/lib/kpi/registry.ts";
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
});
