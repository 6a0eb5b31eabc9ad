import { describe, expect, it } from "vitest";
import {
  type BaselineSettings,
  bandPosition,
  bandReadRange,
  baselineBand,
  type CampaignSpan,
  campaignStateOf,
  campaignStep,
  candidatePeriodStarts,
  DEFAULT_BASELINE_SETTINGS,
  levelRatio,
  median,
  onCalendar,
  type PastValue,
  samplingDeviation,
  weekdayOf,
} from "../../../functions/lib/kpi/baseline-band.ts";
import { addDays, type Period } from "../../../functions/lib/kpi/windows.ts";

const ZONE = "Asia/Shanghai";
// Tuesday 2026-03-24: its same-weekday history is 2026-03-17, 03-10, … back 8 weeks.
const tuesday: Period = { kind: "day", start: "2026-03-24", end: "2026-03-24", timeZone: ZONE };

/** Past values of the Tuesdays before `tuesday`, newest first. */
function tuesdays(values: readonly (number | null)[], incomplete: readonly number[] = []) {
  return values.map(
    (value, i): PastValue => ({
      periodKey: addDays(tuesday.start, -7 * (i + 1)),
      start: addDays(tuesday.start, -7 * (i + 1)),
      value,
      complete: !incomplete.includes(i),
    }),
  );
}

const settings = (extra: Partial<BaselineSettings> = {}): BaselineSettings => ({
  ...DEFAULT_BASELINE_SETTINGS,
  ...extra,
});

describe("median", () => {
  it("takes the middle value of an odd count and the mean of the two middle ones of an even count", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, 5, 5, 9])).toBe(5); // ties in the middle
  });
});

describe("baselineBand: same weekday over the last 8 weeks, median ± 3 · 1.4826 · MAD", () => {
  it("computes the band of a hand-worked history with ties", () => {
    // Sorted: 340 350 350 360 360 360 370 380 → median (360 + 360) / 2 = 360.
    // |x − 360|: 20 10 10 0 0 0 10 20 → sorted 0 0 0 10 10 10 20 20 → MAD (10 + 10) / 2 = 10.
    // Half-width 3 × 1.4826 × 10 = 44.478 (more than 2 % of 360 = 7.2).
    const band = baselineBand(
      tuesday,
      tuesdays([360, 350, 370, 360, 340, 380, 350, 360]),
      settings(),
    );
    expect(band).not.toBeNull();
    expect(band?.median).toBe(360);
    expect(band?.mad).toBe(10);
    expect(band?.lower).toBeCloseTo(315.522, 9);
    expect(band?.upper).toBeCloseTo(404.478, 9);
    expect(band?.basis).toEqual([
      "2026-01-27",
      "2026-02-03",
      "2026-02-10",
      "2026-02-17",
      "2026-02-24",
      "2026-03-03",
      "2026-03-10",
      "2026-03-17",
    ]);
  });

  it("keeps the band at least median ± 2 % when the history repeats exactly (MAD = 0)", () => {
    const band = baselineBand(tuesday, tuesdays(Array(8).fill(100)), settings());
    expect(band).toMatchObject({ median: 100, mad: 0, lower: 98, upper: 102 });
    expect(bandPosition(101.5, band!, "both").side).toBe("inside");
    // 97 lies 1 below the lower edge of a band 4 wide: a quarter of a band width.
    expect(bandPosition(97, band!, "both")).toEqual({
      side: "below",
      distance: 0.25,
      unusual: true,
    });
  });

  it("has no band with fewer usable periods than the minimum history", () => {
    expect(baselineBand(tuesday, tuesdays([100, 110, 120]), settings())).toBeNull();
    expect(baselineBand(tuesday, tuesdays([100, 110, 120]), settings({ minHistory: 3 }))).toEqual(
      expect.objectContaining({ median: 110, mad: 10 }),
    );
  });

  it("skips a holiday on the calendar and goes one week further back", () => {
    // 2026-03-03 (the 3rd Tuesday back) is a holiday with a spike; the 9th Tuesday replaces it.
    const past = tuesdays([100, 100, 500, 102, 98, 100, 101, 99, 103]);
    const band = baselineBand(tuesday, past, settings(), new Set(["2026-03-03"]));
    expect(band?.basis).not.toContain("2026-03-03");
    expect(band?.basis[0]).toBe("2026-01-20");
    // Values 100 100 102 98 100 101 99 103 → median 100; |x − 100| sorted 0 0 0 1 1 2 2 3 →
    // MAD 1 → half-width 3 × 1.4826 = 4.4478.
    expect(band?.median).toBe(100);
    expect(band?.mad).toBe(1);
    expect(band?.upper).toBeCloseTo(104.4478, 9);
  });

  it("skips data-incomplete periods and missing values", () => {
    const band = baselineBand(
      tuesday,
      tuesdays([10, 999, null, 10, 10, 10], [1]),
      settings({ minHistory: 4 }),
    );
    expect(band?.basis).toHaveLength(4);
    expect(band?.median).toBe(10);
  });

  it("uses only the newest N usable periods", () => {
    const band = baselineBand(
      tuesday,
      tuesdays([1, 2, 3, 4, 5]),
      settings({ periods: 3, minHistory: 2 }),
    );
    expect(band?.median).toBe(2);
    expect(band?.basis).toEqual(["2026-03-03", "2026-03-10", "2026-03-17"]);
  });

  it("judges a weekly period against the last N weeks, skipping a week with a holiday", () => {
    const week: Period = { kind: "week", start: "2026-03-23", end: "2026-03-29", timeZone: ZONE };
    const starts = candidatePeriodStarts(week, settings({ periods: 2 }));
    expect(starts).toEqual(["2026-03-16", "2026-03-09", "2026-03-02", "2026-02-23"]);
    const past = starts.map((start, i) => ({
      periodKey: start,
      start,
      value: [700, 9_000, 710, 690][i] as number,
      complete: true,
    }));
    // 2026-03-11 is a Wednesday of the week of 03-09: that week is skipped.
    const band = baselineBand(
      week,
      past,
      settings({ periods: 3, minHistory: 3 }),
      new Set(["2026-03-11"]),
    );
    expect(band?.median).toBe(700);
    expect(onCalendar(week, new Set(["2026-03-29"]))).toBe(true);
  });

  it("uses the previous days with the trailing method", () => {
    expect(candidatePeriodStarts(tuesday, settings({ method: "trailing", periods: 2 }))).toEqual([
      "2026-03-23",
      "2026-03-22",
      "2026-03-21",
      "2026-03-20",
    ]);
  });

  it("gives no band to a metric whose baseline is switched off", () => {
    expect(
      baselineBand(tuesday, tuesdays(Array(8).fill(1)), settings({ enabled: false })),
    ).toBeNull();
  });
});

