import { describe, expect, it } from "vitest";
import {
  localDaysWindow,
  periodContaining,
  periodWindow,
} from "../../../functions/lib/kpi/windows.ts";

describe("periodWindow", () => {
  it("maps a Shanghai day to UTC bounds and the two dt partitions it spans", () => {
    const window = periodWindow(periodContaining("day", "2026-03-01", "Asia/Shanghai"));
    expect(window.fromUtc.toISOString()).toBe("2026-02-28T16:00:00.000Z");
    expect(window.toUtc.toISOString()).toBe("2026-03-01T16:00:00.000Z");
    expect(window.partitions).toEqual(["2026-02-28", "2026-03-01"]);
  });

  it("gives a 23-hour New York day when DST starts", () => {
    const window = localDaysWindow("2026-03-08", "2026-03-08", "America/New_York");
    expect(window.fromUtc.toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(window.toUtc.toISOString()).toBe("2026-03-09T04:00:00.000Z");
  });
});
