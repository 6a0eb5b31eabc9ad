/**
 * The intra-day pulse (issue 24): today so far, judged against the same weekday of past
 * weeks, cumulative to the same minute. Pure: the use case (functions/lib/pulse/) reads the
 * rows of `queries/pulse_events.sql` and `pulse_orders.sql` and the newest file arrival,
 * and passes the instant of the pulse; nothing here reads a clock, a file or the engine.
 *
 * What a pulse judges, per raw table:
 *
 * - **stall** (pages): no valid record for `stallMinutes` (default 30), for the whole table
 *   or for one channel of it, while the baseline days expected at least `minExpected`
 *   valid records in those minutes (their median, the hours' counts spread evenly over each
 *   hour). A table or channel that is quiet at that hour (night, before the day's first
 *   normal traffic) expects fewer and is not judged: never a false stall. A table whose
 *   records flow again is judged "met" (the alert resolves) whatever the baseline says. When
 *   the whole table stalls, its channels are not judged (one page, not one per channel).
 * - **pace** (notifies): today's valid events (events) or paid orders (orders) so far below
 *   the band of the baseline days' values at the same minute (issue 23's band,
 *   `baseline-band.ts`: median ± k · 1.4826 · MAD, with its floors), judged from the
 *   local hour `pace.fromHour` once the baseline's median at that minute reaches
 *   `pace.minExpected`.
 *
 * Local hours are whole hours since the local day's start (as the hourly rollups count them).
 */
import {
  type Band,
  type BandPosition,
  type BaselineSettings,
  bandPosition,
  baselineBand,
  candidatePeriodStarts,
  DEFAULT_BASELINE_SETTINGS,
  median,
  type PastValue,
} from "./baseline-band.ts";
import { type IsoDate, localMidnightUtc, type Period } from "./windows.ts";

export const PULSE_TABLES = ["events", "orders"] as const;
export type PulseTable = (typeof PULSE_TABLES)[number];

/** The scope of a finding for the whole table. */
export const WHOLE_TABLE = "all";
/** The scope of a finding for one channel (`channel:app`); `(none)` for records without one. */
export function channelScope(channel: string | null): string {
  return `channel:${channel ?? NO_CHANNEL}`;
}
export const NO_CHANNEL = "(none)";

/** One row of a pulse query (both tables, normalised by the use case). */
export interface PulseRow {
  readonly source: "today" | "before" | "baseline";
  readonly localDate: IsoDate;
  /** Whole hours since the local day's start; null for `before` rows. */
  readonly localHour: number | null;
  readonly channel: string | null;
  /** Every record (invalid ones and duplicates too). */
  readonly records: number;
  /** Valid records (events: with a user and a known type; orders: distinct valid orders). */
  readonly valid: number;
  /** Distinct users of the valid records (orders: buyers). */
  readonly users: number;
  /** Events: distinct signing-up users. Orders: paid orders. */
  readonly signups?: number;
  readonly paidOrders?: number;
  readonly gmv?: number;
  readonly newestValidTime: Date | null;
  /** Oldest valid record of the row (with the newest: when in its hour the records fell). */
  readonly oldestValidTime?: Date | null;
}

/** The pulse's rules (config/pulse.yaml, resolved). */
export interface PulseSettings {
  /** M: minutes without a valid record that make a stall. */
  readonly stallMinutes: number;
  /** A stall needs the baseline to expect at least this many valid records in those minutes. */
  readonly minExpected: number;
  /** Per table, overrides of {@link minExpected}. */
  readonly minExpectedByTable?: Partial<Readonly<Record<PulseTable, number>>>;
  /** Baseline days the band and the expectation are learned from, and the band's rules. */
  readonly band: BaselineSettings;
  readonly pace: {
    readonly enabled: boolean;
    /** The baseline's median at this minute below this: pace not judged (too early, too small). */
    readonly minExpected: number;
    /**
     * Local hour from which pace is judged: the night's few, bursty records (one user's
     * session is many events) say little about the day.
     */
    readonly fromHour: number;
  };
  /** Hours of today that the data-quality figure covers (the last ones). */
  readonly qualityHours: number;
}

export const DEFAULT_PULSE_SETTINGS: PulseSettings = {
  stallMinutes: 30,
  minExpected: 20,
  // No level adjustment: it scales whole days by the 7 days before, which a pulse (today so
  // far, hour by hour) does not read.
  band: {
    ...DEFAULT_BASELINE_SETTINGS,
    periods: 4,
    minHistory: 3,
    direction: "drops",
    levelAdjust: false,
  },
  pace: { enabled: true, minExpected: 100, fromHour: 8 },
  qualityHours: 3,
};