describe("baselineBand: floors against noise", () => {
  it("is at least as wide as the past periods' typical MAD", () => {
    // Values: median 100; |x − 100| sorted 0 0 0 0 1 1 2 2 → MAD 0.5 (a calm stretch).
    // The past bands' MADs 4 4 4 4 5 5 5 5 → typical 4.5 → half-width 3 × 1.4826 × 4.5.
    const past = tuesdays([100, 101, 99, 100, 100, 102, 98, 100]).map((p, i) => ({
      ...p,
      mad: i < 4 ? 4 : 5,
    }));
    const band = baselineBand(tuesday, past, settings());
    expect(band?.mad).toBe(0.5);
    expect(band?.widthFrom).toBe("typical_mad");
    expect(band?.upper).toBeCloseTo(100 + 20.0151, 9);
    const bare = baselineBand(tuesday, past, settings({ typicalMadFloor: false }));
    expect(bare?.widthFrom).toBe("mad");
    expect(bare?.upper).toBeCloseTo(100 + 2.2239, 9);
  });

  it("is at least k times a count's Poisson noise, √median", () => {
    // 400 every week (MAD 0): by chance alone a count of 400 moves by √400 = 20.
    const band = baselineBand(
      tuesday,
      tuesdays(Array(8).fill(400)),
      settings(),
      new Set(),
      "count",
    );
    expect(band).toMatchObject({ lower: 340, upper: 460, widthFrom: "sampling_noise" });
    const without = baselineBand(
      tuesday,
      tuesdays(Array(8).fill(400)),
      settings({ samplingFloor: false }),
      new Set(),
      "count",
    );
    expect(without).toMatchObject({ lower: 392, upper: 408, widthFrom: "min_width" });
  });

  it("is at least k times a share's binomial noise, √(p(1 − p) / n)", () => {
    // 40 % of 1 000 every week: √(0.4 × 0.6 / 1000) = 0.0154919…, × 3 = 0.0464758.
    const past = tuesdays(Array(8).fill(0.4)).map((p) => ({ ...p, sample: 1000 }));
    const band = baselineBand(tuesday, past, settings(), new Set(), "share");
    expect(band?.widthFrom).toBe("sampling_noise");
    expect(band?.lower).toBeCloseTo(0.4 - 0.0464758, 6);
    expect(samplingDeviation("share", 0.4, [900, 1000, 1100])).toBeCloseTo(
      Math.sqrt(0.24 / 1000),
      12,
    );
    expect(samplingDeviation("none", 0.4, [1000])).toBe(0);
  });
});

