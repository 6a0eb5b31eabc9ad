import { describe, expect, it } from "vitest";
import { observationsOf } from "../../../functions/lib/alerts/on-call.ts";
import { evaluate } from "../../../functions/lib/kpi/evaluate.ts";
import { metric } from "../../../functions/lib/kpi/registry.ts";
import type { EvaluatedMetric } from "../../../functions/lib/report/email/model.ts";

function evaluated(id: string, value: number): EvaluatedMetric {
  const def = metric(id);
  const metricValue = { value, sample: 1_000 };
  return { def, value: metricValue, evaluation: evaluate({ metric: def, value: metricValue }) };
}

describe("observationsOf", () => {
  const business = [evaluated("gmv", 1_000)];
  const scoped = { spring: [evaluated("campaign_roi", 0.5)] };

  it("lets only the campaigns report judge per-campaign metrics (one alert per campaign metric)", () => {
    const daily = observationsOf("daily", business, scoped);
    expect(daily.map((o) => `${o.metric}@${o.scope}`)).toEqual(["gmv@all"]);

    const campaigns = observationsOf("campaigns", [], scoped);
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]).toMatchObject({ metric: "campaign_roi", scope: "spring", value: 0.5 });
  });
});
