/**
 * The embedded `QueryEngine`: DuckDB over a local lake laid out like the S3 one.
 *
 * Each logical table of `queries/_sources.yaml` becomes a view over its files, with Hive
 * partitioning (`dt` read as VARCHAR, as in Athena's projection) so that a `dt` filter
 * prunes whole folders. Columns are cast to the data contract's types, so a retyped column
 * reads the same as a good one, and a file missing a column fails naming it.
 *
 * Pruning is real, not just in the plan: DuckDB's binder opens the first file of a view to
 * learn its schema, and with `union_by_name` every file (duckdb/duckdb#8018), so each
 * partitioned view lists an empty schema file (outside the lake, `dt=0000-00-00`) first and
 * does not union by name; a query then opens only the files of the partitions it selects.
 * Each `run` records which lake files DuckDB opened (its FileSystem log) and reports the
 * `dt` partitions and bytes they hold in `QueryStats`.
 *
 * A view's glob lists every partition folder of its table at every query (microseconds a
 * folder, but a lake keeps years of them). A query whose header names the partitions it
 * reads (`-- @partitions events :events_dts`) reads that table through a CTE over just
 * those partitions' files instead, so its cost stays flat as history grows. That list has
 * no schema file in front (only a scope without files reads the schema file alone): DuckDB
 * estimates a file list's rows from its first file, and an empty one made every scoped
 * read look empty to its planner (windows sorted on one thread, joins hashing the bigger
 * side: the weekly run took 30 % longer). A list scope of `[""]` names no partition.
 */
import {
  existsSync,
  globSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBInstance as Instance,
  StatementType,
} from "@duckdb/node-api";
import { type SqlType, TABLES, type TableSpec } from "../contract/schema.ts";
import { dateRange } from "../kpi/windows.ts";
import type { Cell, QueryEngine, QueryResult, QueryStats, Row } from "../ports.ts";
import { loadSources, type SourceDecl } from "../query/catalog.ts";
import {
  bindParams,
  isCalendarDate,
  type PartitionScope,
  prependCtes,
  type QueryFile,
  type QueryParams,
} from "../query/query-file.ts";
import { globPathProblem, sqlString } from "../query/sql-literal.ts";
import { createLocalRollupStorage, ROLLUP_STAGING_DIR } from "../rollups/local-storage.ts";
import { type RollupColumnType, rollupSpec } from "../rollups/schema.ts";
import { USER_STATE, USER_STATE_COLUMNS } from "../rollups/user-state.ts";
import { weeklyStateSpec } from "../rollups/weekly-state.ts";
import { createHeldRaw, type HeldRaw } from "./duckdb-held-raw.ts";

/** Options of {@link createDuckDbEngine}. */
export interface DuckDbEngineOptions {
  /** Root folder of the local lake (`<lake>/events/dt=…/*.parquet`, …). */
  readonly lakeDir: string;
  /** Logical tables; defaults to `queries/_sources.yaml`. */
  readonly sources?: readonly SourceDecl[];
  /** Worker threads (default: DuckDB's choice, one per core). */
  readonly threads?: number;
  /**
   * Keep the rollup tables in the lake (`<lake>/rollups/`), built by the runs (default
   * true). Off, queries read the rollups inlined from the raw data of their whole window.
   */
  readonly rollups?: boolean;
  /**
   * Read-only: the engine reads files under the lake only (DuckDB's `allowed_directories`,
   * then `enable_external_access = false` and `lock_configuration`, so no statement can
   * turn them back), runs only single `SELECT` statements, and keeps no rollups (building
   * one writes). For `opspulse sql --file`, which runs a person's query file.
   */
  readonly readOnly?: boolean;
  /**
   * Called after each query with its bound SQL and the lake files it opened: the benchmark
   * reads bytes per table and the columns read from them (`QueryStats` keeps totals only).
   */
  readonly onQueryRead?: (read: {
    readonly query: string;
    readonly sql: string;
    readonly files: readonly string[];
  }) => void;
}

/** A query failed in DuckDB; the message names the query and DuckDB's reason. */
export class DuckDbQueryError extends Error {
  override name = "DuckDbQueryError";
}

/** A lake folder DuckDB cannot read safely (its path holds a glob character). */
export class LakePathError extends Error {
  override name = "LakePathError";
}

/** Creates a DuckDB engine over `lakeDir`. Close it when done. */
export async function createDuckDbEngine(options: DuckDbEngineOptions): Promise<
  QueryEngine & {
    /** Runs raw SQL (no parameter binding): for tests, the generator and the benchmark. */
    raw(sql: string): Promise<Row[]>;
    endRun(): Promise<void>;
    readonly connection: DuckDBConnection;
  }
