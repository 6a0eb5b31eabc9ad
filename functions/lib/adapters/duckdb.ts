/**
 * The embedded `QueryEngine`: DuckDB over a local lake laid out like the S3 one.
 *
 * Each logical table of `queries/_sources.yaml` becomes a view over its files, with Hive
 * partitioning (`dt` read as VARCHAR, as in Athena's projection) so that a `dt` filter
 * prunes whole folders. Columns are cast to the data contract's types, so a file with a
 * missing or retyped column reads the same as a good one or fails naming the column.
 */
import { existsSync, globSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBInstance as Instance,
} from "@duckdb/node-api";
import { type SqlType, TABLES, type TableSpec } from "../contract/schema.ts";
import type { Cell, QueryEngine, QueryResult, Row } from "../ports.ts";
import { loadSources, type SourceDecl } from "../query/catalog.ts";
import { bindParams, type QueryFile, type QueryParams } from "../query/query-file.ts";

/** Options of {@link createDuckDbEngine}. */
export interface DuckDbEngineOptions {
  /** Root folder of the local lake (`<lake>/events/dt=…/*.parquet`, …). */
  readonly lakeDir: string;
  /** Logical tables; defaults to `queries/_sources.yaml`. */
  readonly sources?: readonly SourceDecl[];
  /** Worker threads (default: DuckDB's choice, one per core). */
  readonly threads?: number;
}

/** A query failed in DuckDB; the message names the query and DuckDB's reason. */
export class DuckDbQueryError extends Error {
  override name = "DuckDbQueryError";
}

/** Creates a DuckDB engine over `lakeDir`. Close it when done. */
export async function createDuckDbEngine(options: DuckDbEngineOptions): Promise<
  QueryEngine & {
    /** Runs raw SQL (no parameter binding): for tests, the generator and the benchmark. */
    raw(sql: string): Promise<Row[]>;
    readonly connection: DuckDBConnection;
  }
> {
  const lakeDir = resolve(options.lakeDir);
  const config: Record<string, string> = {};
  if (options.threads) config.threads = String(options.threads);
  const instance: Instance = await DuckDBInstance.create(":memory:", config);
  const connection = await instance.connect();
  const sources = options.sources ?? loadSources();
  for (const source of sources) {
    await connection.run(viewSql(lakeDir, source));
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

  return {
    dialect: "duckdb",
    connection,
    raw,
    async run(query: QueryFile, params: QueryParams): Promise<QueryResult> {
      const sql = bindParams(query, params);
      const started = performance.now();
      let rows: Row[];
      try {
        rows = await raw(sql);
      } catch (error) {
        const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
        throw new DuckDbQueryError(`Query ${query.name} failed in DuckDB: ${reason}`, {
          cause: error,
        });
      }
      return {
        rows,
        stats: { query: query.name, elapsedMs: performance.now() - started, rows: rows.length },
      };
    },
    async close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** The files a partitioned source holds for the given `dt` values (for stats and tests). */
export function partitionFiles(
  lakeDir: string,
  source: SourceDecl,
  dts: readonly string[],
): string[] {
  return dts.flatMap((dt) => globSync(join(lakeDir, source.location, `dt=${dt}`, "*.parquet")));
}

/** Total size in bytes of files. */
export function totalBytes(files: readonly string[]): number {
  return files.reduce((sum, file) => sum + statSync(file).size, 0);
}

const DUCKDB_TYPES: Record<SqlType, string> = {
  varchar: "VARCHAR",
  timestamp: "TIMESTAMP",
  date: "DATE",
  boolean: "BOOLEAN",
  "decimal(18,2)": "DECIMAL(18,2)",
};

function viewSql(lakeDir: string, source: SourceDecl): string {
  const table: TableSpec | undefined = TABLES[source.name as TableSpec["name"]];
  const folder = join(lakeDir, source.location);
  const extension = source.format === "parquet" ? "parquet" : "jsonl";
  const pattern = source.partitioned_by
    ? join(folder, `${source.partitioned_by}=*`, `*.${extension}`)
    : join(folder, `*.${extension}`);
  const hasFiles = existsSync(folder) && globSync(pattern).length > 0;
  const columns = table?.columns ?? [];
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
  const reader =
    source.format === "parquet"
      ? `read_parquet('${escapeSql(pattern)}', hive_partitioning = true, union_by_name = true${
          source.partitioned_by ? `, hive_types = {'${source.partitioned_by}': VARCHAR}` : ""
        })`
      : `read_json('${escapeSql(pattern)}', format = 'newline_delimited', union_by_name = true)`;
  const projection = columns.length
    ? [
        ...columns.map((c) => `CAST(${c.name} AS ${DUCKDB_TYPES[c.type]}) AS ${c.name}`),
        ...(source.partitioned_by ? [source.partitioned_by] : []),
      ].join(", ")
    : "*";
  return `CREATE OR REPLACE VIEW ${source.name} AS SELECT ${projection} FROM ${reader}`;
}

function escapeSql(text: string): string {
  return text.replaceAll("'", "''");
}

function toCell(value: unknown, type: string): Cell {
  if (value === null || value === undefined) return null;
  if (type === "BIGINT" || type === "HUGEINT" || type === "UBIGINT") {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : String(value);
  }
  if (type.startsWith("TIMESTAMP")) {
    return `${String(value).replace(" ", "T").slice(0, 23)}Z`;
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return value;
  return JSON.stringify(value);
}
