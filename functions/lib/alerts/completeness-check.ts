/**
 * Runs the data-completeness gate for one period: builds the slices
 * (functions/lib/kpi/completeness.ts), reads their facts with `queries/completeness.sql` on
 * the engine, and judges them. One query, reading only the period's partitions and the same
 * weekdays of the weeks before.
 *
 * {@link createCompletenessGate} plugs it into the report use case before evaluation, with
 * the managers' notice for an incomplete period.
 */
import {
  type CompletenessIssue,
  type CompletenessRules,
  type CompletenessVerdict,
  completenessSlices,
  DEFAULT_COMPLETENESS_RULES,
  judgeCompleteness,
  type SliceFact,
} from "../kpi/completeness.ts";
import type { Locale } from "../kpi/registry.ts";
import { type Period, periodWindow } from "../kpi/windows.ts";
import type { QueryEngine, QueryStats, Row } from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import { valueFormatter } from "../report/email/i18n.ts";
import type { ReportNotice } from "../report/email/model.ts";
import { type CompletenessGate, rerunCommand } from "../report/run-report.ts";
import { DEFAULT_ALERT_SETTINGS } from "./config.ts";
import { ALERT_STRINGS } from "./strings.ts";

export const COMPLETENESS_QUERY = "completeness";

/** The verdict and the cost of the query that led to it. */
export interface CompletenessCheck extends CompletenessVerdict {
  readonly stats: QueryStats | null;
}

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
    return { ...judgeCompleteness([], window, now, rules), stats: null };
  }
  const result = await engine.run(catalog.get(COMPLETENESS_QUERY), {
    slices: slices.map((slice) => ({
      localDate: slice.baselineOf,
      dt: slice.dt,
      dayStartUtc: slice.fromUtc,
      dayEndUtc: slice.toUtc,
    })),
    partitions: [...new Set(slices.map((slice) => slice.dt))].sort(),
  });
  const facts = result.rows.map(toSliceFact);
  return { ...judgeCompleteness(facts, window, now, rules), stats: result.stats };
}

/**
 * The report use case's completeness gate: checks the period with the rules of
 * `config/alerts.yaml` (nothing when the gate is switched off there) and, when the data is
 * incomplete, heads the managers' email with a notice naming table, partition and counts.
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
      const check = await checkCompleteness(
        deps.engine,
        deps.catalog,
        context.period,
        context.now,
        rules,
      );
      const issues = check.complete ? [] : check.issues;
      const command = rerunCommand(context.request, context.period, context.config);
      return {
        issues,
        notices: issues.length > 0 ? [managerNotice(issues, command)] : [],
        checked: check.checked,
        stats: check.stats ? [check.stats] : [],
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
