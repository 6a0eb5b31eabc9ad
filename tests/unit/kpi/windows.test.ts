import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  calendar,
  dateRange,
  daysBetween,
  InvalidPeriodError,
  isoWeekday,
  isoWeekLabel,
  isoWeekStart,
  localDateOf,
  localDaysWindow,
  localMidnightUtc,
  parseIsoDate,
  parseTimeZone,
  partitionsFor,
  periodContaining,
  periodWindow,
  previousPeriod,
  samePeriodLastYear,
  sameZone,
  zoneOffsetMs,
} from "../../../functions/lib/kpi/windows.ts";

const HOUR_MS = 3_600_000;
const iso = (d: Date) => d.toISOString();
const hoursOf = (w: { fromUtc: Date; toUtc: Date }) =>
  (w.toUtc.getTime() - w.fromUtc.getTime()) / HOUR_MS;

describe("periodWindow", () => {
  it("maps a Shanghai day to UTC bounds and the two dt partitions it spans", () => {
    const window = periodWindow(periodContaining("day", "2026-03-01", "Asia/Shanghai"));
    expect(iso(window.fromUtc)).toBe("2026-02-28T16:00:00.000Z");
    expect(iso(window.toUtc)).toBe("2026-03-01T16:00:00.000Z");
    expect(window.partitions).toEqual(["2026-02-28", "2026-03-01"]);
  });

  it("puts instants around local midnight on the right local day", () => {
    const zone = "Asia/Shanghai";
    expect(localDateOf(new Date("2026-02-28T15:59:59.999Z"), zone)).toBe("2026-02-28");
    expect(localDateOf(new Date("2026-02-28T16:00:00.000Z"), zone)).toBe("2026-03-01");
    const day = localDaysWindow("2026-03-01", "2026-03-01", zone);
    expect(localDateOf(new Date(day.toUtc.getTime() - 1), zone)).toBe("2026-03-01");
    expect(localDateOf(day.toUtc, zone)).toBe("2026-03-02");
  });

  it("gives a UTC day exactly one partition", () => {
    const window = periodWindow(periodContaining("day", "2026-03-01", "UTC"));
    expect(iso(window.fromUtc)).toBe("2026-03-01T00:00:00.000Z");
    expect(iso(window.toUtc)).toBe("2026-03-02T00:00:00.000Z");
    expect(window.partitions).toEqual(["2026-03-01"]);
  });

  it("crosses the year boundary in Shanghai and New York", () => {
    const shanghaiEve = localDaysWindow("2026-12-31", "2026-12-31", "Asia/Shanghai");
    expect(shanghaiEve.partitions).toEqual(["2026-12-30", "2026-12-31"]);
    const shanghaiNewYear = localDaysWindow("2027-01-01", "2027-01-01", "Asia/Shanghai");
    expect(iso(shanghaiNewYear.fromUtc)).toBe("2026-12-31T16:00:00.000Z");
    expect(shanghaiNewYear.partitions).toEqual(["2026-12-31", "2027-01-01"]);
    const newYorkEve = localDaysWindow("2026-12-31", "2026-12-31", "America/New_York");
    expect(iso(newYorkEve.fromUtc)).toBe("2026-12-31T05:00:00.000Z");
    expect(iso(newYorkEve.toUtc)).toBe("2027-01-01T05:00:00.000Z");
    expect(newYorkEve.partitions).toEqual(["2026-12-31", "2027-01-01"]);
  });

  it("handles a zone with a quarter-hour offset (Asia/Kathmandu, +05:45)", () => {
    const window = localDaysWindow("2026-01-01", "2026-01-01", "Asia/Kathmandu");
    expect(iso(window.fromUtc)).toBe("2025-12-31T18:15:00.000Z");
    expect(hoursOf(window)).toBe(24);
  });
});

describe("DST in America/New_York", () => {
  const zone = "America/New_York";

  it("gives a 23-hour day when DST starts (spring forward)", () => {
    const window = localDaysWindow("2026-03-08", "2026-03-08", zone);
    expect(iso(window.fromUtc)).toBe("2026-03-08T05:00:00.000Z");
    expect(iso(window.toUtc)).toBe("2026-03-09T04:00:00.000Z");
    expect(hoursOf(window)).toBe(23);
    expect(window.partitions).toEqual(["2026-03-08", "2026-03-09"]);
  });

  it("gives a 25-hour day when DST ends (fall back)", () => {
    const window = localDaysWindow("2026-11-01", "2026-11-01", zone);
    expect(iso(window.fromUtc)).toBe("2026-11-01T04:00:00.000Z");
    expect(iso(window.toUtc)).toBe("2026-11-02T05:00:00.000Z");
    expect(hoursOf(window)).toBe(25);
  });

  it("gives the ISO week containing spring-forward 167 hours and fall-back 169", () => {
    expect(hoursOf(periodWindow(periodContaining("week", "2026-03-08", zone)))).toBe(167);
    expect(hoursOf(periodWindow(periodContaining("week", "2026-11-01", zone)))).toBe(169);
  });

  it("buckets the repeated 01:00-02:00 hour of the fall-back day into that day", () => {
    // 05:30Z and 06:30Z are both 01:30 local (EDT, then EST).
    expect(localDateOf(new Date("2026-11-01T05:30:00Z"), zone)).toBe("2026-11-01");
    expect(localDateOf(new Date("2026-11-01T06:30:00Z"), zone)).toBe("2026-11-01");
  });
});

