/**
 * Runs the data-completeness gate for one period: builds the slices
 * (functions/lib/kpi/completeness.ts), reads their facts with `queries/completeness.sql` on
 * the engine, and judges them. One query: the period's last partition (and any slice cut at
 * `now`) from the raw tables, the rest (the same weekdays of the weeks before) from the
 * profile rollups, refreshed first (functions/lib/rollups/), so that a daily run reads one
 * raw partition per table.
 *
 * {@link createCompletenessGate} plugs it into the report use case before evaluation, with
 * the managers' notice for an incomplete period.
 */
import {
  type CompletenessIssue,
  type CompletenessRules,
  type CompletenessVerdict,
  completenessReads,
  completenessSlices,
  DEFAULT_COMPLETENESS_RULES,
  judgeCompleteness,
  judgeWindowPartitions,
  type PartitionRecords,
  type SliceFact,
  type WindowTargets,
  windowPartitionReads,
} from "../kpi/completeness.ts";
import { type FactTable, partitionsOf, type TableDays } from "../kpi/read-windows.ts";
import type { Locale } from "../kpi/registry.ts";
import { type IsoDate, localDateOf, type Period, periodWindow } from "../kpi/windows.ts";
import type { QueryEngine, QueryStats, Row } from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import { valueFormatter } from "../report/email/i18n.ts";
import type { ReportNotice } from "../report/email/model.ts";
import { type CompletenessGate, engineForZone, rerunCommand } from "../report/run-report.ts";
import { queryOverRollups, rollupDays } from "../rollups/refresh.ts";
import { DEFAULT_ALERT_SETTINGS } from "./config.ts";
import { ALERT_STRINGS } from "./strings.ts";

export const COMPLETENESS_QUERY = "completeness";

/** The verdict, the facts it was drawn from and the cost of the queries that led to it. */
export interface CompletenessCheck extends CompletenessVerdict {
  /** The completeness query's cost; null when nothing was checked. */
  readonly stats: QueryStats | null;
  /** What building the profile rollup days it read cost (none when they were fresh). */
  readonly builds: readonly QueryStats[];
  /** What the query found for each slice and table. */
  readonly facts: readonly SliceFact[];
}

/** The profile rollups read no KPI setting (the rollup context wants them for others). */
const NO_KPI_SETTINGS = { privateDomainChannels: [] };

/** Checks whether the input data of `period` is complete at `now`. */
export async function checkCompleteness(
  engine: QueryEngine,
  catalog: QueryCatalog,
  period: Period,
  now: Date,
  rules: CompletenessRules = DEFAULT_COMPLETENESS_RULES,
): Promise<CompletenessCheck> {
  const window = periodWindow(period);
  const slices = completenessSlices(window, now, rules.baselineWeeks);
  if (slices.length === 0) {
    // The period has not begun at `now`: nothing to check yet.
    return { ...judgeCompleteness([], window, now, rules), stats: null, builds: [], facts: [] };
  }
  const reads = completenessReads(slices, period);
  const profiles = rollupDays(reads.profileDays);
  const prepared = await queryOverRollups(
    { engine, catalog, timeZone: period.timeZone, settings: NO_KPI_SETTINGS, now },
    COMPLETENESS_QUERY,
    { event_profile: profiles, order_profile: profiles },
  );
  const result = await engine.run(prepared.query, {
    slices: slices.map((slice) => ({
      localDate: slice.baselineOf,
      dt: slice.dt,
      dayStartUtc: slice.fromUtc,
      dayEndUtc: slice.toUtc,
    })),
    raw_partitions: reads.rawPartitions,
    profile_days: reads.profileDays,
  });
  const facts = result.rows.map(toSliceFact);
  return {
    ...judgeCompleteness(facts, window, now, rules),
    stats: result.stats,
    builds: prepared.stats,
    facts,
  };
}

export const WINDOW_PARTITIONS_QUERY = "partition_records";

/**
 * The partitions before the period that the metrics' windows cover, per checked table,
 * with the metrics reading each (the period's own partitions are the slices' business).
 */
