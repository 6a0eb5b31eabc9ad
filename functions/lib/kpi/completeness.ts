/**
 * The data-completeness gate: decides, before any KPI is judged, whether a period's input
 * data is complete. Pure: `queries/completeness.sql` gathers the facts, this file decides.
 *
 * A period is incomplete when, for a fact table,
 * - one of its `dt` partitions holds no rows (missing),
 * - the part of a partition inside the period holds fewer rows than a share (default 50 %)
 *   of the median of the same hours on the same weekday of the 4 weeks before (thin), or
 * - its newest record is older than the freshness target at the period's end (stale).
 *
 * Comparing the same hours (not whole partitions) keeps the gate fair for a local day that
 * covers only part of a UTC partition, and for a run made before a period is over.
 */
import {
  addDays,
  dateRange,
  type IsoDate,
  localDateOf,
  type Period,
  type UtcWindow,
} from "./windows.ts";

/** The gate's settings, from configuration. */
export interface CompletenessRules {
  /** Fact tables checked, with the column whose time decides freshness. */
  readonly tables: readonly string[];
  /** Tables that must hold rows in every partition even without history (events). */
  readonly requiredTables: readonly string[];
  /** A slice below this share of its trailing median is thin (default 0.5). */
  readonly minShareOfMedian: number;
  /** How many weeks back the same-weekday baseline looks (default 4). */
  readonly baselineWeeks: number;
  /**
   * Below this median the volume check is skipped: a table that is small by nature (a few
   * orders an hour) swings too much for a share to mean anything.
   */
  readonly minBaselineRows: number;
  /** Freshness target in minutes per table; tables not listed are not checked. */
  readonly freshnessMinutes: Readonly<Record<string, number>>;
}

export const DEFAULT_COMPLETENESS_RULES: CompletenessRules = {
  tables: ["events", "orders"],
  requiredTables: ["events"],
  minShareOfMedian: 0.5,
  baselineWeeks: 4,
  minBaselineRows: 20,
  freshnessMinutes: { events: 60 },
};

/** A part of one `dt` partition: inside the period, or the same hours some weeks earlier. */
export interface CompletenessSlice {
  /** The period's partition this slice belongs to (itself, or the one it is a baseline for). */
  readonly baselineOf: IsoDate;
  readonly dt: IsoDate;
  /** 0 for the period itself, 1…N for the baselines. */
  readonly weeksBack: number;
  readonly fromUtc: Date;
  readonly toUtc: Date;
}

/** What the completeness query found for one slice of one table. */
export interface SliceFact {
  readonly table: string;
  readonly baselineOf: IsoDate;
  readonly dt: IsoDate;
  /** Rows whose time falls in the slice. */
  readonly sliceRows: number;
  /** Rows in the whole `dt` partition (0: the partition is missing). */
  readonly partitionRows: number;
  /** Newest time in the slice, ISO 8601 UTC, or null when empty. */
  readonly newestTime: string | null;
}

/** One reason the period is incomplete, naming the table, the partition and the counts. */
export interface CompletenessIssue {
  readonly table: string;
  readonly partition: IsoDate;
  readonly kind: "missing_partition" | "thin_partition" | "stale_data";
  /**
   * `period` (or absent): a partition of the period itself, or its freshness: every metric
   * reading the table is incomplete. `window`: a partition before the period inside the
   * windows of some metrics (`readBy`): only those are incomplete.
   */
  readonly scope?: "period" | "window";
  /** For a `window` issue: the metrics whose windows cover the partition. */
  readonly readBy?: readonly string[];
  /** Rows found in the period's part of the partition. */
  readonly rows: number;
  /** Median of the same hours on the same weekday of the previous weeks. */
  readonly expectedRows?: number;
  readonly newestTime?: string | null;
  /** One sentence for people: what is wrong and the numbers that show it. */
  readonly message: string;
}

