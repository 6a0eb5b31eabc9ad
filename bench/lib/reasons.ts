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

/** What the peer's reason reads: its median run time (results.peer.run). */
export interface PeerFigures {
  readonly run: { readonly median: number };
}

/** What the cold-init reasons read: each bundle's size and cold starts (results.lambdas). */
export interface LambdaFigures {
  readonly bundles: readonly {
    readonly name: string;
    readonly bundleBytes: number;
    readonly coldStart: Readonly<
      Record<
        "totalMs" | "bootMs" | "importMs" | "filesMs",
        { readonly median: number; readonly min: number; readonly max: number }
      >
    >;
  }[];
}

/** `goals` with a `reason` on each one not met that this module can explain. */
export function withReasons(
  goals: readonly GoalCheck[],
  queries: { readonly daily?: QueryFigures; readonly weekly?: QueryFigures },
  peer?: PeerFigures,
  lambdas?: LambdaFigures,
): GoalCheck[] {
  return goals.map((goal) => {
    if (goal.met) return goal;
    const reason = reasonFor(goal.id, queries, peer, lambdas);
    return reason ? { ...goal, reason } : goal;
  });
}

const COLD_INIT = "cold_init_";

/**
 * Where a handler's cold init went, and whether its bundle explains it: a handler of the
 * same run with a bundle as large or larger that started faster says it does not.
 */
function coldInit(name: string, lambdas: LambdaFigures): string | undefined {
  const bundle = lambdas.bundles.find((b) => b.name === name);
  if (!bundle) return undefined;
  const { totalMs, bootMs, importMs, filesMs } = bundle.coldStart;
  const faster = lambdas.bundles.filter(
    (other) =>
      other.name !== name &&
      other.bundleBytes >= bundle.bundleBytes &&
      other.coldStart.totalMs.median < totalMs.median,
  );
  return [
    `Node start ${formatMs(bootMs.median)}, the import of its ${formatBytes(bundle.bundleBytes)} bundle ${formatMs(importMs.median)}, templates and config ${formatMs(filesMs.median)} (medians; the starts took ${formatMs(totalMs.min)} to ${formatMs(totalMs.max)}).`,
    faster.length > 0
      ? `In the same run ${faster.map((other) => `${other.name} (${formatBytes(other.bundleBytes)}) started in ${formatMs(other.coldStart.totalMs.median)}`).join(", ")}: a larger bundle started faster, so the time is the machine's at that moment, not the bundle's.`
      : `The import is ${Math.round((100 * importMs.median) / totalMs.median)} % of it: a smaller bundle would start faster.`,
  ].join(" ");
}

function reasonFor(
  id: string,
  queries: { readonly daily?: QueryFigures; readonly weekly?: QueryFigures },
  peer: PeerFigures | undefined,
  lambdas: LambdaFigures | undefined,
): string | undefined {
  if (id.startsWith(COLD_INIT) && lambdas) return coldInit(id.slice(COLD_INIT.length), lambdas);
  if (id === "daily_vs_floor" && queries.daily) return computeBound(queries.daily);
  if (id === "peer" && queries.daily && peer) return peerBound(queries.daily, peer);
  if (id === "scans_daily" && queries.daily) return rereads(queries.daily);
  if (id === "scans_weekly" && queries.weekly) return rereads(queries.weekly);
  if (id === "weekly_time" && queries.weekly) return slowest(queries.weekly, "weekly");
  return undefined;
}

/** A run's time in its rollup builds (the day rollups, the staged reads, the states). */
function buildMs(run: QueryFigures): number {
  return run.perQuery
    .filter((q) => q.query.startsWith("rollup_"))
    .reduce((sum, q) => sum + q.elapsedMs, 0);
}

const listed = (queries: readonly { query: string; elapsedMs: number }[]) =>
  queries.map((q) => `${q.query} ${formatMs(q.elapsedMs)}`).join(", ");

function slowest(run: QueryFigures, kind: string): string {
  const sorted = [...run.perQuery].sort((a, b) => b.elapsedMs - a.elapsedMs).slice(0, 5);
  const states = run.perQuery.filter(
    (q) => q.query === "rollup_rfm_week" || q.query === "rollup_activity_week",
  );
  return [
    `The ${kind} run's slowest queries: ${listed(sorted)} (of ${formatMs(run.wallMs)}).`,
    states.length > 0
      ? `The week's RFM and activity states are carried from the week before's (${listed(states)}: each rewrites one row per customer or user of the window);`
      : "The week's RFM and activity states were already built;",
    "the exact RFM medians count every distinct R, F and M value of both 365-day windows (rfm_segments), and user_kpis groups 90 days of paid orders per buyer (MAU and the private-domain customers come from the activity state, the week's own days from user_day).",
  ].join(" ");
}

function computeBound(daily: QueryFigures): string {
  const builds = buildMs(daily);
  const rest = [...daily.perQuery]
    .filter((q) => !q.query.startsWith("rollup_"))
    .sort((a, b) => b.elapsedMs - a.elapsedMs)
    .slice(0, 3);
  const buildCount = daily.perQuery.filter((q) => q.query.startsWith("rollup_")).length;
  return [
    "The run is bound by computing, not reading: the floor only decodes the columns the run reads, the run aggregates them.",
    `A daily run builds its new day: ${buildCount} rollup statements (one staged read of each raw table, the day rollups written from it, the daily activity state and the user-state fold) take ${formatMs(builds)} of ${formatMs(daily.wallMs)} (${Math.round((100 * builds) / daily.wallMs)} %).`,
    `The window queries' slowest: ${listed(rest)}; WAU and MAU are counts of the daily activity state's rows and paid orders are order_day rows as they are (one per order), but the 90 days of paid orders are still grouped per buyer.`,
  ].join(" ");
}

function peerBound(daily: QueryFigures, peer: PeerFigures): string {
  const builds = buildMs(daily);
  const windows = daily.wallMs - builds;
  return [
    `The peer aggregates the raw windows in ${formatMs(peer.run.median)}; the product's run reads them from rollups but also builds its new day's rollups (${formatMs(builds)} of ${formatMs(daily.wallMs)}), which the peer never does.`,
    windows > 0
      ? `Against the product's window queries alone (${formatMs(windows)}) the peer is ${(peer.run.median / windows).toFixed(1)}× slower.`
      : "",
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
    "The rollup builds read each raw table once (rollup_source_<table>: one staged read feeds every day rollup of that table), and later queries of the run read the staged partitions from memory; a run that builds no day (a weekly run after Monday's daily run) has no staged read, so its completeness gate and freshness read the newest partition raw each; the windows are read from the rollups once, and dimensions by each query that joins them.",
  ].join(" ");
}