export function windowTargets(
  reads: Readonly<Record<string, TableDays>>,
  period: Period,
  rules: Pick<CompletenessRules, "tables">,
): WindowTargets {
  const own = new Set(periodWindow(period).partitions);
  const targets: Record<string, Record<IsoDate, string[]>> = {};
  for (const [metricId, days] of Object.entries(reads)) {
    const partitions = partitionsOf(days, period.timeZone);
    for (const table of Object.keys(partitions) as FactTable[]) {
      if (!rules.tables.includes(table)) continue;
      for (const dt of partitions[table]) {
        if (own.has(dt) || dt > period.end) continue;
        const byDt = targets[table] ?? {};
        targets[table] = byDt;
        byDt[dt] = [...(byDt[dt] ?? []), metricId];
      }
    }
  }
  return targets;
}

type PartitionReads = ReturnType<typeof windowPartitionReads>;

/**
 * The reads without the partitions before each table's first one, when the engine's rollup
 * storage can list them (the listing the profiles' refresh makes anyway): a 372-day window
 * over a lake of 40 days then reads 40 days of profiles, not 400. Without storage (rollups
 * inlined) the reads are kept whole.
 */
async function sinceLakeBegan(
  engine: QueryEngine,
  reads: PartitionReads,
  timeZone: string,
): Promise<PartitionReads> {
  const storage = engine.rollups;
  if (!storage) return reads;
  const trimmed: Record<string, { dts: IsoDate[]; days: IsoDate[] }> = {};
  for (const [table, { dts, days }] of Object.entries(reads)) {
    const fingerprints = await storage.fingerprints(table, dts);
    const first = dts.find((dt) => (fingerprints[dt] ?? "") !== "");
    if (first === undefined) continue;
    // The first local day holding any of that partition's hours.
    const firstDay = localDateOf(new Date(`${first}T00:00:00Z`), timeZone);
    trimmed[table] = {
      dts: dts.filter((dt) => dt >= first),
      days: days.filter((day) => day >= firstDay),
    };
  }
  return trimmed;
}

/** The window check's issues, what it read and what that cost. */
export interface WindowCheck {
  readonly issues: readonly CompletenessIssue[];
  readonly records: readonly PartitionRecords[];
  readonly stats: QueryStats | null;
  readonly builds: readonly QueryStats[];
}

/**
 * Checks the partitions before the period inside the metrics' windows, whole: missing, or
 * far thinner than the same weekday's trailing median (`judgeWindowPartitions`). The
 * counts come from the profile rollups (`queries/partition_records.sql`), which their
 * manifests keep fresh against the partitions' listing: a steady run reads no raw
 * partition for it, and a deleted or changed partition rebuilds only the days it overlaps.
 */
export async function checkWindowPartitions(
  engine: QueryEngine,
  catalog: QueryCatalog,
  period: Period,
  now: Date,
  targets: WindowTargets,
  rules: CompletenessRules = DEFAULT_COMPLETENESS_RULES,
): Promise<WindowCheck> {
  if (Object.keys(targets).length === 0)
    return { issues: [], records: [], stats: null, builds: [] };
  const reads = await sinceLakeBegan(
    engine,
    windowPartitionReads(targets, rules.baselineWeeks, period.timeZone),
    period.timeZone,
  );
  // A table without targets still needs a day and a partition for the query to be valid;
  // the period's last day holds no target partition, and its counts are not judged.
  const filler = { dts: [period.end], days: [period.end] };
  const events = reads.events ?? filler;
  const orders = reads.orders ?? filler;
  // Fresh: the days it counts; read: their range (a day between them is read too, and its
  // rows are of dts not asked for, or it would be one of the days).
  const eventDays = rollupDays(events.days);
  const orderDays = rollupDays(orders.days);
  const eventDts = rollupDays(events.dts);
  const orderDts = rollupDays(orders.dts);
  const prepared = await queryOverRollups(
    { engine, catalog, timeZone: period.timeZone, settings: NO_KPI_SETTINGS, now },
    WINDOW_PARTITIONS_QUERY,
    { event_profile: eventDays, order_profile: orderDays },
  );
  const result = await engine.run(prepared.query, {
    event_first_day: eventDays.from,
    event_last_day: eventDays.to,
    event_first_dt: eventDts.from,
    event_last_dt: eventDts.to,
    order_first_day: orderDays.from,
    order_last_day: orderDays.to,
    order_first_dt: orderDts.from,
    order_last_dt: orderDts.to,
  });
  // The query counts every dt of the ranges; the check judges those it asked for.
  const asked = { events: new Set(events.dts), orders: new Set(orders.dts) };
  const records = result.rows
    .map((row) => ({
      table: String(row.table_name),
      dt: String(row.dt),
      records: Number(row.records ?? 0),
    }))
    .filter((row) => asked[row.table as keyof typeof asked]?.has(row.dt) ?? false);
  return {
    issues: judgeWindowPartitions(records, targets, rules),
    records,
    stats: result.stats,
    builds: prepared.stats,
  };
}

