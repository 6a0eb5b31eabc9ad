/**
 * Baseline bands: is this value normal for this kind of period? (pure)
 *
 * A metric's band is learned from its own stored history, robustly and explainably: the
 * median of the same weekday over the last N weeks (default 8; weekly reports: the last N
 * weeks), widened by k · 1.4826 · MAD on each side (default k = 3; 1.4826 · MAD estimates
 * the standard deviation of normal noise without letting one odd day move it). The band is
 * never narrower than the median ± a configured share of it (default 2 %), so a metric
 * whose history happens to repeat exactly (MAD = 0) does not alarm on the next bit of noise.
 * Periods that were data-incomplete and days on the configured calendar of holidays and
 * promotions are skipped (the search goes back up to 2N periods to find N usable ones).
 *
 * Two more floors keep the band from being narrower than the noise it is meant to ignore
 * (both on by default, each can be switched off per metric):
 *
 * - the **typical MAD**: the median of the MADs stored with the past periods' own bands. The
 *   MAD of only 8 values is itself noisy, and when it comes out small by chance the band is
 *   too tight: for normally distributed values, median ± 3 · 1.4826 · MAD of 8 of them
 *   leaves out about 7 % of the next values, 2 false alarms a month for every metric; with
 *   this floor about 0.8 (simulated; bench/backtest.md has the measured rates);
 * - the **sampling noise** of the value: √median for a count (Poisson), √(p(1 − p) / n) for
 *   a share of a sample of n (binomial), k times over: a small count or a small sample moves
 *   by chance more than its history may have shown.
 *
 * **Level adjustment** (daily, same weekday; on by default, `level_adjust`). A metric that
 * grows, or that a campaign lifts for weeks, is not at the level of its same weekday 4.5
 * weeks back on average, and a plain median of those weeks lags it: most false alarms of the
 * plain band were such level shifts (bench/backtest.md). So each past value is first scaled
 * by how much higher the last 7 days ran than the 7 days before that past day, day for day:
 * the ratio r = median over j = 1..7 of value(today − j) / value(past day − j). Each pair is
 * the same weekday (seasonality cancels) and the median of the 7 ratios ignores one odd day
 * (yesterday's incident does not move today's band much). A pair is used only when both
 * days hold a complete value off the calendar; with fewer than 5 usable pairs the past value
 * is taken as it is (r = 1). The band is then median ± k · 1.4826 · MAD of the scaled values,
 * as above, and the ratios are stored with it (`levels`), so an email can say "normal
 * 340–381 at this week's level".
 *
 * Nothing here reads a store: the use case gives the history (stored snapshots) and stores
 * the band in the new snapshot, so a replay or the dashboard never recomputes it.
 */
import { addDays, type IsoDate, isoWeekday, type Period } from "./windows.ts";

/** Which past periods a band is learned from. */
export type BaselineMethod =
  /** The same weekday of the last N weeks (daily); the last N weeks (weekly). */
  | "same_weekday"
  /** The last N periods, whatever their weekday. */
  | "trailing";

/** Which side of the band is unusual for a metric. */
export type AnomalyDirection = "drops" | "rises" | "both";

/** How one metric's band is made. */
export interface BaselineSettings {
  readonly method: BaselineMethod;
  /** N: past periods the band is learned from. */
  readonly periods: number;
  /** k: half-width of the band in robust standard deviations (1.4826 · MAD). */
  readonly k: number;
  /** Fewer usable past periods than this: no band, so no anomaly ("no baseline yet"). */
  readonly minHistory: number;
  /** The band is at least median ± this share of |median| (0.02 = 2 %). */
  readonly minWidthShare: number;
  readonly direction: AnomalyDirection;
  /** False: the metric gets no band at all. */
  readonly enabled: boolean;
  /** The band is at least as wide as with the median MAD of the past periods' stored bands. */
  readonly typicalMadFloor: boolean;
  /** The band is at least k times the value's sampling noise (see {@link SamplingNoise}). */
  readonly samplingFloor: boolean;
  /**
   * Daily same-weekday bands: scale each past value to the level of the last 7 days (see
   * the module comment). Absent: false (a caller that builds its own settings keeps the
   * plain band).
   */
  readonly levelAdjust?: boolean;
  /**
   * Level-adjusted daily bands: learn the level from days of the same campaign state and
   * widen the band towards a campaign's step in the week after it starts or ends (see
   * {@link baselineBand}). Needs the campaigns dimension; absent: false.
   */
  readonly campaignAware?: boolean;
}