/** The gate's decision for one period. */
export interface CompletenessVerdict {
  readonly complete: boolean;
  readonly issues: readonly CompletenessIssue[];
  /** Every partition checked, with its counts (for the run log and the report footer). */
  readonly checked: readonly {
    readonly table: string;
    readonly partition: IsoDate;
    readonly rows: number;
    readonly baselineMedian: number | null;
  }[];
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/**
 * The slices the gate needs for a period window: for every partition the window touches,
 * its part inside the window (cut at `now` for a period not yet over) and the same hours
 * 1…`weeks` weeks earlier. Partitions wholly after `now` are left out.
 */
export function completenessSlices(
  window: UtcWindow,
  now: Date,
  weeks: number = DEFAULT_COMPLETENESS_RULES.baselineWeeks,
): CompletenessSlice[] {
  const end = Math.min(window.toUtc.getTime(), now.getTime());
  const slices: CompletenessSlice[] = [];
  for (const dt of window.partitions) {
    const dtStart = Date.parse(`${dt}T00:00:00Z`);
    const from = Math.max(window.fromUtc.getTime(), dtStart);
    const to = Math.min(end, dtStart + DAY_MS);
    if (to <= from) continue;
    for (let weeksBack = 0; weeksBack <= weeks; weeksBack++) {
      slices.push({
        baselineOf: dt,
        dt: addDays(dt, -7 * weeksBack),
        weeksBack,
        fromUtc: new Date(from - weeksBack * WEEK_MS),
        toUtc: new Date(to - weeksBack * WEEK_MS),
      });
    }
  }
  return slices;
}

/** Where the gate reads the facts of each partition from (see {@link completenessReads}). */
export interface CompletenessReads {
  /** `dt` partitions read from the raw tables (never empty when there are slices). */
  readonly rawPartitions: readonly IsoDate[];
  /**
   * Local days of the profile rollups (`event_profile`, `order_profile`: records per UTC
   * quarter-hour) read for every other partition: all the days each of them overlaps, and
   * the period's last day (sorted, never empty).
   */
  readonly profileDays: readonly IsoDate[];
}

const QUARTER_HOUR_MS = 15 * 60_000;

/**
 * Which partitions the gate reads raw, and which local days of the profile rollups stand
 * in for the others, so that a daily run reads one raw partition per table instead of the
 * same hours of four past weeks.
 *
 * A profile adds up whole UTC quarter-hours, so it answers exactly for a slice that starts
 * and ends on one: every slice bounded by local-day edges is (all time-zone offsets are
 * multiples of 15 minutes), shifted by whole weeks or not. A partition is therefore read
 * raw when one of its slices is cut elsewhere (a period not over, cut at `now`), and the
 * period's last partition always is: its profile would be of a local day after the period
 * in a zone east of UTC, still filling up. Every other partition (the baselines, the
 * period's earlier partitions) comes from the profiles of all the local days it overlaps;
 * their quarter-hours add up to its slices and, with the row of its stray records, to its
 * size. The period's last local day is always read too: built by this run, it is there
 * when later runs read it as a baseline, and no run has to build it from raw partitions
 * that it would not read anyway.
 */
export function completenessReads(
  slices: readonly CompletenessSlice[],
  period: Pick<Period, "end" | "timeZone">,
): CompletenessReads {
  const aligned = (instant: Date) => instant.getTime() % QUARTER_HOUR_MS === 0;
  const lastOfPeriod = slices.filter((slice) => slice.weeksBack === 0).at(-1)?.dt;
  const raw = new Set<IsoDate>(lastOfPeriod ? [lastOfPeriod] : []);
  for (const slice of slices) {
    if (!aligned(slice.fromUtc) || !aligned(slice.toUtc)) raw.add(slice.dt);
  }
  const days = new Set<IsoDate>([period.end]);
  for (const dt of new Set(slices.map((slice) => slice.dt))) {
    if (raw.has(dt)) continue;
    const dtStart = Date.parse(`${dt}T00:00:00Z`);
    const first = localDateOf(new Date(dtStart), period.timeZone);
    const last = localDateOf(new Date(dtStart + DAY_MS - 1), period.timeZone);
    for (const day of dateRange(first, last)) days.add(day);
  }
  return { rawPartitions: [...raw].sort(), profileDays: [...days].sort() };
}

/** The exact median (mean of the two middle values for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Judges a period from the facts of its slices. `window` and `now` are those the slices
 * were built with.
 */
export function judgeCompleteness(
  facts: readonly SliceFact[],
  window: UtcWindow,
  now: Date,
  rules: CompletenessRules = DEFAULT_COMPLETENESS_RULES,
): CompletenessVerdict {
  const slices = completenessSlices(window, now, rules.baselineWeeks);
  const factOf = new Map(facts.map((f) => [`${f.table}|${f.baselineOf}|${f.dt}`, f]));
  const issues: CompletenessIssue[] = [];
  const checked: CompletenessVerdict["checked"][number][] = [];

  for (const table of rules.tables) {
    const required = rules.requiredTables.includes(table);
    let newest: string | null = null;
    let periodRows = 0;
    for (const current of slices.filter((s) => s.weeksBack === 0)) {
      const fact = (slice: CompletenessSlice): SliceFact =>
        factOf.get(`${table}|${slice.baselineOf}|${slice.dt}`) ?? {
          table,
          baselineOf: slice.baselineOf,
          dt: slice.dt,
          sliceRows: 0,
          partitionRows: 0,
          newestTime: null,
        };
      const found = fact(current);
      periodRows += found.sliceRows;
      if (found.newestTime && (!newest || Date.parse(found.newestTime) > Date.parse(newest)))
        newest = found.newestTime;
      // Baselines from before the lake began (no partition at all) say nothing.
      const baseline = slices
        .filter((s) => s.baselineOf === current.baselineOf && s.weeksBack > 0)
        .map(fact)
        .filter((f) => f.partitionRows > 0)
        .map((f) => f.sliceRows);
      const expected = median(baseline);
      checked.push({
        table,
        partition: current.dt,
        rows: found.sliceRows,
        baselineMedian: expected,
      });
      const where = `${table}: partition dt=${current.dt}`;
      const history = `the same hours of the ${baseline.length} previous same weekday(s) had a median of ${formatCount(expected ?? 0)}`;
      if (found.partitionRows === 0) {
        if (required || (expected ?? 0) > 0) {
          issues.push({
            table,
            partition: current.dt,
            ...missingPartition(where, expected, history),
          });
        }
        continue;
      }
      if (expected !== null && isThin(found.sliceRows, expected, rules)) {
        issues.push({
          table,
          partition: current.dt,
          kind: "thin_partition",
          rows: found.sliceRows,
          expectedRows: expected,
          message: `${where} holds ${formatCount(found.sliceRows)} rows in the period, below ${Math.round(rules.minShareOfMedian * 100)} % of expected (${history}).`,
        });
      }
    }
    const freshness = rules.freshnessMinutes[table];
    const currentSlices = slices.filter((s) => s.weeksBack === 0);
    const last = currentSlices.at(-1);
    if (freshness === undefined || !last) continue;
    const reference = Math.min(window.toUtc.getTime(), now.getTime());
    const ageMinutes = newest === null ? null : (reference - Date.parse(newest)) / 60_000;
    if (ageMinutes === null || ageMinutes > freshness) {
      issues.push({
        table,
        partition: last.dt,
        kind: "stale_data",
        rows: periodRows,
        newestTime: newest,
        message:
          newest === null
            ? `${table}: no record in the period (up to ${new Date(reference).toISOString()}); freshness target ${freshness} min.`
            : `${table}: newest record in the period is at ${newest}, ${formatMinutes(ageMinutes ?? 0)} before ${new Date(reference).toISOString()}; freshness target ${freshness} min.`,
      });
    }
  }
  return { complete: issues.length === 0, issues, checked };
}

/** The missing-partition issue (0 rows), with the baseline's median when there is history. */
function missingPartition(
  where: string,
  expected: number | null,
  history: string,
): Pick<CompletenessIssue, "kind" | "rows" | "expectedRows" | "message"> {
  return {
    kind: "missing_partition",
    rows: 0,
    ...(expected !== null ? { expectedRows: expected } : {}),
    message:
      expected !== null
        ? `${where} is missing (0 rows; ${history}).`
        : `${where} is missing (0 rows).`,
  };
}

/** Whether `rows` is below the thin share of a baseline median large enough to judge. */
function isThin(rows: number, expected: number, rules: CompletenessRules): boolean {
  return expected >= rules.minBaselineRows && rows < rules.minShareOfMedian * expected;
}

function formatCount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function formatMinutes(minutes: number): string {
  const whole = Math.round(minutes);
  return whole >= 60 ? `${Math.floor(whole / 60)} h ${whole % 60} min` : `${whole} min`;
}

// ---------------------------------------------------------------------------------------------
// The partitions inside the metrics' windows, before the period

/**
 * The partitions before the period that the metrics' windows cover, per table, with the
 * metrics reading each: what {@link judgeWindowPartitions} checks. Whole partitions: a
 * partition is missing or thin as a whole, whichever part of it a window reads.
 */
export interface WindowTargets {
  readonly [table: string]: Readonly<Record<IsoDate, readonly string[]>>;
}

/** Records per partition, as `queries/partition_records.sql` returns them. */
export interface PartitionRecords {
  readonly table: string;
  readonly dt: IsoDate;
  readonly records: number;
}

/**
 * What the window check reads: for each table, every target partition and its baselines
 * (the same weekday 1…`weeks` weeks earlier, and its {@link neighbourDays}), and the local
 * days of the profile rollups that hold them (all the days each partition overlaps in
 * `timeZone`).
 */
export function windowPartitionReads(
  targets: WindowTargets,
  weeks: number,
  timeZone: string,
): Readonly<Record<string, { readonly dts: IsoDate[]; readonly days: IsoDate[] }>> {
  const reads: Record<string, { dts: IsoDate[]; days: IsoDate[] }> = {};
  for (const [table, byDt] of Object.entries(targets)) {
    const dts = new Set<IsoDate>();
    const last = lastTarget(byDt);
    for (const dt of Object.keys(byDt)) {
      for (let back = 0; back <= weeks; back++) dts.add(addDays(dt, -7 * back));
      for (const neighbour of neighbourDays(dt, last)) dts.add(neighbour);
    }
    const days = new Set<IsoDate>();
    for (const dt of dts) {
      const start = Date.parse(`${dt}T00:00:00Z`);
      days.add(localDateOf(new Date(start), timeZone));
      days.add(localDateOf(new Date(start + DAY_MS - 1), timeZone));
    }
    reads[table] = { dts: [...dts].sort(), days: [...days].sort() };
  }
  return reads;
}

/**
 * Judges the partitions before the period that the metrics' windows cover, from their
 * record counts (a partition without a row holds none). Per table, a target partition is
 * - missing when it holds no record while the table has data before it (a partition before
 *   the lake's first one is not missing: the lake had not begun), for a required table, or
 *   when its same-weekday median reaches `minBaselineRows` (an empty day of a table small
 *   by nature, a few orders a day, is no evidence);
 * - thin when it holds fewer than `minShareOfMedian` of the median of the same weekday's
 *   1…`baselineWeeks` previous partitions (those holding records), once that median
 *   reaches `minBaselineRows`, and fewer than that share of the median of its
 *   {@link neighbourDays} too: an outage of a day or a few is below both, a level that
 *   stepped down (orders halving when a campaign ended) only below the first. A thin
 *   stretch longer than a week reads as a level; the period's own check still sees it.
 * Issues are `window`-scoped and name the metrics reading the partition.
 */
export function judgeWindowPartitions(
  records: readonly PartitionRecords[],
  targets: WindowTargets,
  rules: CompletenessRules = DEFAULT_COMPLETENESS_RULES,
): CompletenessIssue[] {
  const issues: CompletenessIssue[] = [];
  for (const table of rules.tables) {
    const byDt = targets[table];
    if (!byDt) continue;
    const count = new Map(
      records.filter((r) => r.table === table).map((r) => [r.dt, r.records] as const),
    );
    const present = [...count].filter(([, n]) => n > 0).map(([dt]) => dt);
    const first = present.sort()[0];
    const required = rules.requiredTables.includes(table);
    const last = lastTarget(byDt);
    for (const [dt, readBy] of Object.entries(byDt).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const rows = count.get(dt) ?? 0;
      const recordsOf = (days: readonly IsoDate[]) =>
        days.map((d) => count.get(d) ?? 0).filter((n) => n > 0);
      const previous = recordsOf(
        Array.from({ length: rules.baselineWeeks }, (_, i) => addDays(dt, -7 * (i + 1))),
      );
      const expected = median(previous);
      const where = `${table}: partition dt=${dt} (read by ${readBy.join(", ")})`;
      const history = `the ${previous.length} previous same weekday(s) had a median of ${formatCount(expected ?? 0)}`;
      const base = { table, partition: dt, scope: "window" as const, readBy };
      if (rows === 0) {
        const evidence = required || (expected ?? 0) >= rules.minBaselineRows;
        if (first === undefined || dt < first || !evidence) continue;
        issues.push({ ...base, ...missingPartition(where, expected, history) });
        continue;
      }
      // Thin against the same weekdays before it and against the days next to it: an
      // outage is below both, a level that stepped down (a campaign ended) only below the
      // first, its neighbours being as low.
      const neighbours = median(recordsOf(neighbourDays(dt, last)));
      if (
        expected !== null &&
        isThin(rows, expected, rules) &&
        (neighbours === null || isThin(rows, neighbours, rules))
      ) {
        issues.push({
          ...base,
          kind: "thin_partition",
          rows,
          expectedRows: expected,
          message: `${where} holds ${formatCount(rows)} rows, below ${Math.round(rules.minShareOfMedian * 100)} % of expected (${history}${neighbours === null ? "" : `; the days next to it ${formatCount(neighbours)}`}).`,
        });
      }
    }
  }
  return issues;
}

/** The newest target partition of a table: the window check looks no later than it. */
function lastTarget(byDt: Readonly<Record<IsoDate, readonly string[]>>): IsoDate {
  return Object.keys(byDt).sort().at(-1) ?? "";
}

/**
 * The days next to a window partition that tell an outage from a level: up to 3 days
 * before and after it, never after the newest target partition `last` (never the period or
 * later, so a re-run judges as the first run did).
 */
function neighbourDays(dt: IsoDate, last: IsoDate): IsoDate[] {
  return [-3, -2, -1, 1, 2, 3].map((offset) => addDays(dt, offset)).filter((d) => d <= last);
}