/** What the use case gives one evaluation. */
export interface PulseInput {
  /** The pulse's instant: records after it were not read. */
  readonly at: Date;
  readonly timeZone: string;
  readonly today: IsoDate;
  readonly dayStart: Date;
  readonly rows: Readonly<Record<PulseTable, readonly PulseRow[]>>;
  /** Newest file arrival per table (S3 LastModified, a file's mtime), at or before `at`. */
  readonly newestArrival?: Partial<Readonly<Record<PulseTable, Date | null>>>;
  readonly settings: PulseSettings;
  /** Holidays and promotions (anomalies.yaml): never used as baseline days. */
  readonly calendar?: ReadonlySet<IsoDate>;
}

/** How a finding is judged (the alert state machine's statuses). */
export type PulseStatus = "breach" | "met" | "insufficient_data";

/** One judged rule: a stall of a table or channel, or the table's pace. */
export interface PulseFinding {
  readonly rule: "stall" | "pace";
  readonly table: PulseTable;
  /** {@link WHOLE_TABLE} or a {@link channelScope}. */
  readonly scope: string;
  readonly status: PulseStatus;
  /** Stall: minutes since the newest valid record. Pace: today's value so far. */
  readonly value: number | null;
  /** Stall: the stall minutes. Pace: the band's lower edge. */
  readonly target: number | null;
  /** Stall: valid records the baseline expected in the stall minutes (median). */
  readonly expected?: number;
  /** Pace: the band's median at this minute. */
  readonly baseline?: number;
}

/** One local hour of today against its band. */
export interface PulseHour {
  readonly hour: number;
  /** Minutes of the hour elapsed at the pulse (60, or less for the current hour). */
  readonly minutes: number;
  readonly valid: number;
  readonly users: number;
  /** The baseline days' median for the same part of the hour, and its band. */
  readonly baseline: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
}

/** Freshness of one table at the pulse. */
export interface PulseFreshness {
  readonly newestValid: string | null;
  readonly minutesSinceValid: number | null;
  readonly newestArrival: string | null;
  readonly minutesSinceArrival: number | null;
}

/** One table's pulse. */
export interface TablePulse {
  readonly table: PulseTable;
  readonly freshness: PulseFreshness;
  readonly hours: readonly PulseHour[];
  /** Today so far: the judged measure and the others shown. */
  readonly soFar: {
    readonly measure: "valid_events" | "paid_orders";
    readonly value: number;
    readonly band: Band | null;
    readonly position: BandPosition | null;
    readonly users?: number;
    readonly signups?: number;
    readonly gmv?: number;
  };
  /** Records and valid records of the last `qualityHours` hours of today. */
  readonly quality: {
    readonly fromHour: number;
    readonly records: number;
    readonly valid: number;
    readonly validShare: number | null;
  };
  readonly channels: readonly {
    readonly channel: string;
    readonly minutesSinceValid: number | null;
    readonly expected: number;
    readonly status: PulseStatus;
  }[];
}

/** The pulse of one instant. */
export interface PulseResult {
  readonly at: string;
  readonly today: IsoDate;
  readonly timeZone: string;
  /** Minutes since the local day's start. */
  readonly minuteOfDay: number;
  /** The baseline days that had data (oldest first). */
  readonly baselineDays: readonly IsoDate[];
  readonly tables: readonly TablePulse[];
  readonly findings: readonly PulseFinding[];
}

const MINUTE_MS = 60_000;

/**
 * The baseline days a pulse of `today` reads: the same weekday of 2N past weeks (newest
 * first), so that N usable ones remain when some are skipped (holidays, no data).
 */
export function pulseBaselineDays(today: IsoDate, timeZone: string, band: BaselineSettings) {
  const period: Period = { kind: "day", start: today, end: today, timeZone };
  return candidatePeriodStarts(period, { ...band, method: "same_weekday" });
}

/** Evaluates one pulse (see the module comment). */
export function evaluatePulse(input: PulseInput): PulseResult {
  const minuteOfDay = Math.max(0, (input.at.getTime() - input.dayStart.getTime()) / MINUTE_MS);
  const usable = usableBaselineDays(input);
  const tables = PULSE_TABLES.map((table) => tablePulse(input, table, minuteOfDay, usable));
  return {
    at: input.at.toISOString(),
    today: input.today,
    timeZone: input.timeZone,
    minuteOfDay: Math.floor(minuteOfDay),
    baselineDays: [...usable].sort(),
    tables: tables.map((t) => t.pulse),
    findings: tables.flatMap((t) => t.findings),
  };
}

/** Baseline days with data in either table, not on the calendar, newest N. */
function usableBaselineDays(input: PulseInput): IsoDate[] {
  const withData = new Set(
    PULSE_TABLES.flatMap((t) => input.rows[t])
      .filter((r) => r.source === "baseline")
      .map((r) => r.localDate),
  );
  return pulseBaselineDays(input.today, input.timeZone, input.settings.band)
    .filter((day) => withData.has(day) && !input.calendar?.has(day))
    .slice(0, input.settings.band.periods);
}

