/**
 * Report runs inside the benchmark process: the same use case and adapters as
 * `opspulse run` (DuckDB over the lake, files, the outbox, the alert hook), with a fixed
 * clock and the engine reporting what each query read.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { createFsAlertStateStore } from "../../functions/lib/adapters/fs-alert-state.ts";
import { createFsStores } from "../../functions/lib/adapters/fs-store.ts";
import { createOutboxMailer } from "../../functions/lib/adapters/outbox-mailer.ts";
import { type OnCallDeps, runReportWithAlerts } from "../../functions/lib/alerts/on-call.ts";
import { loadConfig } from "../../functions/lib/config/load.ts";
import type { Clock, QueryEngine } from "../../functions/lib/ports.ts";
import { loadSources, QueryCatalog, type SourceDecl } from "../../functions/lib/query/catalog.ts";
import { sqlString } from "../../functions/lib/query/sql-literal.ts";
import { loadReportTemplates } from "../../functions/lib/report/email/render.ts";
import type { RunReportRequest, RunReportSummary } from "../../functions/lib/report/run-report.ts";
import type { QueryRead, RawSql } from "./reads.ts";

/** One lake opened for report runs. */
export interface BenchRuntime {
  readonly lakeDir: string;
  readonly sources: readonly SourceDecl[];
  readonly deps: OnCallDeps;
  readonly raw: RawSql;
  close(): Promise<void>;
  /** Runs the report (with the alert hook, as the CLI does) and returns what it read. */
  run(request: RunReportRequest): Promise<MeasuredRun>;
  /** Runs `body` on the engine (the peer's statements) and returns its time and reads. */
  measure(body: (engine: QueryEngine) => Promise<unknown>): Promise<Omit<MeasuredRun, "summary">>;
}

export interface MeasuredRun {
  /** Wall time of the run. */
  readonly ms: number;
  /**
   * CPU time of this process during the run (all DuckDB threads included): unlike wall
   * time, hardly moved by other processes on a shared machine.
   */
  readonly cpuMs: number;
  readonly summary: RunReportSummary;
  readonly reads: readonly QueryRead[];
}

/** Opens DuckDB over `lakeDir` with stores and outbox under `outDir`. */
export async function openBenchRuntime(options: {
  readonly lakeDir: string;
  readonly outDir: string;
  readonly configDir: string;
  readonly clock: Clock;
  /** Build and read rollups (the engine's default); false: every run reads raw data. */
  readonly rollups?: boolean;
}): Promise<BenchRuntime> {
  const sources = loadSources();
  let reads: QueryRead[] = [];
  const engine = await createDuckDbEngine({
    lakeDir: options.lakeDir,
    sources,
    ...(options.rollups === false ? { rollups: false } : {}),
    onQueryRead: (read) => reads.push(read),
  });
  mkdirSync(options.outDir, { recursive: true });
  const stores = createFsStores(options.outDir);
  const deps: OnCallDeps = {
    engine,
    catalog: new QueryCatalog(),
    snapshots: stores.snapshots,
    deliveries: stores.deliveries,
    runLog: stores.runLog,
    mailer: createOutboxMailer({ dir: join(options.outDir, "outbox"), clock: options.clock }),
    alertState: createFsAlertStateStore({ dir: join(options.outDir, "alerts", "state") }),
    clock: options.clock,
    config: loadConfig(options.configDir),
    templates: loadReportTemplates(),
  };
  return {
    lakeDir: options.lakeDir,
    sources,
    deps,
    raw: (sql) => engine.raw(sql),
    close: () => engine.close(),
    async run(request) {
      reads = [];
      const cpu = process.cpuUsage();
      const started = performance.now();
      const summary = await runReportWithAlerts(deps, request);
      const ms = performance.now() - started;
      return { ms, cpuMs: cpuMsSince(cpu), summary, reads };
    },
    async measure(body) {
      reads = [];
      const cpu = process.cpuUsage();
      const started = performance.now();
      await body(engine);
      const ms = performance.now() - started;
      return { ms, cpuMs: cpuMsSince(cpu), reads };
    },
  };
}

/**
 * Removes the rollup partitions of `dates` (every rollup), so that the next run builds them
 * from raw data as the first run of that day does in production. A lake without rollups is
 * left as it is.
 */
export function dropRollupDays(lakeDir: string, dates: readonly string[]): number {
  const root = join(lakeDir, "rollups");
  if (!existsSync(root)) return 0;
  let dropped = 0;
  for (const rollup of readdirSync(root)) {
    if (rollup.startsWith("_")) continue;
    for (const date of dates) {
      const folder = join(root, rollup, `local_date=${date}`);
      if (existsSync(folder)) {
        rmSync(folder, { recursive: true, force: true });
        dropped++;
      }
    }
  }
  return dropped;
}

/** Removes every rollup of the lake (the next run builds its whole window). */
export function dropAllRollups(lakeDir: string): void {
  rmSync(join(lakeDir, "rollups"), { recursive: true, force: true });
}

/** What the floor scan reads of one table. */
export interface FloorTable {
  readonly table: string;
  readonly files: readonly string[];
  readonly columns: readonly string[];
}

/**
 * The physical floor of a run: one DuckDB scan per table of exactly the files the run read,
 * decoding the columns its queries read (`count(*)` and one cheap aggregate per column, so
 * every value is decoded and nothing else is done). Returns the time of each table's scan.
 */
export async function floorScan(
  raw: RawSql,
  tables: readonly FloorTable[],
): Promise<{
  readonly ms: number;
  readonly cpuMs: number;
  readonly byTable: Readonly<Record<string, number>>;
}> {
  const byTable: Record<string, number> = {};
  let total = 0;
  let cpuTotal = 0;
  for (const table of tables) {
    if (table.files.length === 0) continue;
    const list = table.files.map(sqlString).join(", ");
    const types = new Map(
      (await raw(`DESCRIBE SELECT * FROM read_parquet(${sqlString(table.files[0] ?? "")})`)).map(
        (row) => [String(row.column_name), String(row.column_type)],
      ),
    );
    const aggregates = table.columns
      .filter((column) => types.has(column))
      .map((column, i) => `${aggregateFor(column, types.get(column) ?? "")} AS c${i}`);
    const sql = `SELECT count(*) AS n${aggregates.map((a) => `, ${a}`).join("")} FROM read_parquet([${list}])`;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await raw(sql);
    const ms = performance.now() - started;
    cpuTotal += cpuMsSince(cpu);
    byTable[table.table] = ms;
    total += ms;
  }
  return { ms: total, cpuMs: cpuTotal, byTable };
}

/** CPU time (user and system, every thread) of this process since `start`, in ms. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function aggregateFor(column: string, type: string): string {
  const quoted = `"${column.replaceAll('"', '""')}"`;
  if (type === "VARCHAR") return `sum(length(${quoted}))`;
  if (type === "BOOLEAN") return `count_if(${quoted})`;
  if (/^(DECIMAL|BIGINT|INTEGER|DOUBLE|HUGEINT|SMALLINT|TINYINT|FLOAT)/.test(type)) {
    return `sum(${quoted})`;
  }
  return `max(${quoted})`;
}