describe("zones whose DST jump skips or repeats midnight", () => {
  it("starts the America/Santiago spring-forward day at the jump (00:00 → 01:00)", () => {
    const previous = localDaysWindow("2026-09-05", "2026-09-05", "America/Santiago");
    const skipped = localDaysWindow("2026-09-06", "2026-09-06", "America/Santiago");
    expect(iso(skipped.fromUtc)).toBe("2026-09-06T04:00:00.000Z");
    expect(hoursOf(previous)).toBe(24);
    expect(hoursOf(skipped)).toBe(23);
    expect(previous.toUtc).toEqual(skipped.fromUtc);
  });

  it("starts the America/Havana spring-forward day at the jump", () => {
    const window = localDaysWindow("2026-03-08", "2026-03-08", "America/Havana");
    expect(iso(window.fromUtc)).toBe("2026-03-08T05:00:00.000Z");
    expect(hoursOf(window)).toBe(23);
  });

  it("starts a day whose midnight occurs twice at the first one (Havana fall-back at 01:00)", () => {
    const window = localDaysWindow("2026-11-01", "2026-11-01", "America/Havana");
    expect(iso(window.fromUtc)).toBe("2026-11-01T04:00:00.000Z");
    expect(hoursOf(window)).toBe(25);
  });

  it("gives a local day that never happened (Samoa, 2011-12-30) zero length", () => {
    const window = localDaysWindow("2011-12-30", "2011-12-30", "Pacific/Apia");
    expect(hoursOf(window)).toBe(0);
    expect(window.partitions).toEqual([]);
    expect(hoursOf(localDaysWindow("2011-12-29", "2011-12-29", "Pacific/Apia"))).toBe(24);
  });
});

describe("ISO weeks", () => {
  it("puts 2026-12-31 and 2027-01-01 in week 53 of 2026, Monday to Sunday", () => {
    for (const date of ["2026-12-28", "2026-12-31", "2027-01-01", "2027-01-03"]) {
      expect(isoWeekLabel(date), date).toBe("2026-W53");
      expect(periodContaining("week", date, "Asia/Shanghai")).toEqual({
        kind: "week",
        start: "2026-12-28",
        end: "2027-01-03",
        timeZone: "Asia/Shanghai",
      });
    }
    expect(isoWeekLabel("2027-01-04")).toBe("2027-W01");
  });

  it("labels weeks whose ISO year differs from the calendar year", () => {
    expect(isoWeekLabel("2025-12-29")).toBe("2026-W01"); // Monday of 2026-W01
    expect(isoWeekLabel("2026-01-01")).toBe("2026-W01");
    expect(isoWeekLabel("2021-01-03")).toBe("2020-W53");
    expect(isoWeekLabel("2024-12-30")).toBe("2025-W01");
    expect(isoWeekLabel("2026-03-08")).toBe("2026-W10");
  });

  it("gives the Shanghai window of week 53 its eight dt partitions", () => {
    const window = periodWindow(periodContaining("week", "2027-01-01", "Asia/Shanghai"));
    expect(iso(window.fromUtc)).toBe("2026-12-27T16:00:00.000Z");
    expect(iso(window.toUtc)).toBe("2027-01-03T16:00:00.000Z");
    expect(window.partitions).toEqual(dateRange("2026-12-27", "2027-01-03"));
  });

  it("numbers weekdays Monday = 1 … Sunday = 7", () => {
    expect(isoWeekday("2026-03-02")).toBe(1);
    expect(isoWeekday("2026-03-08")).toBe(7);
    expect(isoWeekStart("2026-03-08")).toBe("2026-03-02");
    expect(isoWeekStart("2026-03-09")).toBe("2026-03-09");
  });
});

