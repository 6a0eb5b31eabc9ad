/**
 * Report periods and time windows, in the report time zone.
 *
 * The lake is partitioned by UTC day (`dt`) while reports speak of local days and ISO
 * weeks, so every query gets two things from here: exact UTC instant bounds (a half-open
 * range) and the list of `dt` partitions those bounds touch (for pruning). SQL never does
 * time-zone arithmetic; it compares timestamps with the bounds computed here.
 *
 * Pure: uses only `Intl` for zone offsets, never the clock.
 */

/** A calendar date `YYYY-MM-DD` (no time, no zone). */
export type IsoDate = string;

/** A report period: one local day, or one ISO week (Monday to Sunday). */
export interface Period {
  readonly kind: "day" | "week";
  /** First local day of the period. */
  readonly start: IsoDate;
  /** Last local day of the period (inclusive). */
  readonly end: IsoDate;
  /** IANA time zone of the report, e.g. `Asia/Shanghai`. */
  readonly timeZone: string;
}

/** A half-open UTC instant range `[fromUtc, toUtc)` and the `dt` partitions it touches. */
export interface UtcWindow {
  readonly fromUtc: Date;
  readonly toUtc: Date;
  /** Every UTC date `dt` that holds at least one instant of the range, ascending. */
  readonly partitions: readonly IsoDate[];
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Error for a date or zone a person typed wrong; the message says how to fix it. */
export class InvalidPeriodError extends Error {
  override name = "InvalidPeriodError";
}

/** Parses and validates `YYYY-MM-DD` (a real calendar date). */
export function parseIsoDate(text: string): IsoDate {
  dateToUtcMidnight(text);
  return text;
}

const knownZones = new Set<string>();

/** Validates an IANA time zone name such as `Asia/Shanghai` (returned as given). */
export function parseTimeZone(zone: string): string {
  if (knownZones.has(zone)) return zone;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    knownZones.add(zone);
    return zone;
  } catch {
    throw new InvalidPeriodError(
      `"${zone}" is not an IANA time zone: use a name such as Asia/Shanghai or America/New_York.`,
    );
  }
}

/**
 * Whether two zone names name the same zone (`asia/shanghai` and `Asia/Shanghai`,
 * `US/Eastern` and `America/New_York`). ICU's canonical name is only a comparison key:
 * for some zones it is an older name (Asia/Calcutta for Asia/Kolkata), so names are shown
 * and stored as given.
 */
export function sameZone(a: string, b: string): boolean {
  return a === b || zoneKey(a) === zoneKey(b);
}

/**
 * Canonical names already resolved: a `DateTimeFormat` costs ~50 µs to make, and a run's
 * rollup freshness checks ask for the same zone's key some hundreds of times.
 */
const zoneKeys = new Map<string, string>();

/** ICU's canonical name of a zone: the key that {@link sameZone} compares. */
export function zoneKey(zone: string): string {
  const known = zoneKeys.get(zone);
  if (known !== undefined) return known;
  let key: string;
  try {
    key = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    key = zone; // not a zone: the caller's own validation names the problem
  }
  zoneKeys.set(zone, key);
  return key;
}

/** `YYYY-MM-DD` of an instant, in UTC. */
export function formatUtcDate(instant: Date): IsoDate {
  return instant.toISOString().slice(0, 10);
}

