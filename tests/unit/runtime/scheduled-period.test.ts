import { describe, expect, it } from "vitest";
import { periodDueAt } from "../../../functions/lib/runtime/scheduled-period.ts";

const SHANGHAI = "Asia/Shanghai";

describe("periodDueAt", () => {
  it("gives the previous Shanghai day at 08:00 local (00:00 UTC)", () => {
    expect(periodDueAt("daily", new Date("2026-03-02T00:00:00Z"), SHANGHAI)).toEqual({
      kind: "day",
      start: "2026-03-01",
      end: "2026-03-01",
      timeZone: SHANGHAI,
    });
  });

  it("uses the local date, not the UTC one, just after local midnight", () => {
    // 00:30 on 2 March in Shanghai is still 1 March in UTC.
    expect(periodDueAt("daily", new Date("2026-03-01T16:30:00Z"), SHANGHAI).start).toBe(
      "2026-03-01",
    );
    expect(periodDueAt("daily", new Date("2026-03-01T15:59:59Z"), SHANGHAI).start).toBe(
      "2026-02-28",
    );
  });

  it("gives the previous ISO week on a Monday morning", () => {
    // Monday 2 March 2026, 08:30 Shanghai.
    expect(periodDueAt("weekly", new Date("2026-03-02T00:30:00Z"), SHANGHAI)).toEqual({
      kind: "week",
      start: "2026-02-23",
      end: "2026-03-01",
      timeZone: SHANGHAI,
    });
  });

  it("gives the week that has closed whatever day the weekly run fires", () => {
    // Sunday 1 March 23:00 Shanghai: the current week has not closed yet.
    expect(periodDueAt("weekly", new Date("2026-03-01T15:00:00Z"), SHANGHAI).start).toBe(
      "2026-02-16",
    );
  });

  it("reports campaigns for the previous local day", () => {
    expect(periodDueAt("campaigns", new Date("2026-03-02T00:00:00Z"), SHANGHAI).start).toBe(
      "2026-03-01",
    );
  });

  it("follows the zone across a year boundary", () => {
    expect(
      periodDueAt("daily", new Date("2026-01-01T13:00:00Z"), "America/Los_Angeles").start,
    ).toBe("2025-12-31");
  });
});