> {
  const lakeDir = resolve(options.lakeDir);
  const pathProblem = globPathProblem(lakeDir);
  if (pathProblem) throw new LakePathError(`cannot read the lake: ${pathProblem}`);
  const config: Record<string, string> = {};
  if (options.threads) config.threads = String(options.threads);
  const instance: Instance = await DuckDBInstance.create(":memory:", config);
  const connection = await instance.connect();
  const sources = options.sources ?? loadSources();
  const schemaDir = mkdtempSync(join(tmpdir(), "opspulse-duckdb-schema-"));
  /** The empty schema file of each partitioned Parquet table (see the module comment). */
  const schemaFiles = new Map<string, string>();
  const bindView = async (source: SourceDecl) => {
    // A view bound again (its table's first files arrived) keeps its schema file.
    const schemaFile =
      schemaFiles.get(source.name) ?? (await writeSchemaFile(connection, schemaDir, source));
    if (schemaFile) schemaFiles.set(source.name, schemaFile);
    await connection.run(viewSql(lakeDir, source, schemaFile));
  };
  try {
    for (const source of sources) await bindView(source);
    // On for the engine's life: each run empties the log first and reads what it opened.
    await connection.run("CALL enable_logging('FileSystem')");
    if (options.readOnly) await lockDown(connection, [lakeDir, schemaDir]);
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    rmSync(schemaDir, { recursive: true, force: true });
    throw error;
  }

  const raw = async (sql: string): Promise<Row[]> => {
    const reader = await connection.runAndReadAll(sql);
    const types = reader.columnTypes().map((t) => t.toString());
    const names = reader.columnNames();
    return reader.getRowObjectsJson().map((row) => {
      const out: Record<string, Cell> = {};
      names.forEach((name, i) => {
        out[name] = toCell(row[name], types[i] ?? "");
      });
      return out;
    });
  };

  // The log's OPEN entries, picked by their text and parsed here: `duckdb_logs_parsed`
  // parses every entry (a READ per column chunk: ~6,000 a window query), which took 16 ms
  // a query on the bench lake, against 4 ms for this.
  const openedFiles = async (): Promise<string[]> => {
    const opened = await connection.runAndReadAll(
      `SELECT DISTINCT message FROM duckdb_logs WHERE type = 'FileSystem' AND message LIKE '%"op":"OPEN"%'`,
    );
    const paths = new Set<string>();
    for (const [message] of opened.getRowsJson()) {
      const entry = JSON.parse(String(message)) as { path?: unknown; op?: unknown };
      if (entry.op === "OPEN" && typeof entry.path === "string") paths.add(entry.path);
    }
    return [...paths].sort();
  };
  /** The files the last failed query had opened, for its error message. */
  let openedByFailure: string[] = [];

  /** Runs `sql` with DuckDB's file-system log emptied, and returns the rows and the files opened. */
  const runLogged = async (sql: string): Promise<{ rows: Row[]; opened: string[] }> => {
    await connection.run("CALL truncate_duckdb_logs()");
    try {
      const rows = await raw(sql);
      return { rows, opened: await openedFiles() };
    } catch (error) {
      openedByFailure = await openedFiles().catch(() => []);
      throw error;
    }
  };

  // One connection runs one statement at a time; queue runs so each reads its own log.
  let queue: Promise<unknown> = Promise.resolve();

  /** Runs one statement in the queue and measures what it read. */
  const execute = (name: string, statement: string | (() => string)): Promise<QueryResult> => {
    const result = queue.then(async () => {
      // Rendered in its turn: a scoped query lists its partitions' files now, after the
      // statements ahead of it (a rollup build swapping a day in) have run.
      const sql = typeof statement === "string" ? statement : statement();
      if (options.readOnly) await assertOneSelect(connection, name, sql);
      const started = performance.now();
      let outcome: { rows: Row[]; opened: string[] };
      try {
        outcome = await runLogged(sql);
      } catch (error) {
        const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
        // DuckDB names the file for most read errors, not for every cast: find it.
        const file =
          DATA_ERROR.test(reason ?? "") && !reason?.includes(lakeDir)
            ? await unreadableFile(connection, lakeDir, sources, openedByFailure)
            : undefined;
        throw new DuckDbQueryError(
          `Query ${name} failed in DuckDB: ${reason}${file ? ` (in ${file})` : ""}`,
          { cause: error },
        );
      }
      const elapsedMs = performance.now() - started;
      options.onQueryRead?.({
        query: name,
        sql,
        files: outcome.opened.filter((path) => path.startsWith(lakeDir + sep)),
      });
      return {
        rows: outcome.rows,
        stats: {
          query: name,
          elapsedMs,
          rows: outcome.rows.length,
          ...readStats(lakeDir, sources, outcome.opened),
        },
      };
    });
    queue = result.catch(() => undefined);
    return result;
  };

  const held = createHeldRaw((table, dt) => {
    const source = sources.find((s) => s.name === table);
    if (!source) throw new Error(`No source "${table}" in queries/_sources.yaml.`);
    return partitionFolder(lakeDir, source, dt);
  });
  /** `sql` (the query bound) reading its named partitions only: lists their files now. */
  const scope = (query: QueryFile, params: QueryParams, sql: string): string =>
    prependCtes(
      query.name,
      sql,
      scopedTables(query, params, { sources, schemaFiles, lakeDir, held }),
    );
  const bind = (query: QueryFile, params: QueryParams): string =>
    scope(query, params, bindParams(query, params));

  const rollupSources = sources.filter((source) => rollupSpec(source.name));
  /** Tables whose view was bound while they had no file (see `bind` below). */
  const boundEmpty = new Set(
    sources.filter((source) => !sourceFiles(lakeDir, source).hasFiles).map((s) => s.name),
  );
  const rollups =
    options.rollups !== false && !options.readOnly && rollupSources.length > 0
      ? createLocalRollupStorage({
          lakeDir,
          sources,
          run: execute,
          bindQuery: bind,
          holder: held,
          // A view bound while its table had no files reads nothing, even once files
          // arrive (a late file, a rollup's first build): bind it again, in the queue.
          // A view over files re-reads its glob at every query and needs nothing.
          bind: (table) => {
            const source = sources.find((s) => s.name === table);
            if (!source || !boundEmpty.has(table)) return Promise.resolve();
            const bound = queue.then(async () => {
              await bindView(source);
              if (sourceFiles(lakeDir, source).hasFiles) boundEmpty.delete(table);
            });
            queue = bound.catch(() => undefined);
            return bound;
          },
        })
      : undefined;

  return {
    dialect: "duckdb",
    connection,
    raw,
    ...(rollups ? { rollups } : {}),
    async lakeFirstDay() {
      return firstPartition(lakeDir, sources);
    },
    run(query: QueryFile, params: QueryParams): Promise<QueryResult> {
      // Parameters are bound now (a bad call rejects at once); files are listed in turn.
      let sql: string;
      try {
        sql = bindParams(query, params);
      } catch (error) {
        return Promise.reject(error);
      }
      return execute(query.name, () => scope(query, params, sql));
    },
    async endRun() {
      for (const relation of held.clear()) {
        await execute("held_raw_release", `DROP TABLE IF EXISTS ${relation}`);
      }
    },
    async close() {
      await queue;
      connection.closeSync();
      instance.closeSync();
      rmSync(schemaDir, { recursive: true, force: true });
    },
  };
}

