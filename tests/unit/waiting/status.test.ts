import { describe, expect, it } from "vitest";
import { describeWaits, periodWaits } from "../../../functions/lib/waiting/status.ts";

const wait = (fields: Record<string, unknown>) => ({
  type: "data_wait",
  report: "daily",
  periodKey: "2026-03-02",
  scheduledAt: "2026-03-03T00:00:00.000Z",
  deadline: "2026-03-03T02:00:00.000Z",
  ...fields,
});

describe("periods waiting for complete data", () => {
  it("keeps each period's latest check, waiting periods first", () => {
    const waits = periodWaits([
      { type: "report_run", report: "daily", periodKey: "2026-03-02" },
      wait({ periodKey: "2026-03-01", check: 1, state: "waiting", at: "2026-03-02T00:00:00.000Z" }),
      wait({
        periodKey: "2026-03-01",
        check: 5,
        state: "sent_complete",
        at: "2026-03-02T01:10:00.000Z",
        waitedMinutes: 70,
        waitedFor: ["orders"],
      }),
      wait({
        check: 1,
        state: "waiting",
        at: "2026-03-03T00:00:00.000Z",
        missing: [{ table: "orders" }],
        nextCheckAt: "2026-03-03T00:15:00.000Z",
      }),
      wait({
        check: 2,
        state: "waiting",
        at: "2026-03-03T00:15:00.000Z",
        missing: [{ table: "orders" }, { table: "orders" }],
        nextCheckAt: "2026-03-03T00:30:00.000Z",
      }),
    ]);
    expect(waits.map((w) => [w.periodKey, w.state, w.check])).toEqual([
      ["2026-03-02", "waiting", 2],
      ["2026-03-01", "sent_complete", 5],
    ]);
    expect(describeWaits(waits)).toEqual([
      "Waiting for complete data (wait_for_complete_data):",
      "  WAITING          daily 2026-03-02: check 2 at 2026-03-03 00:15 UTC found orders incomplete · next check 2026-03-03 00:30 UTC · sent anyway at 2026-03-03 02:00 UTC",
      "  SENT AFTER WAIT  daily 2026-03-01: sent complete at 2026-03-02 01:10 UTC after waiting 70 min for orders data (check 5)",
    ]);
  });

  it("says nothing when nothing waited", () => {
    expect(describeWaits(periodWaits([{ type: "report_run" }]))).toEqual([]);
  });
});