/**
 * The count of `pick` in [fromMinute, toMinute) (minutes since the local day's start) of a
 * day's hourly rows. A row's records are spread evenly over the part of its hour between
 * its oldest and newest valid record (the whole hour when unknown): the day's traffic that
 * starts at 08:20 or ends at 05:20 is not spread over the whole hour, so a pulse at 06:00
 * does not expect records that a normal day never has then.
 */
function countIn(
  rows: readonly PulseRow[],
  fromMinute: number,
  toMinute: number,
  pick: (r: PulseRow) => number,
  dayStart: (day: IsoDate) => number,
): number {
  let total = 0;
  for (const row of rows) {
    if (row.localHour === null) continue;
    const hourStart = row.localHour * 60;
    const minuteOf = (time: Date | null | undefined, fallback: number) =>
      time
        ? Math.min(
            hourStart + 60,
            Math.max(hourStart, (time.getTime() - dayStart(row.localDate)) / MINUTE_MS),
          )
        : fallback;
    const from = minuteOf(row.oldestValidTime, hourStart);
    // The newest record's whole minute is active: a span ending inside it overlaps it.
    const to = Math.max(
      minuteOf(row.newestValidTime, hourStart + 60),
      Math.min(hourStart + 60, from + 1),
    );
    const overlap = Math.min(toMinute, to) - Math.max(fromMinute, from);
    if (overlap > 0) total += (pick(row) * overlap) / (to - from);
  }
  return total;
}

