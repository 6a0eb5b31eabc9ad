/** What running one query returns and costs: the engine port's result types. */
import type { Row } from "../kpi/values.ts";

/** What one query cost, for the run log and the benchmark. */
export interface QueryStats {
  readonly query: string;
  readonly engineQueryId?: string;
  readonly elapsedMs: number;
  readonly rows: number;
  /** Bytes the engine read (Athena: DataScannedInBytes; DuckDB: size of the files read). */
  readonly bytesScanned?: number;
  /** `dt` partitions read per table, when the engine can tell. */
  readonly partitionsRead?: Readonly<Record<string, number>>;
}

export interface QueryResult {
  readonly rows: readonly Row[];
  readonly stats: QueryStats;
}