/**
 * The campaign state of a local day (see {@link campaignStateOf}): two days with equal keys
 * are comparable for orders and money; a campaign starting or ending can change the key
 * overnight.
 */
export type CampaignStateOf = (day: IsoDate) => string;

/** A campaign's running days (inclusive), from the campaigns dimension. */
export interface CampaignSpan {
  readonly id: string;
  readonly start: IsoDate;
  readonly end: IsoDate;
}

/** Which campaign change of the last 7 days a band allows for (see {@link campaignStep}). */
export type CampaignStep = "started" | "ended";

/**
 * How a metric's value varies by chance alone: `count` (Poisson: standard deviation
 * √value), `share` (binomial: √(p(1 − p) / n) for a share p of a sample of n), or `none`
 * (unknown, e.g. money).
 */
export type SamplingNoise = "count" | "share" | "none";

/** The defaults of the issue: same weekday, 8 weeks, k = 3, ≥ ± 2 %, both directions. */
export const DEFAULT_BASELINE_SETTINGS: BaselineSettings = {
  method: "same_weekday",
  periods: 8,
  k: 3,
  minHistory: 4,
  minWidthShare: 0.02,
  direction: "both",
  enabled: true,
  typicalMadFloor: true,
  samplingFloor: true,
  levelAdjust: true,
};

/** Days of the level window: the 7 days before a day (each weekday once). */
export const LEVEL_WINDOW_DAYS = 7;
/** Fewer usable day pairs than this: the past value is not scaled. */
export const LEVEL_MIN_PAIRS = 5;
/**
 * Campaign-aware level: how far back (6 weeks) the 7 comparable day pairs are looked for. A
 * campaign that ended 3 days ago leaves 3 days of today's state in the last week; the other
 * 4 come from before it started.
 */
export const CAMPAIGN_LEVEL_SEARCH_DAYS = 42;

/** 1.4826 · MAD is the standard deviation of normally distributed values. */
export const MAD_TO_SIGMA = 1.4826;

/** A metric's band for one period, as stored in its snapshot. */
export interface Band {
  readonly method: BaselineMethod;
  /** The median of the past values. */
  readonly median: number;
  /** Median absolute deviation of the past values from their median. */
  readonly mad: number;
  readonly lower: number;
  readonly upper: number;
  /** The past periods used (their keys, oldest first). */
  readonly basis: readonly string[];
  /** What set the half-width: k · 1.4826 · MAD, or one of the floors. */
  readonly widthFrom?: "mad" | "typical_mad" | "sampling_noise" | "min_width";
  /**
   * Level-adjusted bands: the factor each past value (in `basis` order) was scaled by, the
   * median ratio of the last 7 days to the 7 days before that past day (1: not scaled).
   */
  readonly levels?: readonly number[];
  /**
   * Campaign-aware bands in the week after the first campaign started (`started`) or the
   * last one ended (`ended`): the band reaches up, or down, to the level of the days of
   * today's campaign state (see {@link baselineBand}).
   */
  readonly campaignStep?: CampaignStep;
}

/** One past period of a metric, as the use case read it from a stored snapshot. */
export interface PastValue {
  /** Its period key (`2026-03-03`, `2026-W09`). */
  readonly periodKey: string;
  /** Its first local day. */
  readonly start: IsoDate;
  readonly value: number | null;
  /** False when the period was data-incomplete (its value says nothing about normal). */
  readonly complete: boolean;
  /** The MAD of the band stored with that period, if it had one. */
  readonly mad?: number;
  /** The sample (denominator) of the value, for a share. */
  readonly sample?: number;
}

/** Where a value lies against its band. */
export interface BandPosition {
  readonly side: "below" | "above" | "inside";
  /** Distance beyond the nearer edge in band widths (0 inside); orders anomalies. */
  readonly distance: number;
  /** Whether the side counts as unusual for the metric's configured direction. */
  readonly unusual: boolean;
}

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The first local days of the past periods a band of `period` may look at, newest first:
 * 2N candidates, so that N usable ones remain when some are skipped.
 */