/**
 * Locks the instance down to reading files under `folders` (DuckDB's documented way to
 * run untrusted SQL: allowed directories, external access off, configuration locked).
 */
async function lockDown(connection: DuckDBConnection, folders: readonly string[]): Promise<void> {
  const allowed = folders.map((folder) => sqlString(`${folder}${sep}`)).join(", ");
  await connection.run(`SET allowed_directories = [${allowed}]`);
  await connection.run("SET enable_external_access = false");
  await connection.run("SET lock_configuration = true");
}

/** Refuses anything but one `SELECT` statement (no COPY, ATTACH, SET, CREATE…). */
async function assertOneSelect(
  connection: DuckDBConnection,
  name: string,
  sql: string,
): Promise<void> {
  let type: StatementType | undefined;
  try {
    const statements = await connection.extractStatements(sql);
    type = statements.count === 1 ? (await statements.prepare(0)).statementType : undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new DuckDbQueryError(`Query ${name} failed in DuckDB: ${reason}`, { cause: error });
  }
  if (type !== StatementType.SELECT) {
    throw new DuckDbQueryError(
      `Query ${name} is not one SELECT statement: only queries run here (no COPY, ATTACH, SET or other statements)`,
    );
  }
}

/**
 * What the lake files a query opened hold: the `dt` partitions per partitioned table and
 * their total size (the local counterpart of Athena's bytes scanned).
 */