/**
 * A daily history: every day from 10 weeks before `tuesday` to the day before it, the value
 * of `valueAt(date)`, all complete. Same-weekday values and their neighbours.
 */
function everyDay(valueAt: (date: string) => number | null): PastValue[] {
  return Array.from({ length: 70 }, (_, i) => addDays(tuesday.start, -(i + 1))).map((date) => ({
    periodKey: date,
    start: date,
    value: valueAt(date),
    complete: true,
  }));
}

describe("baselineBand: level-adjusted (the past weeks scaled to the last 7 days' level)", () => {
  // A metric at 100 a day that stepped up to 120 a day in the last 7 days (a campaign, growth).
  const stepped = (date: string) => (date >= addDays(tuesday.start, -7) ? 120 : 100);

  it("scales each past Tuesday by the median ratio of the last 7 days to its own 7 days before", () => {
    // The last 7 days (03-17 … 03-23) are at 120. Every past Tuesday's 7 days before it are
    // at 100, so each of the 7 day-for-day ratios is 120 / 100: level 1.2 for every week.
    // Tuesdays 03-10 back to 01-27 are at 100 → scaled 120; 03-17 is already at 120 → 144.
    // Scaled values 144 120 120 120 120 120 120 120 → median 120; |x − 120| = 24 and seven
    // 0 → MAD 0 → the 2 % floor: 117.6 to 122.4.
    const band = baselineBand(tuesday, everyDay(stepped), settings());
    expect(band?.median).toBeCloseTo(120, 9);
    expect(band?.mad).toBeCloseTo(0, 9);
    expect(band?.lower).toBeCloseTo(117.6, 9);
    expect(band?.upper).toBeCloseTo(122.4, 9);
    expect(band?.levels).toEqual([1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2]);
    expect(bandPosition(120, band!, "both").side).toBe("inside");
    // The plain band still sees the old level: 120 would be unusual for a Tuesday.
    const plain = baselineBand(tuesday, everyDay(stepped), settings({ levelAdjust: false }));
    expect(plain).toMatchObject({ median: 100, lower: 98, upper: 102 });
    expect(plain?.levels).toBeUndefined();
    expect(bandPosition(120, plain!, "both").side).toBe("above");
  });

  it("takes the median of the 7 day-for-day ratios, so one odd recent day hardly moves it", () => {
    // Yesterday (03-23) an incident halved the value: ratios 0.5, 1, 1, 1, 1, 1, 1 → median 1.
    const history = everyDay((date) => (date === "2026-03-23" ? 50 : 100));
    const byStart = new Map(history.map((p) => [p.start, p]));
    expect(levelRatio(tuesday.start, "2026-03-10", byStart)).toBe(1);
    // Ties: ratios 1.1 1.1 1.1 1.2 1.2 1.2 1.2 (three days at 110, four at 120) → 1.2.
    const mixed = everyDay((date) =>
      date >= "2026-03-17" ? (date <= "2026-03-19" ? 110 : 120) : 100,
    );
    expect(levelRatio(tuesday.start, "2026-03-10", new Map(mixed.map((p) => [p.start, p])))).toBe(
      1.2,
    );
  });

  it("leaves a past value as it is when fewer than 5 day pairs are usable (short history)", () => {
    // Only the same weekdays are stored (no neighbouring days): no pair, ratio 1.
    const band = baselineBand(
      tuesday,
      tuesdays([360, 350, 370, 360, 340, 380, 350, 360]),
      settings(),
    );
    expect(band?.median).toBe(360);
    expect(band?.levels).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    // 3 of the 7 days before today incomplete: 4 pairs left, fewer than 5 → 1.
    const history = everyDay(stepped).map((p) =>
      p.start >= "2026-03-21" ? { ...p, complete: false } : p,
    );
    expect(levelRatio(tuesday.start, "2026-03-03", new Map(history.map((p) => [p.start, p])))).toBe(
      1,
    );
  });

  it("skips calendar days in the level windows (a holiday is not the level)", () => {
    // 03-20 … 03-23 are holidays at 300; the other recent days are at 120: with the holidays
    // left out 3 pairs remain (< 5), so no scaling; with them the ratio would be 3.
    const history = everyDay((date) =>
      date >= "2026-03-20" ? 300 : date >= "2026-03-17" ? 120 : 100,
    );
    const byStart = new Map(history.map((p) => [p.start, p]));
    const holidays = new Set(["2026-03-20", "2026-03-21", "2026-03-22", "2026-03-23"]);
    expect(levelRatio(tuesday.start, "2026-03-03", byStart)).toBe(3);
    expect(levelRatio(tuesday.start, "2026-03-03", byStart, holidays)).toBe(1);
  });

  it("is for daily same-weekday bands only, and reads the 7 days before each period", () => {
    // 16 candidate Tuesdays back to 2025-12-02, the 7 days before it, and up to yesterday.
    expect(bandReadRange(tuesday, settings())).toEqual({ from: "2025-11-25", to: "2026-03-23" });
    expect(bandReadRange(tuesday, settings({ levelAdjust: false }))).toEqual({
      from: "2025-12-02",
      to: "2026-03-17",
    });
    const week: Period = { kind: "week", start: "2026-03-23", end: "2026-03-29", timeZone: ZONE };
    const band = baselineBand(
      week,
      candidatePeriodStarts(week, settings()).map((start) => ({
        periodKey: start,
        start,
        value: 700,
        complete: true,
      })),
      settings(),
    );
    expect(band?.levels).toBeUndefined();
  });
});