export function candidatePeriodStarts(period: Period, settings: BaselineSettings): IsoDate[] {
  const step = period.kind === "week" || settings.method === "same_weekday" ? 7 : 1;
  return Array.from({ length: settings.periods * 2 }, (_, i) =>
    addDays(period.start, -step * (i + 1)),
  );
}

/**
 * The band of `period` from its past values, or null when fewer than `minHistory` usable
 * ones exist. Usable: a candidate period (see {@link candidatePeriodStarts}) with a number,
 * complete data, and no day on `calendar`; the newest N of them are used.
 *
 * **Campaign-aware** (`campaignAware`, with the `campaigns` running around the period): a
 * campaign lifts orders and money for as long as it runs, so they step up or down overnight
 * when one starts or ends, and a level learned from the last 7 days cannot know that step
 * before it has happened. So
 *
 * - the level of each past value is learned only from comparable days (see
 *   {@link levelRatio}): pairs of a recent day of today's campaign state (a campaign runs,
 *   or none does; {@link campaignStateOf}) and a day as far before it of the past day's;
 * - in the 7 days after a campaign starts on a day without one, the band reaches up to
 *   where that level puts it (the plain band's upper edge or the campaign-aware one,
 *   whichever is higher), and after the last one ends down to it; the other edge stays the
 *   plain band's ({@link campaignStep}). A campaign starting is a reason for more orders,
 *   not for fewer, so a payment outage on a campaign's first day is still below the band;
 * - on other days, the campaign-aware band.
 */
export function baselineBand(
  period: Period,
  past: readonly PastValue[],
  settings: BaselineSettings,
  calendar: ReadonlySet<IsoDate> = new Set(),
  noise: SamplingNoise = "none",
  campaigns?: readonly CampaignSpan[],
): Band | null {
  const plain = bandOf(period, past, settings, calendar, noise);
  if (!plain || !campaigns || !campaignAware(period, settings)) return plain;
  const aware = bandOf(period, past, settings, calendar, noise, campaignStateOf(campaigns));
  const step = campaignStep(period.start, campaigns);
  if (!aware || !step) return aware ?? plain;
  return {
    ...plain,
    lower: step === "started" ? plain.lower : Math.min(plain.lower, aware.lower),
    upper: step === "ended" ? plain.upper : Math.max(plain.upper, aware.upper),
    campaignStep: step,
  };
}

/**
 * The campaign state of a day, for {@link levelRatio}: `campaign` when one or more campaigns
 * run on it, `""` when none does. (Which campaigns, and how many, is not part of it: each
 * campaign lifts by its own amount, and one state per campaign would leave too few
 * comparable days to learn a level from.)
 */
export function campaignStateOf(campaigns: readonly CampaignSpan[]): CampaignStateOf {
  return (day) => (runsCampaign(day, campaigns) ? "campaign" : "");
}

/**
 * How the campaign state changed over the 7 days up to `day`: `started` when a campaign runs
 * on `day` and none ran on one of the 7 days before it, `ended` when none runs on `day` and
 * one ran on one of those days, undefined otherwise. (A campaign starting while another
 * runs changes nothing: the state is "a campaign runs".)
 */
export function campaignStep(
  day: IsoDate,
  campaigns: readonly CampaignSpan[],
): CampaignStep | undefined {
  const today = runsCampaign(day, campaigns);
  for (let j = 1; j <= LEVEL_WINDOW_DAYS; j++) {
    if (runsCampaign(addDays(day, -j), campaigns) !== today) return today ? "started" : "ended";
  }
  return undefined;
}

function runsCampaign(day: IsoDate, campaigns: readonly CampaignSpan[]): boolean {
  return campaigns.some((c) => c.start <= day && day <= c.end);
}