describe("previousPeriod and samePeriodLastYear", () => {
  const zone = "Asia/Shanghai";

  it("steps back one day, and one week across the new year", () => {
    expect(previousPeriod(periodContaining("day", "2027-01-01", zone)).start).toBe("2026-12-31");
    const week = previousPeriod(periodContaining("week", "2027-01-01", zone));
    expect([week.start, week.end]).toEqual(["2026-12-21", "2026-12-27"]);
    expect(previousPeriod(periodContaining("day", "2028-03-01", zone)).start).toBe("2028-02-29");
  });

  it("maps 29 February to 28 February a year earlier, other days to the same date", () => {
    expect(samePeriodLastYear(periodContaining("day", "2028-02-29", zone)).start).toBe(
      "2027-02-28",
    );
    expect(samePeriodLastYear(periodContaining("day", "2026-03-01", zone)).start).toBe(
      "2025-03-01",
    );
    expect(samePeriodLastYear(periodContaining("day", "2029-02-28", zone)).start).toBe(
      "2028-02-28",
    );
  });

  it("maps a week to the ISO week 52 weeks earlier (same weekdays)", () => {
    const week = samePeriodLastYear(periodContaining("week", "2026-03-04", zone));
    expect([week.start, week.end]).toEqual(["2025-03-03", "2025-03-09"]);
    expect(isoWeekLabel(week.start)).toBe("2025-W10");
    // A year with 53 weeks: its last week maps to the first week of the same ISO year.
    expect(
      isoWeekLabel(samePeriodLastYear(periodContaining("week", "2026-12-31", zone)).start),
    ).toBe("2026-W01");
  });
});

describe("calendar", () => {
  it("lists the local days with contiguous UTC bounds, 23 h on the DST day", () => {
    const days = calendar("2026-03-07", "2026-03-09", "America/New_York");
    expect(days.map((d) => d.localDate)).toEqual(["2026-03-07", "2026-03-08", "2026-03-09"]);
    expect(days.map((d) => hoursOf({ fromUtc: d.fromUtc, toUtc: d.toUtc }))).toEqual([24, 23, 24]);
    expect(days[0]?.toUtc).toEqual(days[1]?.fromUtc);
    expect(days[1]?.toUtc).toEqual(days[2]?.fromUtc);
    expect(iso(days[1]!.fromUtc)).toBe("2026-03-08T05:00:00.000Z");
  });

  it("spans a whole window: first fromUtc and last toUtc are the window's bounds", () => {
    const days = calendar("2026-12-28", "2027-01-03", "Asia/Shanghai");
    const window = localDaysWindow("2026-12-28", "2027-01-03", "Asia/Shanghai");
    expect(days).toHaveLength(7);
    expect(days[0]?.fromUtc).toEqual(window.fromUtc);
    expect(days.at(-1)?.toUtc).toEqual(window.toUtc);
  });

  it("is empty when the range is reversed", () => {
    expect(calendar("2026-03-02", "2026-03-01", "UTC")).toEqual([]);
  });
});

describe("partitionsFor", () => {
  const at = (text: string) => new Date(text);

  it("returns nothing for an empty or reversed range", () => {
    expect(partitionsFor(at("2026-03-01T10:00:00Z"), at("2026-03-01T10:00:00Z"))).toEqual([]);
    expect(partitionsFor(at("2026-03-02T00:00:00Z"), at("2026-03-01T00:00:00Z"))).toEqual([]);
  });

  it("treats the end as exclusive: a range ending at UTC midnight stays in one partition", () => {
    expect(partitionsFor(at("2026-03-01T00:00:00Z"), at("2026-03-02T00:00:00Z"))).toEqual([
      "2026-03-01",
    ]);
    expect(partitionsFor(at("2026-03-01T00:00:00Z"), at("2026-03-02T00:00:00.001Z"))).toEqual([
      "2026-03-01",
      "2026-03-02",
    ]);
  });

  it("covers one millisecond before midnight with one partition", () => {
    expect(partitionsFor(at("2026-03-01T23:59:59.999Z"), at("2026-03-02T00:00:00Z"))).toEqual([
      "2026-03-01",
    ]);
  });

  it("covers leap days and year ends", () => {
    expect(partitionsFor(at("2028-02-28T12:00:00Z"), at("2028-03-01T12:00:00Z"))).toEqual([
      "2028-02-28",
      "2028-02-29",
      "2028-03-01",
    ]);
    expect(partitionsFor(at("2026-12-31T23:00:00Z"), at("2027-01-01T01:00:00Z"))).toEqual([
      "2026-12-31",
      "2027-01-01",
    ]);
  });
});

