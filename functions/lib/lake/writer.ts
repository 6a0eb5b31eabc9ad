/**
 * Writes rows of the data contract into a local lake, laid out like the S3 one:
 * `<lake>/events/dt=YYYY-MM-DD/<name>.parquet`, the same for orders, and the dimensions
 * under `<lake>/dims/<table>/`. Used by the sample-lake generator, `opspulse import` and
 * the tests (which write small random lakes and query them through the real engine).
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  DuckDBTimestampValue,
} from "@duckdb/node-api";
import { type ColumnSpec, type SqlType, TABLES, type TableSpec } from "../contract/schema.ts";
import { sqlString } from "../query/sql-literal.ts";

/**
 * A row to write: timestamps as `Date` or epoch milliseconds, decimals as strings or numbers,
 * dates as `YYYY-MM-DD`.
 */
export type LakeRow = Readonly<Record<string, unknown>>;

export interface WriteOptions {
  /**
   * File name stem for the written files; `{i}` is replaced by a counter. Use a fixed stem
   * for deterministic output, a unique one to append to existing partitions.
   */
  readonly fileStem?: string;
  /**
   * Replace the table's existing files: for fact tables only the files of the partitions
   * written, for dimensions every file of the table.
   */
  readonly overwrite?: boolean;
}

const DUCK: Record<SqlType, string> = {
  varchar: "VARCHAR",
  timestamp: "TIMESTAMP",
  date: "DATE",
  boolean: "BOOLEAN",
  "decimal(18,2)": "DECIMAL(18,2)",
};

/**
 * A writer over one DuckDB connection. Rows are appended to in-memory staging tables with
 * DuckDB's appender, then written as Parquet with `COPY … PARTITION_BY (dt)`, ordered so
 * that the same rows always produce the same bytes.
 */
export class LakeWriter {
  readonly lakeDir: string;
  readonly #connection: DuckDBConnection;
  readonly #close: () => void;

  private constructor(lakeDir: string, connection: DuckDBConnection, close: () => void) {
    this.lakeDir = lakeDir;
    this.#connection = connection;
    this.#close = close;
  }

  static async open(lakeDir: string): Promise<LakeWriter> {
    // One thread: Parquet bytes then depend only on the rows, not on scheduling.
    const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
    const connection = await instance.connect();
    return new LakeWriter(resolve(lakeDir), connection, () => {
      connection.closeSync();
      instance.closeSync();
    });
  }

  /** Writes `rows` of `table` into the lake. Rows must already satisfy the contract. */
  async write(
    table: TableSpec["name"],
    rows: Iterable<LakeRow>,
    options: WriteOptions = {},
  ): Promise<number> {
    const spec = TABLES[table];
    const staging = `staging_${table}`;
    const columns = spec.columns;
    await this.#connection.run(
      `CREATE OR REPLACE TEMP TABLE ${staging} (${columns.map((c) => `${c.name} ${DUCK[c.type]}`).join(", ")})`,
    );
    const appender = await this.#connection.createAppender(staging);
    let count = 0;
    for (const row of rows) {
      for (const column of columns) appendCell(appender, column, row[column.name]);
      appender.endRow();
      count++;
    }
    appender.closeSync();
    if (count === 0) return 0;
    await this.#copyOut(spec, staging, options);
    await this.#connection.run(`DROP TABLE ${staging}`);
    return count;
  }

  async #copyOut(spec: TableSpec, staging: string, options: WriteOptions): Promise<void> {
    const stem = options.fileStem ?? "part-{i}";
    const orderBy = spec.columns
      .slice(0, 2)
      .map((c) => c.name)
      .join(", ");
    if (spec.partitionTimeColumn) {
      const target = join(this.lakeDir, spec.name);
      mkdirSync(target, { recursive: true });
      const partition = `strftime(${spec.partitionTimeColumn}, '%Y-%m-%d')`;
      if (options.overwrite) {
        // DuckDB's own OVERWRITE would empty every partition of the table, not just these.
        const written = await this.#connection.runAndReadAll(
          `SELECT DISTINCT ${partition} AS dt FROM ${staging}`,
        );
        for (const [dt] of written.getRowsJson()) {
          rmSync(join(target, `dt=${String(dt)}`), { recursive: true, force: true });
        }
      }
      await this.#connection.run(
        `COPY (SELECT *, ${partition} AS dt FROM ${staging} ORDER BY dt, ${orderBy})
         TO ${sqlString(target)} (FORMAT parquet, PARTITION_BY (dt), OVERWRITE_OR_IGNORE, FILENAME_PATTERN ${sqlString(stem)}, WRITE_PARTITION_COLUMNS false)`,
      );
    } else {
      const target = join(this.lakeDir, "dims", spec.name);
      mkdirSync(target, { recursive: true });
      const name = `${stem.replace("{i}", "0")}.parquet`;
      await this.#connection.run(
        `COPY (SELECT * FROM ${staging} ORDER BY ${orderBy}) TO ${sqlString(join(target, name))} (FORMAT parquet)`,
      );
      if (options.overwrite) {
        // Written first, removed after: the table is never left empty by a failed write.
        for (const file of readdirSync(target)) {
          if (file !== name) rmSync(join(target, file), { recursive: true, force: true });
        }
      }
    }
  }

  close(): void {
    this.#close();
  }
}

/** Opens a writer, writes the given tables, closes it. */
export async function writeLake(
  lakeDir: string,
  tables: Partial<Record<TableSpec["name"], Iterable<LakeRow>>>,
  options: WriteOptions = {},
): Promise<void> {
  const writer = await LakeWriter.open(lakeDir);
  try {
    for (const [name, rows] of Object.entries(tables)) {
      if (rows) await writer.write(name as TableSpec["name"], rows, options);
    }
  } finally {
    writer.close();
  }
}

function appendCell(appender: DuckDBAppender, column: ColumnSpec, value: unknown): void {
  if (value === null || value === undefined) {
    appender.appendNull();
    return;
  }
  switch (column.type) {
    case "varchar":
      appender.appendVarchar(String(value));
      return;
    case "boolean":
      appender.appendBoolean(Boolean(value));
      return;
    case "timestamp": {
      const millis =
        value instanceof Date
          ? value.getTime()
          : typeof value === "number"
            ? value
            : Date.parse(String(value));
      if (!Number.isFinite(millis)) throw new Error(`${column.name}: not a time: ${String(value)}`);
      // DuckDB timestamps are microseconds since the epoch (appending them natively is
      // about twice as fast as formatting and parsing a string).
      appender.appendTimestamp(new DuckDBTimestampValue(BigInt(millis) * 1000n));
      return;
    }
    case "date":
      appender.appendVarchar(String(value));
      return;
    case "decimal(18,2)":
      appender.appendVarchar(typeof value === "number" ? value.toFixed(2) : String(value));
      return;
  }
}
