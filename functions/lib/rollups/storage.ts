/**
 * The port between the rollup logic (refresh.ts) and where rollups live: the local lake
 * with DuckDB (local-storage.ts) or S3 with Athena (athena-storage.ts).
 *
 * A rollup partition is one report-zone local day of one rollup table. Beside its data files
 * lies its manifest: which definition built it (query text, time zone, settings) and the
 * fingerprint of every raw `dt` partition it was built from. A partition is fresh while its
 * manifest matches; otherwise the next run that reads it rebuilds it first.
 */
import type { QueryFile, QueryParams } from "../query/query-file.ts";
import type { QueryResult, QueryStats } from "../query/result.ts";

/** File name of a partition's manifest: the leading `_` keeps Athena and DuckDB from reading it as data. */
export const MANIFEST_FILE = "_manifest.json";

/**
 * The raw read's parameter naming the first of its `dt` partitions read whole (those before
 * it are read from the first day's start only: queries/rollup_source_*.sql). Only whole
 * partitions can stand in for their files later in a run.
 */
export const WHOLE_FROM_PARAM = "whole_from_dt";

/** What a rollup partition was built from. */
export interface RollupManifest {
  readonly rollup: string;
  /** The partition: a report-zone local day, `YYYY-MM-DD`. */
  readonly localDate: string;
  readonly timeZone: string;
  /** Hash of the build query's text and of the settings it reads (see `definitionHash`). */
  readonly definition: string;
  /**
   * Fingerprint of each raw partition the day overlaps, keyed `<table>/dt=<date>`; the
   * empty string for a partition that did not exist.
   */
  readonly sources: Readonly<Record<string, string>>;
  /** When it was built (ISO 8601) and by which build, for `opspulse rollup status`. */
  readonly builtAt: string;
  readonly buildId: string;
}

/**
 * What the per-user state (an unpartitioned rollup, functions/lib/rollups/user-state.ts)
 * was built from: the `user_day` partitions folded into it, each by the build id that
 * wrote it (a day rebuilt since has another id and is folded again).
 */
export interface StateManifest {
  readonly rollup: string;
  readonly timeZone: string;
  /** Hash of the fold query's text and of what `user_day` is built by. */
  readonly definition: string;
  /** Local day of `user_day` → the build id of the partition folded. */
  readonly folded: Readonly<Record<string, string>>;
  /**
   * Fingerprint of the identity map's files the state was last made with (absent or `""`:
   * no map); a change recomputes the persons whose mapping changed (user-state.ts).
   */
  readonly identities?: string;
  /**
   * The document ({@link RollupStorage.putDocument}) holding that map's rows, from which the
   * next change of the map is told apart; absent: no map, or a storage without documents.
   */
  readonly identityRows?: string;
  readonly builtAt: string;
  readonly buildId: string;
}

/**
 * A build query was cancelled for reading too much (Athena's per-query bytes-scanned
 * cutoff): the same days in smaller builds may pass, the same build again never will.
 */
export class BuildTooLargeError extends Error {
  override name = "BuildTooLargeError";
}

/**
 * The rows of some raw partitions, read once for every rollup built from them (issue 25:
 * one read of each raw file). The builds read `relation` in place of the raw table.
 */
export interface StagedRead {
  /** The SQL relation holding the rows (DuckDB: a temporary table). */
  readonly relation: string;
  /** What the one read of the raw files cost. */
  readonly stats: QueryStats;
  /** Frees the rows (call once every build of them ran). */
  release(): Promise<void>;
}

