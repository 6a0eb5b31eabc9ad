/**
 * Why a goal is not met, in the report itself (issue 11: "names the ones not met with the
 * reason"). Each reason is worked out from this run's own figures: which query takes the
 * time, which queries read a table again; the analysis behind the words is in
 * docs/performance.md.
 */
import type { GoalCheck } from "./stats.ts";
import { formatBytes, formatMs } from "./stats.ts";

/** What the reasons read from a run's results (the `queries` section of report.json). */
export interface QueryFigures {
  readonly wallMs: number;
  readonly perQuery: readonly {
    readonly query: string;
    readonly elapsedMs: number;
    readonly partitionsRead: Readonly<Record<string, number>>;
    readonly tables: Readonly<Record<string, { readonly bytes: number }>>;
  }[];
  readonly tables: readonly {
    readonly table: string;
    readonly readAmplification: number;
    readonly bytesRead: number;
    readonly distinctBytes: number;
  }[];
}

/** `goals` with a `reason` on each one not met that this module can explain. */
export function withReasons(
  goals: readonly GoalCheck[],
  queries: { readonly daily?: QueryFigures; readonly weekly?: QueryFigures },
): GoalCheck[] {
  return goals.map((goal) => {
    if (goal.met) return goal;
    const reason = reasonFor(goal.id, queries);
    return reason ? { ...goal, reason } : goal;
  });
}

function reasonFor(
  id: string,
  queries: { readonly daily?: QueryFigures; readonly weekly?: QueryFigures },
): string | undefined {
  if (id === "daily_vs_floor" && queries.daily) return computeBound(queries.daily);
  if (id === "scans_daily" && queries.daily) return rereads(queries.daily);
  if (id === "scans_weekly" && queries.weekly) return rereads(queries.weekly);
  if (id === "weekly_time" && queries.weekly) return slowest(queries.weekly, "weekly");
  return undefined;
}

function slowest(run: QueryFigures, kind: string): string {
  const sorted = [...run.perQuery].sort((a, b) => b.elapsedMs - a.elapsedMs).slice(0, 5);
  return [
    `The ${kind} run's slowest queries: ${sorted.map((q) => `${q.query} ${formatMs(q.elapsedMs)}`).join(", ")} (of ${formatMs(run.wallMs)}).`,
    `RFM still ranks every customer of two 365-day windows from the order_day rollup at each run (a per-customer state carried week to week is not built), and lifecycle, content and efficiency each read a week of user_day rows or raw events.`,
  ].join(" ");
}

function computeBound(daily: QueryFigures): string {
  const sorted = [...daily.perQuery].sort((a, b) => b.elapsedMs - a.elapsedMs);
  const slowest = sorted[0];
  const share = slowest ? Math.round((100 * slowest.elapsedMs) / daily.wallMs) : 0;
  return [
    `The run is bound by computing, not reading: the floor only decodes the columns, the run aggregates them.`,
    slowest
      ? `Its slowest query, ${slowest.query}, takes ${formatMs(slowest.elapsedMs)} (${share} % of ${formatMs(daily.wallMs)}): distinct users over 30 days are a group-by of every user-day row into users, and paid orders are de-duplicated over 90 days.`
      : "",
    `The other ${daily.perQuery.length - 1} queries each pay parsing, planning and their first file.`,
    `MAU, WAU and the private-domain MAU are filtered counts of user_day rows (each row carries the user's previous active day), so user_kpis no longer groups the window's rows into users; the run's remaining cost is spread over its queries (the content, data-quality and identity-coverage queries read day rollups; the completeness gate's last partition and the run's local day so far are read raw, and each query pays parsing, planning and its first files).`,
  ]
    .filter(Boolean)
    .join(" ");
}

function rereads(run: QueryFigures): string {
  const repeated = run.tables.filter((table) => table.readAmplification > 1);
  const parts = repeated.map((table) => {
    const readers = run.perQuery
      .filter((query) => (query.tables[table.table]?.bytes ?? 0) > 0)
      .map((query) => query.query);
    return `${table.table} (${formatBytes(table.distinctBytes)}, ${formatBytes(table.bytesRead - table.distinctBytes)} read again) by ${readers.join(", ")}`;
  });
  return [
    `Read again: ${parts.join("; ")}.`,
    `The rollup builds read each raw table once (rollup_source_<table>: one staged read feeds every day rollup of that table, content, data quality and identity coverage included), and the windows (the bulk of a run's bytes) are read from the rollups once; two raw reads remain: the completeness gate reads the period's last dt partition raw (in a zone east of UTC its tail is the next, unfinished local day), and freshness reads the run's local day so far raw (efficiency_events_days); dimensions are read by each query that joins them.`,
  ].join(" ");
}
