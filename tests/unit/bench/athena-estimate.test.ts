import { describe, expect, it } from "vitest";
import {
  billedBytesOf,
  estimateAthenaRun,
  MIN_BILLED_BYTES,
  TB,
  USD_PER_TB,
} from "../../../bench/lib/athena-estimate.ts";

const MB = 2 ** 20;
const facts = (table: string) => table === "events" || table === "orders";

describe("billedBytesOf", () => {
  it("bills at least 10 MB per query", () => {
    expect(billedBytesOf(0)).toBe(MIN_BILLED_BYTES);
    expect(billedBytesOf(3 * MB)).toBe(10 * MB);
  });

  it("rounds up to a whole megabyte above the minimum", () => {
    expect(billedBytesOf(20 * MB + 1)).toBe(21 * MB);
    expect(billedBytesOf(20 * MB)).toBe(20 * MB);
  });
});

describe("estimateAthenaRun", () => {
  it("scales fact tables with the daily active users and leaves dimensions alone", () => {
    const estimate = estimateAthenaRun({
      reads: [{ query: "q", bytesByTable: { events: 100 * MB, campaigns: 1 * MB } }],
      lakeDau: 1_000,
      targetDau: 10_000,
      scalesWithUsers: facts,
    });
    expect(estimate.queries[0]?.bytes).toBe(1_000 * MB + 1 * MB);
    expect(estimate.bytes).toBe(1_001 * MB);
    expect(estimate.usd).toBeCloseTo(((1_001 * MB) / TB) * USD_PER_TB, 12);
  });

  it("bills the minimum for each small query, so many small queries cost more than one", () => {
    const reads = [
      { query: "a", bytesByTable: { orders: 1 * MB } },
      { query: "b", bytesByTable: { orders: 1 * MB } },
    ];
    const estimate = estimateAthenaRun({
      reads,
      lakeDau: 100,
      targetDau: 100,
      scalesWithUsers: facts,
    });
    expect(estimate.bytes).toBe(2 * MB);
    expect(estimate.billedBytes).toBe(2 * MIN_BILLED_BYTES);
  });

  it("refuses a lake without active users (nothing to scale from)", () => {
    expect(() =>
      estimateAthenaRun({ reads: [], lakeDau: 0, targetDau: 1, scalesWithUsers: facts }),
    ).toThrow(/lakeDau/);
  });
});
