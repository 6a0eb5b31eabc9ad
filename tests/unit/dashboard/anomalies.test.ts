/**
 * The dashboard shows each headline metric's normal band and, when the latest daily
 * snapshot flagged it, its top drivers — read from the snapshot, never recomputed.
 */
import { describe, expect, it } from "vitest";
import type { StoredSnapshot } from "../../../functions/lib/dashboard/data.ts";
import { renderDashboardPage } from "../../../functions/lib/dashboard/page.ts";
import { dailyDrafts } from "./fixtures.ts";

function withAnomaly(): StoredSnapshot[] {
  const docs = dailyDrafts("2026-03-08", 3).map((d) => ({ ...d, revision: 1 }) as StoredSnapshot);
  const last = docs.at(-1) as StoredSnapshot;
  const dau = last.metrics?.dau;
  docs[docs.length - 1] = {
    ...last,
    metrics: {
      ...last.metrics,
      dau: {
        ...(dau as NonNullable<typeof dau>),
        value: 700,
        status: "anomaly",
        band: {
          method: "same_weekday",
          median: 1000,
          mad: 20,
          lower: 911,
          upper: 1089,
          basis: [],
        },
        anomaly: { side: "below", distance: 1.19 },
      },
    },
    drivers: {
      dau: [
        {
          dimension: "channel",
          element: "app",
          actual: 200,
          forecast: 500,
          relative: -0.6,
          share: 1,
          surprise: 0.02,
        },
      ],
    },
  };
  return docs;
}

describe("dashboard: bands and drivers", () => {
  it("shows the latest normal band and the flagged metric's drivers", async () => {
    const html = await renderDashboardPage(
      {
        from: "2026-03-06",
        to: "2026-03-08",
        daily: withAnomaly(),
        weekly: [],
        campaigns: [],
        campaignSource: "none",
      },
      {
        locale: "en",
        currency: "CNY",
        generatedAt: new Date("2026-03-09T00:00:00Z"),
        madeBy: "test",
      },
    );
    expect(html).toContain("normal 911–1,089");
    expect(html).toContain("↳ app channel: -60.0% and 100.0% of the drop");
    expect(html).toContain("Unusual");
  });
});