function readStats(
  lakeDir: string,
  sources: readonly SourceDecl[],
  opened: readonly string[],
): Pick<QueryStats, "bytesScanned" | "partitionsRead"> {
  const staging = join(lakeDir, ROLLUP_STAGING_DIR) + sep;
  // Files a rollup build writes are not read from the lake.
  const lakeFiles = opened.filter(
    (path) => path.startsWith(lakeDir + sep) && !path.startsWith(staging),
  );
  const partitionsRead: Record<string, number> = {};
  for (const source of sources) {
    if (!source.partitioned_by) continue;
    const folder = resolve(lakeDir, source.location) + sep;
    const prefix = `${source.partitioned_by}=`;
    const partitions = new Set(
      lakeFiles
        .filter((path) => path.startsWith(folder))
        .map((path) => path.slice(folder.length).split(sep)[0] ?? "")
        .filter((dir) => dir.startsWith(prefix)),
    );
    // Rollups and the states kept beside them are listed when read; raw tables always (0 is
    // a figure worth showing there).
    const derived = rollupSpec(source.name) !== undefined || source.location.startsWith("rollups/");
    if (partitions.size > 0 || !derived) {
      partitionsRead[source.name] = partitions.size;
    }
  }
  const bytesScanned = lakeFiles.reduce(
    (sum, file) => sum + (existsSync(file) ? statSync(file).size : 0),
    0,
  );
  return { bytesScanned, partitionsRead };
}

/** Errors about the data read rather than the query. */
const DATA_ERROR = /^(Conversion|Invalid Input) Error/;

/**
 * The first of `files` (those a failed query opened) that cannot be read as its table's
 * contract says — a column missing, or a value that does not cast — or undefined. Runs only
 * after a failure, and reads only the files that query had opened.
 */
async function unreadableFile(
  connection: DuckDBConnection,
  lakeDir: string,
  sources: readonly SourceDecl[],
  files: readonly string[],
): Promise<string | undefined> {
  for (const file of files) {
    if (!file.startsWith(lakeDir + sep) || !file.endsWith(".parquet")) continue;
    const source = sources.find((s) => file.startsWith(resolve(lakeDir, s.location) + sep));
    const table: TableSpec | undefined = source && TABLES[source.name as TableSpec["name"]];
    if (!table) continue;
    const casts = table.columns.map((c) => `count(CAST(${c.name} AS ${DUCKDB_TYPES[c.type]}))`);
    try {
      await connection.run(`SELECT ${casts.join(", ")} FROM read_parquet(${sqlString(file)})`);
    } catch {
      return file;
    }
  }
  return undefined;
}

/** The first `dt` partition (with a data file) of the raw events and orders tables. */
function firstPartition(lakeDir: string, sources: readonly SourceDecl[]): string | undefined {
  const firsts = sources
    .filter((source) => source.partitioned_by === "dt")
    .flatMap((source) => {
      const folder = join(lakeDir, source.location);
      if (!existsSync(folder)) return [];
      const dts = readdirSync(folder)
        .map((name) => /^dt=(\d{4}-\d{2}-\d{2})$/.exec(name)?.[1])
        .filter((dt): dt is string => dt !== undefined)
        .sort();
      const first = dts.find((dt) => parquetFilesIn(join(folder, `dt=${dt}`)).length > 0);
      return first ? [first] : [];
    });
  return firsts.sort()[0];
}

/** The files a partitioned source holds for the given `dt` values (for stats and tests). */
export function partitionFiles(
  lakeDir: string,
  source: SourceDecl,
  dts: readonly string[],
): string[] {
  return dts.flatMap((dt) => parquetFilesIn(partitionFolder(lakeDir, source, dt)));
}

/** The folder of one `dt` partition of a partitioned table. */
function partitionFolder(lakeDir: string, source: SourceDecl, dt: string): string {
  return join(lakeDir, source.location, `${source.partitioned_by ?? "dt"}=${dt}`);
}

/**
 * The Parquet files of one partition folder, as the glob `<folder>/*.parquet` finds them
 * (none when the folder does not exist): a listing, cheaper than a glob, and a daily run's
 * scoped queries list a folder per partition of their windows.
 */
function parquetFilesIn(folder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(".parquet") && !name.startsWith("."))
    .map((name) => join(folder, name));
}

/** Total size in bytes of files. */
export function totalBytes(files: readonly string[]): number {
  return files.reduce((sum, file) => sum + statSync(file).size, 0);
}