/**
 * The report use case's completeness gate: checks the period with the rules of
 * `config/alerts.yaml` (nothing when the gate is switched off there), then every partition
 * before it inside the windows its metrics read (`context.reads`), and, when the data is
 * incomplete, heads the managers' email with a notice naming table, partition and counts.
 * Its result names every partition checked per table (`partitions`) and every one found
 * missing or thin (`issues`, with the metrics a window partition makes incomplete).
 */
export function createCompletenessGate(deps: {
  readonly engine: QueryEngine;
  readonly catalog: QueryCatalog;
}): CompletenessGate {
  return {
    name: "completeness",
    async check(context) {
      const rules = (context.config.alerts ?? DEFAULT_ALERT_SETTINGS).completeness;
      if (!rules) return { issues: [] };
      const engine = engineForZone(deps.engine, context.period.timeZone, context.config);
      const check = await checkCompleteness(
        engine,
        deps.catalog,
        context.period,
        context.now,
        rules,
      );
      const targets = windowTargets(context.reads ?? {}, context.period, rules);
      const windows = await checkWindowPartitions(
        engine,
        deps.catalog,
        context.period,
        context.now,
        targets,
        rules,
      );
      const issues = [...(check.complete ? [] : check.issues), ...windows.issues];
      // The notice is read in the email this run delivers: a re-run then needs --resend.
      const command = rerunCommand(context.request, context.period, context.config, {
        afterDelivery: true,
      });
      const partitions: Record<string, IsoDate[]> = {};
      const periodPartitions = periodWindow(context.period).partitions;
      for (const table of rules.tables) {
        partitions[table] = [...Object.keys(targets[table] ?? {}), ...periodPartitions].sort();
      }
      return {
        issues,
        partitions,
        notices: issues.length > 0 ? [managerNotice(issues, command)] : [],
        checked: check.checked,
        stats: [...(check.stats ? [check.stats] : []), ...(windows.stats ? [windows.stats] : [])],
        builds: [...check.builds, ...windows.builds],
      };
    },
  };
}

/** The managers' notice for an incomplete period, in both languages. */
export function managerNotice(issues: readonly CompletenessIssue[], command: string): ReportNotice {
  const text = (locale: Locale) => {
    const format = valueFormatter(locale, "CNY");
    const strings = ALERT_STRINGS[locale];
    const listed = issues.map((issue) => strings.issue(issue, (n) => format.number(n)));
    return strings.managerNotice(listed.join("; "), command);
  };
  return { level: "warning", text: { en: text("en"), "zh-CN": text("zh-CN") } };
}

function toSliceFact(row: Row): SliceFact {
  return {
    table: String(row.table_name),
    baselineOf: String(row.baseline_of).slice(0, 10),
    dt: String(row.dt),
    sliceRows: Number(row.slice_rows ?? 0),
    partitionRows: Number(row.partition_rows ?? 0),
    // Cells are ISO 8601 UTC by the port's contract; normalise the precision.
    newestTime:
      row.newest_time === null || row.newest_time === undefined
        ? null
        : new Date(String(row.newest_time)).toISOString(),
  };
}
