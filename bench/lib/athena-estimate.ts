/**
 * What a report run would cost on Athena, estimated from what it read on the benchmark lake.
 *
 * Athena bills the bytes each query scans: for Parquet, the compressed column chunks of the
 * columns the query reads in the partitions it selects, rounded up to a whole megabyte,
 * at least 10 MB per query, at $5 per terabyte. The benchmark measures those bytes per query
 * and table on its lake; fact tables (events, orders and the rollups built from them) grow
 * with the number of daily active users, dimensions do not. Pure.
 */

/** Athena's list price per TB scanned (us-east-1 and most regions). */
export const USD_PER_TB = 5;
/** A terabyte as Athena bills it (2^40 bytes). */
export const TB = 2 ** 40;
/** The least Athena bills per query. */
export const MIN_BILLED_BYTES = 10 * 2 ** 20;
const MB = 2 ** 20;

/** What one query read, per table, in bytes of the columns it reads. */
export interface QueryRead {
  readonly query: string;
  readonly bytesByTable: Readonly<Record<string, number>>;
}

/** One query, at the target scale. */
export interface QueryEstimate {
  readonly query: string;
  readonly bytes: number;
  readonly billedBytes: number;
  readonly usd: number;
}

/** A run at the target scale. */
export interface RunEstimate {
  readonly dailyActiveUsers: number;
  readonly queries: readonly QueryEstimate[];
  readonly bytes: number;
  readonly billedBytes: number;
  readonly usd: number;
}

/**
 * Scales the bytes of each query from the lake's daily active users to `targetDau` (fact
 * tables only: `scalesWithUsers(table)`), and prices each query as Athena would.
 */
export function estimateAthenaRun(input: {
  readonly reads: readonly QueryRead[];
  readonly lakeDau: number;
  readonly targetDau: number;
  readonly scalesWithUsers: (table: string) => boolean;
}): RunEstimate {
  if (!(input.lakeDau > 0)) throw new Error("estimateAthenaRun: lakeDau must be positive");
  const factor = input.targetDau / input.lakeDau;
  const queries = input.reads.map((read): QueryEstimate => {
    const bytes = Object.entries(read.bytesByTable).reduce(
      (sum, [table, tableBytes]) =>
        sum + (input.scalesWithUsers(table) ? tableBytes * factor : tableBytes),
      0,
    );
    const billedBytes = billedBytesOf(bytes);
    return { query: read.query, bytes, billedBytes, usd: (billedBytes / TB) * USD_PER_TB };
  });
  const sum = (pick: (q: QueryEstimate) => number) => queries.reduce((s, q) => s + pick(q), 0);
  return {
    dailyActiveUsers: input.targetDau,
    queries,
    bytes: sum((q) => q.bytes),
    billedBytes: sum((q) => q.billedBytes),
    usd: sum((q) => q.usd),
  };
}

/** Bytes Athena bills for a query that scans `bytes`: whole megabytes, at least 10 MB. */
export function billedBytesOf(bytes: number): number {
  return Math.max(MIN_BILLED_BYTES, Math.ceil(bytes / MB) * MB);
}