function bandOf(
  period: Period,
  past: readonly PastValue[],
  settings: BaselineSettings,
  calendar: ReadonlySet<IsoDate>,
  noise: SamplingNoise,
  stateOf?: CampaignStateOf,
): Band | null {
  if (!settings.enabled) return null;
  const byStart = new Map(past.map((p) => [p.start, p]));
  const used: PastValue[] = [];
  for (const start of candidatePeriodStarts(period, settings)) {
    if (used.length >= settings.periods) break;
    const candidate = byStart.get(start);
    if (!candidate || candidate.value === null || !Number.isFinite(candidate.value)) continue;
    if (!candidate.complete) continue;
    if (periodDays(period.kind, start).some((day) => calendar.has(day))) continue;
    used.push(candidate);
  }
  if (used.length < Math.max(1, settings.minHistory)) return null;
  const levels = levelAdjusts(period, settings)
    ? used.map((p) => levelRatio(period.start, p.start, byStart, calendar, stateOf))
    : undefined;
  const values = used.map((p, i) => (p.value as number) * (levels?.[i] ?? 1));
  const mid = median(values);
  const mad = median(values.map((v) => Math.abs(v - mid)));
  const mads = used.flatMap((p) => (p.mad === undefined ? [] : [p.mad]));
  const typicalMad =
    settings.typicalMadFloor && mads.length >= Math.max(1, settings.minHistory) ? median(mads) : 0;
  const samples = used.flatMap((p) => (p.sample === undefined ? [] : [p.sample]));
  const sampling = settings.samplingFloor ? samplingDeviation(noise, mid, samples) : 0;
  const widths: [NonNullable<Band["widthFrom"]>, number][] = [
    ["mad", settings.k * MAD_TO_SIGMA * mad],
    ["typical_mad", settings.k * MAD_TO_SIGMA * typicalMad],
    ["sampling_noise", settings.k * sampling],
    ["min_width", settings.minWidthShare * Math.abs(mid)],
  ];
  const [widthFrom, halfWidth] = widths.reduce((widest, w) => (w[1] > widest[1] ? w : widest));
  return {
    method: settings.method,
    median: mid,
    mad,
    lower: mid - halfWidth,
    upper: mid + halfWidth,
    basis: used.map((p) => p.periodKey).reverse(),
    widthFrom,
    ...(levels ? { levels: levels.reverse() } : {}),
  };
}

/** Whether `settings` scale the past values of `period` to the recent level. */
export function levelAdjusts(period: Period, settings: BaselineSettings): boolean {
  return (
    settings.levelAdjust === true && period.kind === "day" && settings.method === "same_weekday"
  );
}

/** Whether `settings` make the band of `period` campaign-aware (level-adjusted daily bands). */
export function campaignAware(period: Period, settings: BaselineSettings): boolean {
  return settings.campaignAware === true && levelAdjusts(period, settings);
}

/**
 * How much higher the 7 days before `day` ran than the 7 days before `pastDay`: the median
 * of value(day − j) / value(pastDay − j) over j = 1..7, using only pairs of complete values
 * off the calendar with a positive denominator; 1 with fewer than {@link LEVEL_MIN_PAIRS}.
 *
 * With `stateOf` (campaign-aware), a pair counts only when day − j has the campaign state of
 * `day` and pastDay − j that of `pastDay`, and j goes back up to
 * {@link CAMPAIGN_LEVEL_SEARCH_DAYS} for 7 such pairs: the level comes from the last days
 * comparable with today, not from the days before a campaign started or ended. With fewer
 * than {@link LEVEL_MIN_PAIRS}, the plain ratio of the last 7 days.
 */
export function levelRatio(
  day: IsoDate,
  pastDay: IsoDate,
  byStart: ReadonlyMap<IsoDate, PastValue>,
  calendar: ReadonlySet<IsoDate> = new Set(),
  stateOf?: CampaignStateOf,
): number {
  const usable = (date: IsoDate): number | null => {
    const p = byStart.get(date);
    if (!p?.complete || p.value === null || !Number.isFinite(p.value)) return null;
    return calendar.has(date) ? null : p.value;
  };
  const [today, then] = [stateOf?.(day), stateOf?.(pastDay)];
  const comparable = (date: IsoDate, state: string | undefined) =>
    stateOf === undefined || stateOf(date) === state;
  const ratios: number[] = [];
  const reach = stateOf ? CAMPAIGN_LEVEL_SEARCH_DAYS : LEVEL_WINDOW_DAYS;
  for (let j = 1; j <= reach && ratios.length < LEVEL_WINDOW_DAYS; j++) {
    const [recentDay, beforeDay] = [addDays(day, -j), addDays(pastDay, -j)];
    if (!comparable(recentDay, today) || !comparable(beforeDay, then)) continue;
    const recent = usable(recentDay);
    const before = usable(beforeDay);
    if (recent !== null && before !== null && before > 0) ratios.push(recent / before);
  }
  if (ratios.length >= LEVEL_MIN_PAIRS) return median(ratios);
  // Too few comparable pairs: the plain last-7-days level.
  return stateOf ? levelRatio(day, pastDay, byStart, calendar) : 1;
}

