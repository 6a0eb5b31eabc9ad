/**
 * What the queries of a run read from the lake, table by table: files, partitions, bytes,
 * the columns read (from DuckDB's plan) and the compressed bytes of those columns (what
 * Athena would scan). Built from the DuckDB engine's `onQueryRead` reports.
 */
import { statSync } from "node:fs";
import { relative, sep } from "node:path";
import type { SourceDecl } from "../../functions/lib/query/catalog.ts";
import { sqlString } from "../../functions/lib/query/sql-literal.ts";

/** One query's report from the engine. */
export interface QueryRead {
  readonly query: string;
  readonly sql: string;
  readonly files: readonly string[];
}

/** What one query read from one table. */
export interface TableRead {
  readonly files: readonly string[];
  /** Size of each file of `files`, taken when the run was described (rollup files get replaced). */
  readonly fileBytes: readonly number[];
  readonly partitions: readonly string[];
  /** Size of the files (what DuckDB reads at most; QueryStats.bytesScanned). */
  readonly bytes: number;
  /** Columns the query's plan reads from the table's files. */
  readonly columns: readonly string[];
  /** Compressed bytes of those columns in those files (what Athena would scan). */
  readonly columnBytes: number;
}

export interface DescribedQuery {
  readonly query: string;
  readonly tables: Readonly<Record<string, TableRead>>;
}

/** Runs SQL on the engine and returns rows (the engine's `raw`). */
export type RawSql = (sql: string) => Promise<readonly Readonly<Record<string, unknown>>[]>;

/** The table and partition folder of a lake file, by the sources' locations. */
export function locateFile(
  lakeDir: string,
  sources: readonly SourceDecl[],
  file: string,
): { readonly table: string; readonly partition: string } | undefined {
  const path = relative(lakeDir, file).split(sep).join("/");
  // Longest location first: `rollups/user_day/` before any shorter prefix.
  const source = [...sources]
    .sort((a, b) => b.location.length - a.location.length)
    .find((s) => path.startsWith(s.location));
  if (!source) return undefined;
  const rest = path.slice(source.location.length).split("/");
  const partition =
    source.partitioned_by && rest.length > 1 && rest[0]?.startsWith(`${source.partitioned_by}=`)
      ? rest[0]
      : "";
  return { table: source.name, partition };
}

/**
 * Describes each query's reads: files by table, and the columns its plan reads from each
 * (a READ_PARQUET node is matched to the table whose files have all its columns).
 */
export async function describeReads(
  raw: RawSql,
  lakeDir: string,
  sources: readonly SourceDecl[],
  reads: readonly QueryRead[],
): Promise<DescribedQuery[]> {
  const schemaCache = new Map<string, Set<string>>();
  const chunkCache = new Map<string, Map<string, number>>();
  const described: DescribedQuery[] = [];
  for (const read of reads) {
    const filesByTable = new Map<string, { files: string[]; partitions: Set<string> }>();
    for (const file of read.files) {
      const located = locateFile(lakeDir, sources, file);
      if (!located) continue;
      const entry = filesByTable.get(located.table) ?? { files: [], partitions: new Set() };
      entry.files.push(file);
      if (located.partition) entry.partitions.add(located.partition);
      filesByTable.set(located.table, entry);
    }
    if (filesByTable.size === 0) {
      described.push({ query: read.query, tables: {} });
      continue;
    }
    // The physical columns of each table read, from its first file.
    const tableColumns = new Map<string, Set<string>>();
    for (const [table, { files }] of filesByTable) {
      const first = files[0] as string;
      let columns = schemaCache.get(table);
      if (!columns) {
        columns = new Set(
          (
            await raw(
              `SELECT name FROM parquet_schema(${sqlString(first)}) WHERE num_children IS NULL`,
            )
          ).map((row) => String(row.name)),
        );
        schemaCache.set(table, columns);
      }
      tableColumns.set(table, columns);
    }
    // A rollup build of a staged raw read (issue 25) reads a temporary table dropped since:
    // its plan cannot be had again, so each table it read counts all its columns.
    const projections = await parquetProjections(raw, read.sql).catch(() =>
      [...tableColumns.values()].map((columns) => [...columns]),
    );
    const columnsByTable = new Map<string, Set<string>>();
    for (const projection of projections) {
      const physical = projection.filter((column) => !isPartitionColumn(column, sources));
      const candidates = [...tableColumns].filter(([, columns]) =>
        physical.every((column) => columns.has(column)),
      );
      // Ambiguous (only columns every candidate has): count them for each, an overestimate.
      for (const [table] of candidates) {
        const set = columnsByTable.get(table) ?? new Set<string>();
        for (const column of physical) set.add(column);
        columnsByTable.set(table, set);
      }
    }
    const tables: Record<string, TableRead> = {};
    for (const [table, { files, partitions }] of filesByTable) {
      const columns = [...(columnsByTable.get(table) ?? [])].sort();
      let columnBytes = 0;
      for (const file of files) {
        let chunks = chunkCache.get(file);
        if (!chunks) {
          chunks = new Map(
            (
              await raw(
                `SELECT path_in_schema AS name, sum(total_compressed_size)::BIGINT AS bytes FROM parquet_metadata(${sqlString(file)}) GROUP BY ALL`,
              )
            ).map((row) => [String(row.name), Number(row.bytes)]),
          );
          chunkCache.set(file, chunks);
        }
        for (const column of columns) columnBytes += chunks.get(column) ?? 0;
      }
      const fileBytes = files.map((file) => statSync(file).size);
      tables[table] = {
        files,
        fileBytes,
        partitions: [...partitions].sort(),
        bytes: fileBytes.reduce((sum, size) => sum + size, 0),
        columns,
        columnBytes,
      };
    }
    described.push({ query: read.query, tables });
  }
  return described;
}