const DUCKDB_TYPES: Record<SqlType | RollupColumnType, string> = {
  varchar: "VARCHAR",
  timestamp: "TIMESTAMP",
  date: "DATE",
  boolean: "BOOLEAN",
  "decimal(18,2)": "DECIMAL(18,2)",
  bigint: "BIGINT",
};

/** A source's columns: from the data contract, or for a rollup from its spec. */
function sourceColumns(
  name: string,
): readonly { name: string; type: SqlType | RollupColumnType }[] {
  const table: TableSpec | undefined = TABLES[name as TableSpec["name"]];
  if (name === USER_STATE) return USER_STATE_COLUMNS;
  return table?.columns ?? rollupSpec(name)?.columns ?? weeklyStateSpec(name)?.columns ?? [];
}

/**
 * Writes an empty Parquet file with the table's contract schema, for a partitioned Parquet
 * source, under `<schemaDir>/<table>/dt=0000-00-00/`: listed first in the view, it is the
 * file the binder reads the schema from, so binding never opens a lake file.
 */
async function writeSchemaFile(
  connection: DuckDBConnection,
  schemaDir: string,
  source: SourceDecl,
): Promise<string | undefined> {
  const columns = sourceColumns(source.name);
  if (columns.length === 0 || source.format !== "parquet" || !source.partitioned_by) {
    return undefined;
  }
  const folder = join(schemaDir, source.name, `${source.partitioned_by}=${SCHEMA_PARTITION}`);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, "schema.parquet");
  const nulls = columns.map((c) => `CAST(NULL AS ${DUCKDB_TYPES[c.type]}) AS ${c.name}`);
  await connection.run(
    `COPY (SELECT ${nulls.join(", ")} WHERE false) TO ${sqlString(file)} (FORMAT parquet)`,
  );
  return file;
}

/** The `dt` of the schema file: sorts before every real date, holds no rows. */
const SCHEMA_PARTITION = "0000-00-00";

/** The glob of a source's files, and whether any exists now. */
function sourceFiles(lakeDir: string, source: SourceDecl): { pattern: string; hasFiles: boolean } {
  const folder = join(lakeDir, source.location);
  const extension = source.format === "parquet" ? "parquet" : "jsonl";
  const pattern = source.partitioned_by
    ? join(folder, `${source.partitioned_by}=*`, `*.${extension}`)
    : join(folder, `*.${extension}`);
  return { pattern, hasFiles: existsSync(folder) && globSync(pattern).length > 0 };
}

/**
 * A CTE per table the query scopes (`@partitions`), reading only the files of the
 * partitions its parameters name. A table is left to its view when a bound is not a date
 * (the query's own filter then decides) or it has no schema file (not partitioned Parquet).
 */
function scopedTables(
  query: QueryFile,
  params: QueryParams,
  lake: {
    readonly sources: readonly SourceDecl[];
    readonly schemaFiles: ReadonlyMap<string, string>;
    readonly lakeDir: string;
    /** Raw partitions a rollup build staged earlier in the run (duckdb-held-raw.ts). */
    readonly held: HeldRaw;
  },
): { name: string; sql: string }[] {
  const { sources, schemaFiles, lakeDir, held } = lake;
  const dtsByTable = new Map<string, Set<string> | undefined>();
  for (const scope of query.partitions ?? []) {
    const dts = scopeDts(scope, params);
    const known = dtsByTable.has(scope.table) ? dtsByTable.get(scope.table) : new Set<string>();
    dtsByTable.set(scope.table, known && dts ? new Set([...known, ...dts]) : undefined);
  }
  const ctes: { name: string; sql: string }[] = [];
  for (const [table, dts] of dtsByTable) {
    const source = sources.find((s) => s.name === table);
    const schemaFile = schemaFiles.get(table);
    if (!source?.partitioned_by || !schemaFile) {
      throw new Error(
        `queries/${query.name}.sql scopes ${table} with @partitions, but ${table} is not a partitioned Parquet table of queries/_sources.yaml.`,
      );
    }
    if (!dts) continue;
    const split = held.split(table, [...dts].sort());
    const files = (split ? split.rest : [...dts]).flatMap((dt) =>
      parquetFilesIn(partitionFolder(lakeDir, source, dt)),
    );
    const fromFiles = selectSql(source, files.length > 0 ? files.sort() : [schemaFile], true);
    const sql = split
      ? `SELECT * FROM ${split.relation} WHERE ${source.partitioned_by} IN (${split.held.map(sqlString).join(", ")})${
          files.length > 0 ? `\nUNION ALL\n${fromFiles}` : ""
        }`
      : fromFiles;
    ctes.push({ name: table, sql });
  }
  return ctes;
}