/**
 * The first and last local days a band of `period` reads: its candidate past periods and,
 * for a level-adjusted band, the 7 days before each of them and before the period itself.
 */
export function bandReadRange(
  period: Period,
  settings: BaselineSettings,
): { readonly from: IsoDate; readonly to: IsoDate } {
  const starts = candidatePeriodStarts(period, settings);
  const oldest = starts.at(-1) as IsoDate;
  const newest = starts[0] as IsoDate;
  const reach = campaignAware(period, settings) ? CAMPAIGN_LEVEL_SEARCH_DAYS : LEVEL_WINDOW_DAYS;
  return levelAdjusts(period, settings)
    ? { from: addDays(oldest, -reach), to: addDays(period.start, -1) }
    : { from: oldest, to: newest };
}

/** The standard deviation of a value by chance alone (see {@link SamplingNoise}). */
export function samplingDeviation(
  noise: SamplingNoise,
  value: number,
  samples: readonly number[],
): number {
  if (noise === "count") return Math.sqrt(Math.max(0, value));
  if (noise === "share" && samples.length > 0) {
    const n = median(samples);
    const p = Math.min(1, Math.max(0, value));
    return n > 0 ? Math.sqrt((p * (1 - p)) / n) : 0;
  }
  return 0;
}

/** Float noise allowance: a value exactly on an edge is inside. */
const EDGE_TOLERANCE = 1e-9;

/** Where `value` lies against `band`, and whether that side is unusual for `direction`. */
export function bandPosition(
  value: number,
  band: Pick<Band, "lower" | "upper">,
  direction: AnomalyDirection,
): BandPosition {
  const width = band.upper - band.lower;
  const tolerance = EDGE_TOLERANCE * Math.max(1, Math.abs(band.upper), Math.abs(band.lower));
  const side =
    value < band.lower - tolerance ? "below" : value > band.upper + tolerance ? "above" : "inside";
  const beyond = side === "below" ? band.lower - value : side === "above" ? value - band.upper : 0;
  const distance = side === "inside" ? 0 : width > 0 ? beyond / width : Number.POSITIVE_INFINITY;
  const unusual =
    side !== "inside" &&
    (direction === "both" || (direction === "drops" ? side === "below" : side === "above"));
  return { side, distance, unusual };
}

/** Whether the period itself has a day on the calendar (then it is not judged). */
export function onCalendar(period: Period, calendar: ReadonlySet<IsoDate>): boolean {
  return periodDays(period.kind, period.start).some((day) => calendar.has(day));
}

/** "Tuesday" for a daily period (a daily band is "normal for a Tuesday"). */
export const WEEKDAYS = [
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
  "Sunday",
] as const;

/**
 * What a band is "normal for", as the emails and alerts say it: the English weekday of a
 * daily same-weekday band, `week` for a weekly one, `recent days` for a trailing one.
 */
export function bandWhen(period: Period, method: BaselineMethod): string {
  if (period.kind === "week") return "week";
  return method === "trailing" ? "recent days" : weekdayOf(period.start);
}

/** The English weekday of a date (ISO: Monday first). */
export function weekdayOf(date: IsoDate): (typeof WEEKDAYS)[number] {
  return WEEKDAYS[isoWeekday(date) - 1] as (typeof WEEKDAYS)[number];
}

function periodDays(kind: Period["kind"], start: IsoDate): IsoDate[] {
  return kind === "day" ? [start] : Array.from({ length: 7 }, (_, i) => addDays(start, i));
}
