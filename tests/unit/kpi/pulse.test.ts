import { describe, expect, it } from "vitest";
import {
  DEFAULT_PULSE_SETTINGS,
  evaluatePulse,
  type PulseInput,
  type PulseRow,
  pulseBaselineDays,
} from "../../../functions/lib/kpi/pulse.ts";
import { localMidnightUtc } from "../../../functions/lib/kpi/windows.ts";

const ZONE = "Asia/Shanghai";
const TODAY = "2026-03-10";
const dayStart = localMidnightUtc(TODAY, ZONE);
const at = (hh: number, mm = 0) => new Date(dayStart.getTime() + (hh * 60 + mm) * 60_000);
const BASELINE = pulseBaselineDays(TODAY, ZONE, DEFAULT_PULSE_SETTINGS.band).slice(0, 4);

/** `perHour` valid events per hour and channel on each baseline day (and today until `until`). */
function rows(
  perHour: (hour: number, channel: string) => number,
  today: { until: number; stop?: { channel: string; from: number } },
): PulseRow[] {
  const out: PulseRow[] = [];
  for (const channel of ["app", "web"]) {
    for (let hour = 0; hour < 24; hour++) {
      const n = perHour(hour, channel);
      for (const day of BASELINE) {
        out.push({
          source: "baseline",
          localDate: day,
          localHour: hour,
          channel,
          records: n,
          valid: n,
          users: n,
          signups: 0,
          newestValidTime: null,
        });
      }
      if (hour * 60 < today.until) {
        const stopped = today.stop?.channel === channel && hour >= today.stop.from;
        const minutes = Math.min(60, today.until - hour * 60);
        const count = stopped ? 0 : Math.round((n * minutes) / 60);
        if (count > 0) {
          out.push({
            source: "today",
            localDate: TODAY,
            localHour: hour,
            channel,
            records: count,
            valid: count,
            users: count,
            signups: 0,
            newestValidTime: at(hour, minutes - 1),
          });
        }
      }
    }
  }
  return out;
}

function input(eventRows: PulseRow[], when: Date): PulseInput {
  return {
    at: when,
    timeZone: ZONE,
    today: TODAY,
    dayStart,
    rows: { events: eventRows, orders: [] },
    settings: DEFAULT_PULSE_SETTINGS,
  };
}

const breaches = (i: PulseInput) =>
  evaluatePulse(i)
    .findings.filter((f) => f.status === "breach")
    .map((f) => `${f.rule}/${f.table}/${f.scope}`);

describe("evaluatePulse", () => {
  const busy = (hour: number) => (hour < 7 ? 2 : 200);

  it("finds a channel's stall when the baseline expects enough in the stall minutes", () => {
    const r = rows(busy, { until: 10 * 60 + 45, stop: { channel: "app", from: 10 } });
    const found = breaches(input(r, at(10, 45)));
    expect(found).toContain("stall/events/channel:app");
    expect(found).not.toContain("stall/events/all");
    expect(found).not.toContain("stall/events/channel:web");
    const stall = evaluatePulse(input(r, at(10, 45))).findings.find(
      (f) => f.scope === "channel:app",
    );
    expect(stall).toMatchObject({ value: 46, target: 30, expected: 100 });
  });

  it("does not judge a channel that is quiet at that hour (never a false stall at night)", () => {
    const r = rows(busy, { until: 3 * 60, stop: { channel: "app", from: 0 } });
    const app = evaluatePulse(input(r, at(3))).findings.find((f) => f.scope === "channel:app");
    expect(app?.status).toBe("insufficient_data");
    expect(breaches(input(r, at(3)))).toEqual([]);
  });

  it("pages the whole table once, not each channel, when every channel stops", () => {
    const r = rows(busy, { until: 10 * 60 }).filter(
      (row) => row.source === "baseline" || (row.localHour ?? 0) < 9,
    );
    expect(breaches(input(r, at(10)))).toEqual(["stall/events/all", "pace/events/all"]);
  });

  it("resolves (met) as soon as records flow again, whatever the baseline", () => {
    const r = rows(() => 0, { until: 11 * 60 });
    const withRecent = [
      ...r,
      {
        source: "today" as const,
        localDate: TODAY,
        localHour: 10,
        channel: "app",
        records: 1,
        valid: 1,
        users: 1,
        signups: 0,
        newestValidTime: at(10, 59),
      },
    ];
    expect(
      evaluatePulse(input(withRecent, at(11))).findings.find((f) => f.scope === "channel:app")
        ?.status,
    ).toBe("met");
  });

  it("judges pace against the band of the same minute, only past its minimum expectation", () => {
    const early = rows(busy, { until: 30 });
    expect(
      evaluatePulse(input(early, at(0, 30))).findings.find((f) => f.rule === "pace")?.status,
    ).toBe("insufficient_data");
    const half = rows(busy, { until: 12 * 60 }).map((row) =>
      row.source === "today" ? { ...row, valid: Math.round(row.valid / 2) } : row,
    );
    const pace = evaluatePulse(input(half, at(12))).findings.find((f) => f.rule === "pace");
    expect(pace?.status).toBe("breach");
    expect(pace?.value).toBeLessThan(pace?.target ?? 0);
  });

  it("reports hour by hour with the band, freshness and the data quality of the last hours", () => {
    const result = evaluatePulse(input(rows(busy, { until: 10 * 60 + 30 }), at(10, 30)));
    const events = result.tables.find((t) => t.table === "events");
    expect(events?.hours).toHaveLength(11);
    expect(events?.hours.at(-1)).toMatchObject({
      hour: 10,
      minutes: 30,
      valid: 200,
      baseline: 200,
    });
    expect(events?.freshness.minutesSinceValid).toBe(1);
    expect(events?.quality).toMatchObject({ fromHour: 8, validShare: 1 });
    expect(result.baselineDays).toEqual([...BASELINE].sort());
  });
});
