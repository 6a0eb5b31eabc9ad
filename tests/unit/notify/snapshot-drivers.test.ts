import { describe, expect, it } from "vitest";
import { snapshotDrivers } from "../../../functions/lib/notify/drivers.ts";

describe("snapshotDrivers: the run's Adtributor drivers as an alert's driver", () => {
  it("keeps the top three of each flagged metric, keyed like the alerts, with one line each", () => {
    const driver = (element: string, share: number) => ({
      dimension: "order_channel",
      element,
      actual: 50,
      forecast: 100,
      relative: -0.5,
      share,
      surprise: 0.1,
    });
    const found = snapshotDrivers(
      { orders: [driver("app", 0.7), driver("web", 0.2), driver("ads", 0.11), driver("x", 0.1)] },
      "en",
      "CNY",
    );
    const orders = found.get("orders/all");
    expect(orders?.title).toBe("What drove it");
    expect(orders?.rows.map((r) => r.text)).toEqual([
      "app order channel: -50.0% and 70.0% of the drop",
      "web order channel: -50.0% and 20.0% of the drop",
      "ads order channel: -50.0% and 11.0% of the drop",
    ]);
    expect(orders?.rows[0]).toMatchObject({ value: 50, previous: 100, change: -50 });
    expect(snapshotDrivers(undefined, "en", "CNY").size).toBe(0);
  });
});