describe("invalid input", () => {
  const expectFixIt = (run: () => unknown, message: RegExp) => {
    expect(run).toThrow(InvalidPeriodError);
    expect(run).toThrow(message);
  };

  it.each([
    "2026-02-29",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "2026-1-5",
    "20260301",
    "yesterday",
    "",
    " 2026-03-01",
  ])("rejects the date %j with a YYYY-MM-DD example", (date) => {
    expectFixIt(() => parseIsoDate(date), /is not a calendar date: write it as YYYY-MM-DD, e\.g\./);
    expectFixIt(() => periodContaining("day", date, "UTC"), /YYYY-MM-DD/);
    expectFixIt(() => localDaysWindow(date, "2026-03-31", "UTC"), /YYYY-MM-DD/);
    expectFixIt(() => addDays(date, 1), /YYYY-MM-DD/);
  });

  it.each(["Mars/Olympus", "Asia/Shangai", "", "GMT+25"])(
    "rejects the time zone %j and names a valid one",
    (zone) => {
      const message = /is not an IANA time zone: use a name such as Asia\/Shanghai/;
      expectFixIt(() => parseTimeZone(zone), message);
      expectFixIt(() => periodContaining("week", "2026-03-01", zone), message);
      expectFixIt(() => localMidnightUtc("2026-03-01", zone), message);
    },
  );

  it("accepts the usual zone spellings", () => {
    for (const zone of ["UTC", "Asia/Shanghai", "America/New_York", "Europe/London"]) {
      expect(parseTimeZone(zone)).toBe(zone);
    }
  });

  it("keeps a zone's name as given and compares names by zone (keys and rollups compare it)", () => {
    expect(parseTimeZone("Asia/Kolkata")).toBe("Asia/Kolkata"); // ICU would say Asia/Calcutta
    expect(periodContaining("day", "2026-03-01", "asia/shanghai").timeZone).toBe("asia/shanghai");
    expect(sameZone("asia/shanghai", "Asia/Shanghai")).toBe(true);
    expect(sameZone("Asia/Kolkata", "Asia/Calcutta")).toBe(true);
    expect(sameZone("Asia/Shanghai", "+08:00")).toBe(false);
  });
});

describe("calendar arithmetic", () => {
  it("adds days across months, leap days and DST without drifting", () => {
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-03-07", 2)).toBe("2026-03-09");
    expect(addDays("2027-01-01", -1)).toBe("2026-12-31");
    expect(daysBetween("2026-03-07", "2026-03-09")).toBe(2);
    expect(daysBetween("2027-01-01", "2026-12-31")).toBe(-1);
    expect(dateRange("2026-12-30", "2027-01-02")).toEqual([
      "2026-12-30",
      "2026-12-31",
      "2027-01-01",
      "2027-01-02",
    ]);
  });

  it("reads zone offsets before 1970 and with seconds (Shanghai's 1900 local mean time)", () => {
    expect(zoneOffsetMs(new Date(-500), "UTC")).toBe(0);
    expect(localDateOf(new Date("1969-12-31T23:59:59.500Z"), "UTC")).toBe("1969-12-31");
    expect(zoneOffsetMs(new Date("1900-01-01T00:00:00Z"), "Asia/Shanghai")).toBe(
      (8 * 3600 + 5 * 60 + 43) * 1000,
    );
  });
});

describe("property: a local day starts at the first instant of that local date", () => {
  const zones = [
    "UTC",
    "Asia/Shanghai",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
  ];
  const dates = fc
    .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) })
    .map((ms) => new Date(ms).toISOString().slice(0, 10));

  it("holds for random dates and zones, with 23, 23.5, 24, 24.5 or 25-hour days", () => {
    fc.assert(
      fc.property(dates, fc.constantFrom(...zones), (date, zone) => {
        const start = localMidnightUtc(date, zone);
        const window = localDaysWindow(date, date, zone);
        expect(window.fromUtc).toEqual(start);
        expect(localDateOf(start, zone)).toBe(date);
        expect(localDateOf(new Date(start.getTime() - 1), zone) < date).toBe(true);
        expect(localDateOf(new Date(window.toUtc.getTime() - 1), zone)).toBe(date);
        expect([23, 23.5, 24, 24.5, 25]).toContain(hoursOf(window));
        expect(window.partitions).toEqual(partitionsFor(window.fromUtc, window.toUtc));
        expect(window.partitions.length).toBeGreaterThanOrEqual(1);
        expect(window.partitions.length).toBeLessThanOrEqual(2);
      }),
      { numRuns: 400 },
    );
  });

  it("gives each caller a Date of its own (local midnights are remembered per zone and date)", () => {
    const first = localMidnightUtc("2026-03-08", "America/New_York");
    first.setTime(0);
    expect(localMidnightUtc("2026-03-08", "America/New_York").toISOString()).toBe(
      "2026-03-08T05:00:00.000Z",
    );
  });
});
