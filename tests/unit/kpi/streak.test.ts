import { describe, expect, it } from "vitest";
import { trailingBreachStreak } from "../../../functions/lib/kpi/streak.ts";

const days = (...statuses: (string | null)[]) =>
  statuses.map((status, i) => ({ periodKey: `2026-11-${String(i + 1).padStart(2, "0")}`, status }));

describe("trailingBreachStreak", () => {
  it("starts at the first breached period of the run of breaches ending today", () => {
    expect(trailingBreachStreak(days("met", "breach", "breach", "breach"))).toEqual({
      start: "2026-11-02",
      length: 3,
    });
  });

  it("skips periods that were not judged, without counting them", () => {
    expect(
      trailingBreachStreak(days("breach", "insufficient_data", null, "tracking", "breach")),
    ).toEqual({ start: "2026-11-01", length: 2 });
  });

  it("has no streak when the last judged period is not a breach", () => {
    expect(trailingBreachStreak(days("breach", "warning"))).toBeUndefined();
    expect(trailingBreachStreak(days())).toBeUndefined();
  });
});