/** The dt values a scope names, or undefined when they cannot be told (a bound not a date). */
function scopeDts(scope: PartitionScope, params: QueryParams): readonly string[] | undefined {
  if ("list" in scope) {
    const list = params[scope.list];
    if (!Array.isArray(list)) return undefined;
    // An empty string names no partition (a list parameter cannot be empty: [""] is none).
    const named = list.filter((dt) => dt !== "");
    return named.every(isCalendarDate) ? (named as readonly string[]) : undefined;
  }
  const [from, to] = [params[scope.from], params[scope.to]];
  if (!isCalendarDate(from) || !isCalendarDate(to)) return undefined;
  return from <= to ? dateRange(from, to) : [];
}

/** `SELECT` of a table's columns, cast to the contract's types, from `files` (globs). */
function selectSql(source: SourceDecl, files: readonly string[], withSchemaFile: boolean): string {
  const columns = sourceColumns(source.name);
  const list = files.map(sqlString).join(", ");
  const reader =
    source.format === "jsonl"
      ? `read_json([${list}], format = 'newline_delimited', union_by_name = true)`
      : source.partitioned_by && withSchemaFile
        ? `read_parquet([${list}], hive_partitioning = true, hive_types = {'${source.partitioned_by}': VARCHAR})`
        : `read_parquet([${list}], hive_partitioning = true, union_by_name = true${
            source.partitioned_by ? `, hive_types = {'${source.partitioned_by}': VARCHAR}` : ""
          })`;
  const projection = columns.length
    ? [
        ...columns.map((c) => `CAST(${c.name} AS ${DUCKDB_TYPES[c.type]}) AS ${c.name}`),
        ...(source.partitioned_by ? [source.partitioned_by] : []),
      ].join(", ")
    : "*";
  return `SELECT ${projection} FROM ${reader}`;
}

function viewSql(lakeDir: string, source: SourceDecl, schemaFile?: string): string {
  const { pattern, hasFiles } = sourceFiles(lakeDir, source);
  const columns = sourceColumns(source.name);
  const partitionColumn = source.partitioned_by
    ? [`CAST(NULL AS VARCHAR) AS ${source.partitioned_by}`]
    : [];
  if (!hasFiles) {
    const empty = [
      ...columns.map((c) => `CAST(NULL AS ${DUCKDB_TYPES[c.type]}) AS ${c.name}`),
      ...partitionColumn,
    ];
    return `CREATE OR REPLACE VIEW ${source.name} AS SELECT ${empty.join(", ")} WHERE false`;
  }
  const files = schemaFile ? [schemaFile, pattern] : [pattern];
  return `CREATE OR REPLACE VIEW ${source.name} AS ${selectSql(source, files, schemaFile !== undefined)}`;
}

function toCell(value: unknown, type: string): Cell {
  if (value === null || value === undefined) return null;
  if (type === "BIGINT" || type === "HUGEINT" || type === "UBIGINT") {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : String(value);
  }
  if (type.startsWith("TIMESTAMP")) return isoUtc(String(value)) ?? String(value);
  if ((type === "DOUBLE" || type === "FLOAT") && typeof value === "string") return Number(value);
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return value;
  return JSON.stringify(value);
}

const TIMESTAMP_TEXT =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:Z|([+-]\d{2})(?::?(\d{2}))?)?$/;

/**
 * DuckDB's timestamp text as ISO 8601 UTC with `Z`, milliseconds with trailing zeros
 * dropped (`2026-03-01T16:00:00Z`, `…:00.5Z`): the form the Athena adapter produces, so
 * rows compare equal across engines.
 */
function isoUtc(text: string): string | undefined {
  const match = TIMESTAMP_TEXT.exec(text);
  if (!match) return undefined;
  const [, date, time, fraction = "", offsetHours, offsetMinutes = "00"] = match;
  const millis = fraction.slice(0, 3).padEnd(3, "0");
  if (offsetHours === undefined || (Number(offsetHours) === 0 && offsetMinutes === "00")) {
    const trimmed = millis.replace(/0+$/, "");
    return `${date}T${time}${trimmed ? `.${trimmed}` : ""}Z`;
  }
  const instant = new Date(`${date}T${time}.${millis}${offsetHours}:${offsetMinutes}`);
  return Number.isNaN(instant.getTime()) ? undefined : isoUtc(instant.toISOString());
}