/** Where rollups are stored and how their partitions are (re)written. */
export interface RollupStorage {
  /** Most days one build query may write (Athena's UNLOAD writes at most 100 partitions). */
  readonly maxDaysPerBuild?: number;
  /**
   * Most bytes of raw files one build query may read (Athena: under the workgroup's
   * per-query cutoff); builds are sized by {@link partitionBytes}. None: no limit.
   */
  readonly maxBytesPerBuild?: number;
  /** Bytes of each `dt` partition's files of a raw table (0 for a partition without files). */
  partitionBytes?(table: string, dts: readonly string[]): Promise<Readonly<Record<string, number>>>;
  /**
   * A fingerprint of each `dt` partition of a raw table: a hash of its files' names and
   * sizes (and modification times, or S3 ETags), or `""` when the partition has no files.
   */
  fingerprints(table: string, dts: readonly string[]): Promise<Readonly<Record<string, string>>>;
  /**
   * A fingerprint of an unpartitioned table's files (the identity map, a dimension replaced
   * whole), as {@link fingerprints} for a partition; `""` when it has no files.
   */
  tableFingerprint(table: string): Promise<string>;
  /** The manifests of the given days' partitions of a rollup, for the days that have one. */
  manifests(rollup: string, days: readonly string[]): Promise<readonly RollupManifest[]>;
  /**
   * Runs the build query once and makes its rows the partitions of the manifests' days,
   * replacing what they held (a day without rows becomes an empty partition), each with
   * its manifest written last. A day that another run has meanwhile built from the same
   * inputs ({@link sameInputs}) is left as it is, unless `replaceFresh` (a forced rebuild):
   * two runs starting together then never swap a partition under each other's queries.
   * Returns what the build query cost.
   */
  replace(
    rollup: string,
    query: QueryFile,
    params: QueryParams,
    manifests: readonly RollupManifest[],
    options?: {
      readonly replaceFresh?: boolean;
      /** The build's raw table's rows, already read ({@link stageRaw}). */
      readonly staged?: StagedRead;
    },
  ): Promise<QueryStats>;
  /**
   * Makes the rollup's current partitions visible to this engine's queries, whoever built
   * them: a view bound while the rollup had no file must see the days that another run
   * has built since (its refresh then finds them fresh and builds nothing). A refresh
   * calls it once at its end, after any `replace`.
   */
  ready?(rollup: string): Promise<void>;
  /**
   * Reads the rows of `query` (a raw table's read of some `dt` partitions,
   * `queries/rollup_source_<table>.sql`) once, for several builds: each `replace` given the
   * returned read reads them instead of the raw files. Absent: each build reads the raw
   * partitions itself (Athena, until its builds share a CTAS of the day's rows).
   */
  stageRaw?(table: string, query: QueryFile, params: QueryParams): Promise<StagedRead>;
  /** Every local day of a rollup that has a partition with a manifest, sorted. */
  days(rollup: string): Promise<readonly string[]>;
  /**
   * Keeps a small document under `rollups/_documents/` (never read as a table), replacing
   * one of the same name: what a state was made from (user-state.ts keeps its map's rows).
   * A storage without documents remakes the state whole when its map changes.
   */
  putDocument?(name: string, body: string): Promise<void>;
  /** A document put before, or undefined when there is none. */
  getDocument?(name: string): Promise<string | undefined>;
  /** Removes a document, if it is there. */
  removeDocument?(name: string): Promise<void>;
  /** The manifest of an unpartitioned state rollup, when it has one. */
  stateManifest(rollup: string): Promise<StateManifest | undefined>;
  /**
   * Runs the state's build query once and makes its rows the whole state, with `manifest`
   * written last, unless the stored manifest is no longer `expected` (the build id read
   * before the build; undefined: none): another run replaced the state meanwhile, and its
   * state is kept (the days this build folded are folded again by the next run that reads
   * them). Returns what the build cost and whether the state was replaced.
   */
  replaceState(
    rollup: string,
    query: QueryFile,
    params: QueryParams,
    manifest: StateManifest,
    expected: string | undefined,
  ): Promise<{ readonly stats: QueryStats; readonly replaced: boolean }>;
}

/** Whether two manifests describe builds of one day from the same inputs. */
export function sameInputs(a: RollupManifest, b: RollupManifest): boolean {
  const sources = (m: RollupManifest) =>
    JSON.stringify(Object.entries(m.sources).sort(([x], [y]) => (x < y ? -1 : 1)));
  return (
    a.rollup === b.rollup &&
    a.localDate === b.localDate &&
    a.timeZone === b.timeZone &&
    a.definition === b.definition &&
    sources(a) === sources(b)
  );
}

/**
 * Runs one SQL statement on an engine and reports its cost (the adapters' internal step).
 * The SQL may be given as a function, rendered when the statement's turn comes (it may
 * list files, which other statements ahead of it may still change).
 */
export type RunStatement = (name: string, sql: string | (() => string)) => Promise<QueryResult>;
