import { describe, expect, it } from "vitest";
import { atMost, formatBytes, formatMs, ratioOf, summarize } from "../../../bench/lib/stats.ts";

describe("summarize", () => {
  it("takes the middle value of an odd series, whatever its order", () => {
    expect(summarize([30, 10, 20])).toEqual({ n: 3, min: 10, median: 20, max: 30 });
  });

  it("averages the two middle values of an even series", () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ n: 4, min: 1, median: 2.5, max: 4 });
  });

  it("summarizes a single value", () => {
    expect(summarize([7])).toEqual({ n: 1, min: 7, median: 7, max: 7 });
  });

  it("refuses an empty series and non-finite values", () => {
    expect(() => summarize([])).toThrow(/no samples/);
    expect(() => summarize([1, Number.NaN])).toThrow(/finite/);
  });

  it("does not reorder the caller's array", () => {
    const samples = [3, 1, 2];
    summarize(samples);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe("ratioOf", () => {
  it("divides the medians and bounds the ratio by the extremes", () => {
    const ratio = ratioOf(summarize([10, 12, 14]), summarize([4, 5, 6]));
    expect(ratio.median).toBeCloseTo(12 / 5);
    expect(ratio.low).toBeCloseTo(10 / 6);
    expect(ratio.high).toBeCloseTo(14 / 4);
  });

  it("refuses a zero denominator", () => {
    expect(() => ratioOf(summarize([1]), summarize([0, 1]))).toThrow(/positive/);
  });
});

describe("atMost", () => {
  it("meets a goal at the limit and misses it above", () => {
    expect(atMost("g", "≤ 1.5×", 1.5, 1.5, "×").met).toBe(true);
    expect(atMost("g", "≤ 1.5×", 1.51, 1.5, "×").met).toBe(false);
  });
});

describe("formatting", () => {
  it("writes durations in ms below a second and in seconds above", () => {
    expect(formatMs(87.4)).toBe("87 ms");
    expect(formatMs(1234.5)).toBe("1.23 s");
  });

  it("writes sizes in binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(150 * 1024 * 1024)).toBe("150 MiB");
  });
});
