import { describe, expect, it } from "vitest";
import {
  firstFullLocalDay,
  hasFullBaseline,
  metricWindowStart,
} from "../../../functions/lib/kpi/baseline.ts";
import { periodContaining, sameDayOfPreviousMonth } from "../../../functions/lib/kpi/windows.ts";

describe("firstFullLocalDay", () => {
  it("is the first local day that starts at or after the first partition's first instant", () => {
    // 00:00 UTC is 08:00 in Shanghai: that local day began without data.
    expect(firstFullLocalDay("2025-02-02", "Asia/Shanghai")).toBe("2025-02-03");
    // In New York 00:00 UTC is the evening before: the dt's own date is whole.
    expect(firstFullLocalDay("2025-02-02", "America/New_York")).toBe("2025-02-02");
    expect(firstFullLocalDay("2025-02-02", "UTC")).toBe("2025-02-02");
  });
});

describe("metricWindowStart", () => {
  const week = periodContaining("week", "2026-03-08", "Asia/Shanghai");
  const day = periodContaining("day", "2026-03-08", "Asia/Shanghai");
  it("starts each metric's window where its longest window starts", () => {
    expect(metricWindowStart("rfm_customers", week)).toBe("2025-03-09");
    expect(metricWindowStart("repurchase_rate", day)).toBe("2025-12-09");
    expect(metricWindowStart("mau", day)).toBe("2026-02-07");
    expect(metricWindowStart("retention_d30", day)).toBe("2026-02-06");
    expect(metricWindowStart("content_published_article", week)).toBe("2026-03-01");
    expect(metricWindowStart("orders", week)).toBe("2026-03-02");
  });
  it("judges a comparison period's baseline full only when its window lies in the lake", () => {
    expect(hasFullBaseline("mau", day, "2026-02-07")).toBe(true);
    expect(hasFullBaseline("mau", day, "2026-02-08")).toBe(false);
    expect(hasFullBaseline("mau", day, undefined)).toBe(true);
  });
});

describe("sameDayOfPreviousMonth", () => {
  it("is the same day a month back, or that month's last day", () => {
    expect(sameDayOfPreviousMonth("2026-03-15")).toBe("2026-02-15");
    expect(sameDayOfPreviousMonth("2026-03-31")).toBe("2026-02-28");
    expect(sameDayOfPreviousMonth("2028-03-30")).toBe("2028-02-29");
    expect(sameDayOfPreviousMonth("2026-01-31")).toBe("2025-12-31");
  });
});