function tablePulse(
  input: PulseInput,
  table: PulseTable,
  minuteOfDay: number,
  baselineDays: readonly IsoDate[],
): { pulse: TablePulse; findings: PulseFinding[] } {
  const { settings } = input;
  const rows = input.rows[table];
  const starts = new Map<IsoDate, number>();
  const dayStart = (day: IsoDate) => {
    let start = starts.get(day);
    if (start === undefined) {
      start = localMidnightUtc(day, input.timeZone).getTime();
      starts.set(day, start);
    }
    return start;
  };
  const today = rows.filter((r) => r.source === "today");
  const before = rows.filter((r) => r.source === "before");
  const baselineOf = (day: IsoDate) =>
    rows.filter((r) => r.source === "baseline" && r.localDate === day);
  const byDay = new Map(baselineDays.map((day) => [day, baselineOf(day)]));
  const minExpected = settings.minExpectedByTable?.[table] ?? settings.minExpected;
  const span = { from: Math.max(0, minuteOfDay - settings.stallMinutes), to: minuteOfDay };
  const enoughHistory = baselineDays.length >= Math.max(1, settings.band.minHistory);
  const expectedIn = (keep: (r: PulseRow) => boolean) =>
    enoughHistory
      ? median(
          [...byDay.values()].map((dayRows) =>
            countIn(dayRows.filter(keep), span.from, span.to, (r) => r.valid, dayStart),
          ),
        )
      : 0;
  const minutesSince = (keep: (r: PulseRow) => boolean): number | null => {
    const newest = newestOf([...today, ...before].filter(keep));
    return newest ? Math.max(0, (input.at.getTime() - newest.getTime()) / MINUTE_MS) : null;
  };
  const judgeStall = (since: number | null, expected: number): PulseStatus => {
    if (since !== null && since < settings.stallMinutes) return "met";
    return expected >= minExpected ? "breach" : "insufficient_data";
  };

  const findings: PulseFinding[] = [];
  const tableSince = minutesSince(() => true);
  const tableExpected = expectedIn(() => true);
  const tableStatus = judgeStall(tableSince, tableExpected);
  findings.push({
    rule: "stall",
    table,
    scope: WHOLE_TABLE,
    status: tableStatus,
    value: roundMinutes(tableSince),
    target: settings.stallMinutes,
    expected: round1(tableExpected),
  });
  const channelNames = [
    ...new Set(rows.filter((r) => r.source !== "before").map((r) => r.channel ?? NO_CHANNEL)),
  ].sort();
  const channels = channelNames.map((channel) => {
    const keep = (r: PulseRow) => (r.channel ?? NO_CHANNEL) === channel;
    const since = minutesSince(keep);
    const expected = expectedIn(keep);
    // One page for a whole-table stall: its channels are not judged meanwhile.
    const status: PulseStatus =
      tableStatus === "breach" ? "insufficient_data" : judgeStall(since, expected);
    findings.push({
      rule: "stall",
      table,
      scope: channelScope(channel === NO_CHANNEL ? null : channel),
      status,
      value: roundMinutes(since),
      target: settings.stallMinutes,
      expected: round1(expected),
    });
    return { channel, minutesSinceValid: roundMinutes(since), expected: round1(expected), status };
  });

  const measureOf = (r: PulseRow) => (table === "events" ? r.valid : (r.paidOrders ?? 0));
  const soFarValue = today.reduce((sum, r) => sum + measureOf(r), 0);
  const period: Period = {
    kind: "day",
    start: input.today,
    end: input.today,
    timeZone: input.timeZone,
  };
  const past: PastValue[] = [...byDay.entries()].map(([day, dayRows]) => ({
    periodKey: day,
    start: day,
    value: countIn(dayRows, 0, minuteOfDay, measureOf, dayStart),
    complete: true,
  }));
  const band = baselineBand(
    period,
    past,
    { ...settings.band, typicalMadFloor: false },
    input.calendar,
    "count",
  );
  const position = band ? bandPosition(soFarValue, band, settings.band.direction) : null;
  const paceJudged =
    settings.pace.enabled &&
    minuteOfDay >= settings.pace.fromHour * 60 &&
    band !== null &&
    band.median >= settings.pace.minExpected;
  findings.push({
    rule: "pace",
    table,
    scope: WHOLE_TABLE,
    status: !paceJudged ? "insufficient_data" : position?.unusual ? "breach" : "met",
    value: soFarValue,
    target: band ? round1(band.lower) : null,
    ...(band ? { baseline: round1(band.median) } : {}),
  });

  const currentHour = Math.floor(minuteOfDay / 60);
  const hours: PulseHour[] = [];
  for (let hour = 0; hour <= currentHour && minuteOfDay > 0; hour++) {
    const minutes = Math.min(60, minuteOfDay - hour * 60);
    if (minutes <= 0) break;
    const ofHour = today.filter((r) => r.localHour === hour);
    const hourPast: PastValue[] = [...byDay.entries()].map(([day, dayRows]) => ({
      periodKey: day,
      start: day,
      value: countIn(dayRows, hour * 60, hour * 60 + minutes, (r) => r.valid, dayStart),
      complete: true,
    }));
    const hourBand = baselineBand(
      period,
      hourPast,
      { ...settings.band, typicalMadFloor: false },
      input.calendar,
      "count",
    );
    hours.push({
      hour,
      minutes: Math.round(minutes),
      valid: ofHour.reduce((s, r) => s + r.valid, 0),
      users: ofHour.reduce((s, r) => s + r.users, 0),
      baseline: hourBand ? round1(hourBand.median) : null,
      lower: hourBand ? round1(Math.max(0, hourBand.lower)) : null,
      upper: hourBand ? round1(hourBand.upper) : null,
    });
  }

  const qualityFrom = Math.max(0, currentHour - settings.qualityHours + 1);
  const recent = today.filter((r) => (r.localHour ?? -1) >= qualityFrom);
  const records = recent.reduce((s, r) => s + r.records, 0);
  const valid = recent.reduce((s, r) => s + r.valid, 0);
  const arrival = input.newestArrival?.[table] ?? null;
  const newestValid = newestOf([...today, ...before]);

  return {
    findings,
    pulse: {
      table,
      freshness: {
        newestValid: newestValid?.toISOString() ?? null,
        minutesSinceValid: roundMinutes(tableSince),
        newestArrival: arrival?.toISOString() ?? null,
        minutesSinceArrival: arrival
          ? roundMinutes(Math.max(0, (input.at.getTime() - arrival.getTime()) / MINUTE_MS))
          : null,
      },
      hours,
      soFar: {
        measure: table === "events" ? "valid_events" : "paid_orders",
        value: soFarValue,
        band,
        position,
        users: table === "orders" ? sumOf(today, (r) => r.users) : undefined,
        ...(table === "events" ? { signups: sumOf(today, (r) => r.signups ?? 0) } : {}),
        ...(table === "orders" ? { gmv: round2(sumOf(today, (r) => r.gmv ?? 0)) } : {}),
      },
      quality: {
        fromHour: qualityFrom,
        records,
        valid,
        validShare: records > 0 ? valid / records : null,
      },
      channels,
    },
  };
}

function newestOf(rows: readonly PulseRow[]): Date | null {
  let newest: Date | null = null;
  for (const row of rows) {
    if (row.newestValidTime && (!newest || row.newestValidTime > newest)) {
      newest = row.newestValidTime;
    }
  }
  return newest;
}

function sumOf(rows: readonly PulseRow[], pick: (r: PulseRow) => number): number {
  return rows.reduce((s, r) => s + pick(r), 0);
}

function roundMinutes(minutes: number | null): number | null {
  return minutes === null ? null : Math.floor(minutes);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
