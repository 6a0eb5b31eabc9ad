/**
 * A fake Athena's answer: a query run on DuckDB, shaped as the pages of GetQueryResults
 * (a header row on the first page, `pageSize` data rows a page, Athena's type names and text).
 */
import type { GetQueryResultsCommandOutput } from "@aws-sdk/client-athena";
import type { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";

/** Runs `sql` on DuckDB and shapes the result as Athena's GetQueryResults pages. */
export async function athenaPages(
  connection: Awaited<ReturnType<typeof createDuckDbEngine>>["connection"],
  sql: string,
  pageSize: number,
): Promise<GetQueryResultsCommandOutput[]> {
  const reader = await connection.runAndReadAll(sql);
  const names = reader.columnNames();
  const columnInfo = reader.columnTypes().map((type, i) => ({
    Name: names[i],
    Type: athenaType(type.toString()),
  }));
  const rows = reader.getRows().map((row) => ({
    Data: row.map((value) => (value === null ? {} : { VarCharValue: athenaText(value) })),
  }));
  const header = { Data: names.map((name) => ({ VarCharValue: name })) };
  const chunks: (typeof rows)[] = [];
  for (let i = 0; i < rows.length; i += pageSize) chunks.push(rows.slice(i, i + pageSize));
  if (chunks.length === 0) chunks.push([]);
  return chunks.map((chunk, i) => ({
    $metadata: {},
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: columnInfo },
      Rows: i === 0 ? [header, ...chunk] : chunk,
    },
    ...(i + 1 < chunks.length ? { NextToken: String(i + 1) } : {}),
  }));
}

/** Athena's name of a DuckDB column type. */
function athenaType(duckType: string): string {
  if (/^DECIMAL/.test(duckType)) return "decimal";
  if (/^TIMESTAMP/.test(duckType)) return "timestamp";
  const types: Record<string, string> = {
    BIGINT: "bigint",
    HUGEINT: "bigint",
    UBIGINT: "bigint",
    INTEGER: "integer",
    SMALLINT: "smallint",
    TINYINT: "tinyint",
    DOUBLE: "double",
    FLOAT: "real",
    BOOLEAN: "boolean",
    DATE: "date",
    VARCHAR: "varchar",
  };
  return types[duckType] ?? (duckType.endsWith("[]") ? "array" : "varchar");
}

/** Athena's text of a value: timestamps as `YYYY-MM-DD HH:MM:SS.fff`, the rest as printed. */
function athenaText(value: unknown): string {
  const text = String(value);
  const timestamp = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(text);
  if (timestamp) return `${timestamp[1]}.${(timestamp[2] ?? "").padEnd(3, "0").slice(0, 3)}`;
  return text;
}

/**
 * The queries a fake Athena was started with and their result pages, each run once on
 * DuckDB on first demand (one connection runs one statement at a time, so one after another).
 */
export function athenaResults(
  connection: Awaited<ReturnType<typeof createDuckDbEngine>>["connection"],
  pageSize: number,
) {
  const sqlById = new Map<string, string>();
  const pagesById = new Map<string, Promise<GetQueryResultsCommandOutput[]>>();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    /** Remembers the SQL of query `id`. */
    start(id: string, sql: string): void {
      sqlById.set(id, sql);
    },
    /** The pages of query `id`; a failed query rejects. */
    pagesOf(id: string): Promise<GetQueryResultsCommandOutput[]> {
      let pages = pagesById.get(id);
      if (!pages) {
        pages = queue.then(() => athenaPages(connection, sqlById.get(id) ?? "", pageSize));
        queue = pages.catch(() => undefined);
        pagesById.set(id, pages);
      }
      return pages;
    },
  };
}