describe("baselineBand: campaign-aware (orders and money step when a campaign starts or ends)", () => {
  // A metric at 100 a day without a campaign and 130 a day while one runs, 120 days of it.
  const history = (campaigns: readonly CampaignSpan[]) =>
    Array.from({ length: 120 }, (_, i) => addDays(tuesday.start, -(i + 1))).map(
      (date): PastValue => ({
        periodKey: date,
        start: date,
        value: campaigns.some((c) => c.start <= date && date <= c.end) ? 130 : 100,
        complete: true,
      }),
    );
  const aware = settings({ campaignAware: true });

  it("reaches down to the no-campaign level in the week after the last campaign ended", () => {
    // A campaign ran 03-10 … 03-20; today, Tuesday 03-24, none runs: the true level is 100.
    const campaigns = [{ id: "c1", start: "2026-03-10", end: "2026-03-20" }];
    // Plain: the last 7 days (03-21…23 at 100, 03-17…20 at 130) against each Tuesday's 7
    // days before: 03-17 (130, before it 130): ratios 100/130 ×3 and 1 ×4 → 1 → 130;
    // 03-10 (130, before it 100): ratios 1 ×3 and 1.3 ×4 → 1.3 → 169; 03-03 … 01-27 (100,
    // before them 100): 1.3 → 130. Median 130, MAD 0 → ± 2 %: 127.4 to 132.6, and 100 is
    // "unusual" although it is just the campaign's end.
    const plain = baselineBand(tuesday, history(campaigns), settings(), new Set(), "none");
    expect(plain).toMatchObject({ median: 130 });
    expect(plain?.levels).toEqual([1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1]);
    expect(bandPosition(100, plain!, "both").side).toBe("below");
    // Campaign-aware: 03-03 … 01-27 (no campaign) pair today's no-campaign days 03-21…23 and
    // 03-09 … with their own no-campaign days: level 1 → 100. 03-17 finds 3 comparable pairs
    // (< 5) and 03-10 none: the plain levels (1 → 130, 1.3 → 169). Median 100, MAD 0 →
    // 98 to 102. The campaign ended this week: the lower edge is min(127.4, 98) = 98, the
    // upper stays the plain 132.6.
    const band = baselineBand(tuesday, history(campaigns), aware, new Set(), "none", campaigns);
    expect(band?.campaignStep).toBe("ended");
    expect(band?.lower).toBeCloseTo(98, 9);
    expect(band?.upper).toBeCloseTo(132.6, 9);
    expect(bandPosition(100, band!, "both").side).toBe("inside");
    expect(bandPosition(90, band!, "both").side).toBe("below");
  });

  it("reaches up to the campaign level when one starts, learned from the last campaign", () => {
    // An earlier campaign ran 02-10 … 02-28; a new one starts today, 03-24.
    const campaigns = [
      { id: "c1", start: "2026-02-10", end: "2026-02-28" },
      { id: "c2", start: "2026-03-24", end: "2026-04-10" },
    ];
    // Plain: the last 7 days are at 100; the scaled Tuesdays are 100 (03-17, 03-10, 02-24,
    // 02-17, 02-03, 01-27), 76.9 (03-03) and 130 (02-10): median 100, band 98 to 102, and
    // the campaign's first day at 130 is "unusual".
    const plain = baselineBand(tuesday, history(campaigns), settings(), new Set(), "none");
    expect(plain?.upper).toBeCloseTo(102, 9);
    // Campaign-aware: a no-campaign Tuesday pairs campaign days of the last 6 weeks (02-10 …
    // 02-28) with no-campaign days as far before it: 130 / 100 → 130 (03-17, 03-10, 03-03,
    // 02-03, 01-27); the campaign Tuesdays 02-24 and 02-17 find no pair and keep the plain
    // level (100), 02-10 too (130). Median 130, MAD 0 → 127.4 to 132.6. A campaign started:
    // the upper edge is max(102, 132.6), the lower stays the plain 98.
    const band = baselineBand(tuesday, history(campaigns), aware, new Set(), "none", campaigns);
    // The stored band is the plain one (its median, MAD and levels, oldest first) with the
    // widened edge.
    expect(band?.levels?.map((r) => Math.round(r * 1000) / 1000)).toEqual([
      1, 1, 1, 0.769, 0.769, 0.769, 1, 1,
    ]);
    expect(band?.median).toBe(100);
    expect(band?.campaignStep).toBe("started");
    expect(band?.lower).toBeCloseTo(98, 9);
    expect(band?.upper).toBeCloseTo(132.6, 9);
    expect(bandPosition(130, band!, "both").side).toBe("inside");
    // A payment outage on the campaign's first day is still below the band.
    expect(bandPosition(90, band!, "both").side).toBe("below");
  });

  it("uses the campaign-aware band alone when the state has not changed for a week", () => {
    // No campaign for weeks; an earlier one ran 02-10 … 02-28: the Tuesdays of that campaign
    // learn their level from no-campaign pairs, so they are not scaled down to 76.9.
    const campaigns = [{ id: "c1", start: "2026-02-10", end: "2026-02-28" }];
    const band = baselineBand(tuesday, history(campaigns), aware, new Set(), "none", campaigns);
    expect(band?.campaignStep).toBeUndefined();
    expect(band).toMatchObject({ median: 100, lower: 98, upper: 102 });
  });

  it("is off without the campaigns or the setting, and for weekly bands", () => {
    const campaigns = [{ id: "c1", start: "2026-03-10", end: "2026-03-20" }];
    const plain = baselineBand(tuesday, history(campaigns), settings());
    expect(baselineBand(tuesday, history(campaigns), aware)).toEqual(plain);
    expect(
      baselineBand(tuesday, history(campaigns), settings(), new Set(), "none", campaigns),
    ).toEqual(plain);
    // The level pairs reach back 6 weeks before the oldest candidate.
    expect(bandReadRange(tuesday, aware)).toEqual({ from: "2025-10-21", to: "2026-03-23" });
  });

  it("names a day's campaign state and the change of the last 7 days", () => {
    const campaigns = [
      { id: "c1", start: "2026-03-01", end: "2026-03-10" },
      { id: "c2", start: "2026-03-08", end: "2026-03-20" },
    ];
    const state = campaignStateOf(campaigns);
    expect([state("2026-02-28"), state("2026-03-09"), state("2026-03-21")]).toEqual([
      "",
      "campaign",
      "",
    ]);
    expect(campaignStep("2026-03-01", campaigns)).toBe("started");
    expect(campaignStep("2026-03-07", campaigns)).toBe("started"); // 02-28 had none
    expect(campaignStep("2026-03-08", campaigns)).toBeUndefined(); // c2 starts while c1 runs
    expect(campaignStep("2026-03-21", campaigns)).toBe("ended");
    expect(campaignStep("2026-03-27", campaigns)).toBe("ended"); // 03-20 ran one
    expect(campaignStep("2026-03-28", campaigns)).toBeUndefined();
  });
});

describe("bandPosition", () => {
  const band = { lower: 340, upper: 381 };
  it("measures the distance beyond the nearer edge in band widths", () => {
    expect(bandPosition(312, band, "both")).toEqual({
      side: "below",
      distance: 28 / 41,
      unusual: true,
    });
    expect(bandPosition(381, band, "both")).toEqual({
      side: "inside",
      distance: 0,
      unusual: false,
    });
  });

  it("flags only the configured direction", () => {
    expect(bandPosition(312, band, "rises").unusual).toBe(false);
    expect(bandPosition(400, band, "drops").unusual).toBe(false);
    expect(bandPosition(400, band, "rises").unusual).toBe(true);
  });

  it("names the weekday", () => {
    expect(weekdayOf("2026-03-24")).toBe("Tuesday");
  });
});