/** The column lists of the Parquet scans in DuckDB's plan of `sql`. */
async function parquetProjections(raw: RawSql, sql: string): Promise<string[][]> {
  const [row] = await raw(`EXPLAIN (FORMAT JSON) ${sql}`);
  const text = row ? String(row.explain_value ?? Object.values(row).at(-1) ?? "[]") : "[]";
  const found: string[][] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    const extra = (record.extra_info ?? {}) as Record<string, unknown>;
    const name = String(record.name ?? record.operator_name ?? "");
    if (/READ_PARQUET|PARQUET_SCAN|TABLE_SCAN/.test(name) || extra.Function === "READ_PARQUET") {
      const projections = extra.Projections;
      const list = Array.isArray(projections)
        ? projections.map(String)
        : typeof projections === "string"
          ? projections.split("\n").filter(Boolean)
          : [];
      found.push(list.map((column) => column.trim()));
    }
    for (const child of (record.children as unknown[]) ?? []) walk(child);
  };
  for (const node of JSON.parse(text) as unknown[]) walk(node);
  return found;
}

function isPartitionColumn(column: string, sources: readonly SourceDecl[]): boolean {
  return sources.some((source) => source.partitioned_by === column);
}

/** A table's reads summed over the queries of a run. */
export interface RunTableTotals {
  readonly table: string;
  /** Queries that read the table. */
  readonly queries: number;
  /** Partitions read, summed over queries (a partition read twice counts twice). */
  readonly partitionReads: number;
  /** Distinct partitions read by the run. */
  readonly partitions: number;
  readonly bytesRead: number;
  /** Bytes of the distinct files the run read. */
  readonly distinctBytes: number;
  /** bytesRead / distinctBytes: 1 means every file was read once. */
  readonly readAmplification: number;
  readonly columnBytes: number;
}

/** Per table: how many queries, partitions and bytes a run read. */
export function runTableTotals(queries: readonly DescribedQuery[]): RunTableTotals[] {
  const byTable = new Map<
    string,
    {
      queries: number;
      partitionReads: number;
      partitions: Set<string>;
      bytesRead: number;
      files: Map<string, number>;
      columnBytes: number;
    }
  >();
  for (const query of queries) {
    for (const [table, read] of Object.entries(query.tables)) {
      const entry = byTable.get(table) ?? {
        queries: 0,
        partitionReads: 0,
        partitions: new Set<string>(),
        bytesRead: 0,
        files: new Map<string, number>(),
        columnBytes: 0,
      };
      entry.queries++;
      entry.partitionReads += read.partitions.length;
      for (const partition of read.partitions) entry.partitions.add(partition);
      entry.bytesRead += read.bytes;
      entry.columnBytes += read.columnBytes;
      read.files.forEach((file, i) => {
        entry.files.set(file, read.fileBytes[i] ?? 0);
      });
      byTable.set(table, entry);
    }
  }
  return [...byTable]
    .map(([table, entry]) => {
      const distinctBytes = [...entry.files.values()].reduce((sum, size) => sum + size, 0);
      return {
        table,
        queries: entry.queries,
        partitionReads: entry.partitionReads,
        partitions: entry.partitions.size,
        bytesRead: entry.bytesRead,
        distinctBytes,
        readAmplification: distinctBytes > 0 ? entry.bytesRead / distinctBytes : 0,
        columnBytes: entry.columnBytes,
      };
    })
    .sort((a, b) => a.table.localeCompare(b.table));
}