/** Adds whole calendar days to a date. */
export function addDays(date: IsoDate, days: number): IsoDate {
  return formatUtcDate(new Date(dateToUtcMidnight(date) + days * DAY_MS));
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((dateToUtcMidnight(to) - dateToUtcMidnight(from)) / DAY_MS);
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: IsoDate): number {
  const day = new Date(dateToUtcMidnight(date)).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The Monday of the ISO week containing `date`. */
export function isoWeekStart(date: IsoDate): IsoDate {
  return addDays(date, 1 - isoWeekday(date));
}

/** ISO week label such as `2026-W01` (the ISO week-numbering year may differ from the date's). */
export function isoWeekLabel(date: IsoDate): string {
  const thursday = addDays(isoWeekStart(date), 3);
  const year = Number(thursday.slice(0, 4));
  const week = Math.floor(daysBetween(`${year}-01-01`, thursday) / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** Every date from `from` to `to`, both included. */
export function dateRange(from: IsoDate, to: IsoDate): IsoDate[] {
  const dates: IsoDate[] = [];
  if (from > to) return dates;
  // Stepped in milliseconds: `from` is parsed once, not every date again (long windows).
  let ms = dateToUtcMidnight(from);
  for (let d = from; d <= to; ms += DAY_MS, d = formatUtcDate(new Date(ms))) {
    dates.push(d);
    // Past year 9999 the text is no date: refused as addDays refuses it.
    if (d.startsWith("+")) dateToUtcMidnight(d);
  }
  return dates;
}

/** The period of kind `kind` that contains `date`. */
export function periodContaining(kind: Period["kind"], date: IsoDate, timeZone: string): Period {
  parseIsoDate(date);
  parseTimeZone(timeZone);
  if (kind === "day") return { kind, start: date, end: date, timeZone };
  const start = isoWeekStart(date);
  return { kind, start, end: addDays(start, 6), timeZone };
}

/** The period of the same kind just before `period`. */
export function previousPeriod(period: Period): Period {
  return periodContaining(period.kind, addDays(period.start, -1), period.timeZone);
}

/**
 * The same period one year earlier: the same calendar day for a daily report (28 Feb for
 * 29 Feb), the ISO week 52 weeks back for a weekly one (same weekdays, so comparable).
 */
export function samePeriodLastYear(period: Period): Period {
  if (period.kind === "week")
    return periodContaining("week", addDays(period.start, -364), period.timeZone);
  const [y, m, d] = period.start.split("-");
  const candidate = `${Number(y) - 1}-${m}-${d}`;
  const date =
    ISO_DATE.test(candidate) && isRealDate(candidate) ? candidate : `${Number(y) - 1}-${m}-28`;
  return periodContaining("day", date, period.timeZone);
}

/**
 * The same day of the previous month, for month-to-date comparisons: 15 March → 15
 * February; a day the previous month does not have → its last day (31 March → 28 or 29
 * February).
 */
export function sameDayOfPreviousMonth(date: IsoDate): IsoDate {
  parseIsoDate(date);
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  const previousYear = month === 1 ? year - 1 : year;
  const previousMonth = month === 1 ? 12 : month - 1;
  const lastDay = new Date(Date.UTC(previousYear, previousMonth, 0)).getUTCDate();
  const mm = String(previousMonth).padStart(2, "0");
  return `${String(previousYear).padStart(4, "0")}-${mm}-${String(Math.min(day, lastDay)).padStart(2, "0")}`;
}

/**
 * The UTC instant at which local day `date` begins in `timeZone`: its local midnight, or,
 * when a DST jump skips midnight (e.g. America/Santiago, America/Havana), the first instant
 * after the jump. When midnight occurs twice (a fall-back at 01:00), the first one.
 */
export function localMidnightUtc(date: IsoDate, timeZone: string): Date {
  const key = `${timeZone}|${date}`;
  let midnight = localMidnights.get(key);
  if (midnight === undefined) {
    midnight = findLocalMidnight(date, timeZone);
    if (localMidnights.size >= LOCAL_MIDNIGHTS_KEPT) localMidnights.clear();
    localMidnights.set(key, midnight);
  }
  // A fresh Date each call: callers own what they get.
  return new Date(midnight);
}

/**
 * Local midnights found, by zone and date: a rollup refresh asks for the calendar of its
 * whole window (hundreds of days, each needing several `Intl` offset look-ups) many times a
 * run, and the answer for a zone and date never changes.
 */
const localMidnights = new Map<string, number>();
const LOCAL_MIDNIGHTS_KEPT = 50_000;

/** Epoch milliseconds of {@link localMidnightUtc}, computed with `Intl`. */
function findLocalMidnight(date: IsoDate, timeZone: string): number {
  const wallClock = dateToUtcMidnight(date);
  // Local midnight lies within UTC-14 h … UTC+12 h of the wall-clock value read as UTC. Each
  // offset in effect around then gives a candidate instant; it is the midnight when the zone
  // really has that offset at that instant.
  const earliest = wallClock - 15 * HOUR_MS;
  const latest = wallClock + 13 * HOUR_MS;
  const offsets = new Set(
    [earliest, wallClock, latest].map((t) => zoneOffsetMs(new Date(t), timeZone)),
  );
  const midnights = [...offsets]
    .map((offset) => wallClock - offset)
    .filter((t) => zoneOffsetMs(new Date(t), timeZone) === wallClock - t);
  if (midnights.length > 0) return Math.min(...midnights);
  // Midnight was skipped: the day starts at the first instant whose local date is `date`.
  let before = earliest; // local date earlier than `date`
  let after = latest; // local date `date` or later
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (localDateOf(new Date(middle), timeZone) < date) before = middle;
    else after = middle;
  }
  return after;
}

/** UTC bounds of the local days `from` … `to` (inclusive) and the `dt` partitions they touch. */
export function localDaysWindow(from: IsoDate, to: IsoDate, timeZone: string): UtcWindow {
  const fromUtc = localMidnightUtc(from, timeZone);
  const toUtc = localMidnightUtc(addDays(to, 1), timeZone);
  return { fromUtc, toUtc, partitions: partitionsFor(fromUtc, toUtc) };
}

/** The UTC window of a whole period. */
export function periodWindow(period: Period): UtcWindow {
  return localDaysWindow(period.start, period.end, period.timeZone);
}

/** The `dt` partitions (UTC dates) holding any instant of `[fromUtc, toUtc)`. */
export function partitionsFor(fromUtc: Date, toUtc: Date): IsoDate[] {
  if (toUtc.getTime() <= fromUtc.getTime()) return [];
  const last = formatUtcDate(new Date(toUtc.getTime() - 1));
  return dateRange(formatUtcDate(fromUtc), last);
}

/** A local day of the report calendar with its UTC bounds, for bucketing rows by local day. */
export interface CalendarDay {
  readonly localDate: IsoDate;
  readonly fromUtc: Date;
  readonly toUtc: Date;
}

/** The local days `from` … `to` with their UTC bounds. */
export function calendar(from: IsoDate, to: IsoDate, timeZone: string): CalendarDay[] {
  return dateRange(from, to).map((localDate) => ({
    localDate,
    fromUtc: localMidnightUtc(localDate, timeZone),
    toUtc: localMidnightUtc(addDays(localDate, 1), timeZone),
  }));
}

/**
 * The local day (in `timeZone`) that contains an instant. Used by the oracle and by code
 * that buckets already-fetched rows; queries use {@link calendar} instead.
 */
export function localDateOf(instant: Date, timeZone: string): IsoDate {
  return formatUtcDate(new Date(instant.getTime() + zoneOffsetMs(instant, timeZone)));
}

function isRealDate(date: IsoDate): boolean {
  try {
    dateToUtcMidnight(date);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds of `date` 00:00 UTC; rejects impossible dates rather than rolling them over. */
function dateToUtcMidnight(date: IsoDate): number {
  const match = ISO_DATE.exec(date);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [];
  const ms =
    year !== undefined && month !== undefined && day !== undefined
      ? Date.UTC(year, month - 1, day)
      : Number.NaN;
  // A rolled-over date (02-30 → 03-02) or a two-digit year (Date.UTC reads 0050 as 1950)
  // reads back different parts.
  const parsed = new Date(ms);
  if (
    Number.isNaN(ms) ||
    parsed.getUTCFullYear() !== year ||
    parsed.getUTCMonth() !== (month ?? 0) - 1 ||
    parsed.getUTCDate() !== day
  ) {
    throw new InvalidPeriodError(
      `"${date}" is not a calendar date: write it as YYYY-MM-DD, e.g. 2026-03-31.`,
    );
  }
  return ms;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (east positive). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: parseTimeZone(timeZone),
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    offsetFormatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  // The parts have whole seconds; floor (not truncate) so that instants before 1970 work too.
  const wholeSecond = Math.floor(instant.getTime() / 1000) * 1000;
  return asUtc - wholeSecond;
}
