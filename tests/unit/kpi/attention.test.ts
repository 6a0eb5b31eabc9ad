import { describe, expect, it } from "vitest";
import {
  type AttentionFacts,
  orderNeedsAttention,
  targetDistance,
} from "../../../functions/lib/kpi/attention.ts";

const item = (id: string, facts: Omit<AttentionFacts, "id">): AttentionFacts => ({ id, ...facts });
const order = (items: AttentionFacts[]) => orderNeedsAttention(items, (f) => f).map((f) => f.id);

describe("the needs-attention order", () => {
  it("puts new before ongoing, then breach, anomaly, warning, then the farthest first", () => {
    const items = [
      item("ongoing-breach-far", { status: "breach", isNew: false, measured: 10, threshold: 100 }),
      item("new-warning", { status: "warning", isNew: true, measured: 95, threshold: 100 }),
      item("new-breach-near", { status: "breach", isNew: true, measured: 80, threshold: 100 }),
      item("new-breach-far", { status: "breach", isNew: true, measured: 20, threshold: 100 }),
      item("new-anomaly", { status: "anomaly", isNew: true, bandWidths: 3 }),
      item("met", { status: "met", isNew: true, measured: 120, threshold: 100 }),
    ];
    expect(order(items)).toEqual([
      "new-breach-far",
      "new-breach-near",
      "new-anomaly",
      "new-warning",
      "ongoing-breach-far",
    ]);
  });

  it("measures distance as a share of the target, in either direction", () => {
    expect(targetDistance(0.2, 0.15)).toBeCloseTo(1 / 3); // lower is better, 20 % vs ≤ 15 %
    expect(targetDistance(5_000, 10_000)).toBe(0.5);
    expect(targetDistance(null, 10)).toBeNull();
    expect(targetDistance(3, 0)).toBeNull();
  });

  it("shows an ended campaign only on its final-snapshot day", () => {
    const ended = (final: boolean) =>
      item(`roi-${final}`, {
        status: "breach",
        isNew: true,
        measured: 1,
        threshold: 3,
        campaign: { ended: true, final },
      });
    expect(order([ended(true), ended(false)])).toEqual(["roi-true"]);
  });
});
