/**
 * Rollups in the local lake, written by DuckDB: `<lake>/rollups/<name>/local_date=…/`
 * holds the Parquet files of one local day and its `_manifest.json`.
 *
 * A build runs one `COPY (<build query>) TO <staging> (PARTITION_BY (local_date))` into a
 * staging folder of its own under `<lake>/rollups/_staging/`; each built day's folder then
 * gets its manifest and replaces the day's folder by two renames (old aside, new in), so a
 * partition's files and manifest change together, and two builds of one day never mix
 * their files (the second rename fails on a non-empty folder and that build's copy is
 * dropped). Raw partitions are fingerprinted by their files' names, sizes and modification
 * times.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { SourceDecl } from "../query/catalog.ts";
import { bindParams, prependCtes, type QueryFile, type QueryParams } from "../query/query-file.ts";
import { sqlString } from "../query/sql-literal.ts";
import { ROLLUP_PARTITION_COLUMN, rollupSpec } from "./schema.ts";
import {
  MANIFEST_FILE,
  type RollupManifest,
  type RollupStorage,
  type RunStatement,
  type StateManifest,
  sameInputs,
  WHOLE_FROM_PARAM,
} from "./storage.ts";

/**
 * Rollup files are written as Parquet format version 2 (delta encodings, DuckDB's
 * `PARQUET_VERSION v2`): on the bench lake's states, a quarter smaller, written a sixth
 * faster and read a tenth faster than version 1 (1.26 M RFM customers: 17.7 against 23.5
 * MB, 190 against 230 ms). Only this engine reads them; Athena writes its own with UNLOAD.
 */
const PARQUET_OPTIONS = "FORMAT parquet, PARQUET_VERSION v2";

/**
 * Tables with one row per user (and partition): their only text column is the user id, a
 * new value on every row, for which DuckDB would build a dictionary until it outgrows its
 * limit and then write the values plainly anyway; without the attempt they are written a
 * fifth faster at the same size (bench lake, 2026-12-08: the 2.8 M-row user state 281 →
 * 232 ms and 27.2 MB either way, a day's 0.76 M-row activity state 180 → 146 ms).
 */
const ONE_ROW_PER_USER = new Set([
  "user_day",
  "user_state",
  "activity_day",
  "activity_week",
  "rfm_week",
]);

/** The Parquet options of `table`'s files. */
function parquetOptionsOf(table: string): string {
  return ONE_ROW_PER_USER.has(table)
    ? `${PARQUET_OPTIONS}, DICTIONARY_SIZE_LIMIT 1`
    : PARQUET_OPTIONS;
}

/**
 * A staged read is held in memory, so one (and so one build) reads at most this many bytes
 * of raw files: 8 days of the bench lake (5.5 MiB of events a day). A lake of small days
 * builds up to {@link MAX_DAYS_PER_STAGED_READ} days at once instead of 8 days a query.
 */
const MAX_BYTES_PER_STAGED_READ = 48 * 1024 * 1024;
/** Most local days one staged raw read covers (each a partition the build writes). */
const MAX_DAYS_PER_STAGED_READ = 100;

/** The one data file of an unpartitioned state rollup (replaced by a rename). */
const STATE_FILE = "state.parquet";

/** Where builds stage their output, relative to the lake root (never read as a table). */
export const ROLLUP_STAGING_DIR = join("rollups", "_staging");
/** Where the storage keeps documents (RollupStorage.putDocument), relative to the lake root. */
const ROLLUP_DOCUMENTS_DIR = join("rollups", "_documents");

export interface LocalRollupStorageOptions {
  readonly lakeDir: string;
  /** The logical tables, raw and rollup (`_sources.yaml`). */
  readonly sources: readonly SourceDecl[];
  /** Runs a statement on the engine, in its queue, with its cost measured. */
  readonly run: RunStatement;
  /**
   * Binds a table's view again: the raw table's before a build, the rollup's after (a
   * view bound while its folder had no files would read nothing).
   */
  readonly bind?: (table: string) => Promise<void>;
  /** Renders a build query to SQL (default `bindParams`; the engine also scopes partitions). */
  readonly bindQuery?: (query: QueryFile, params: QueryParams) => string;
  /**
   * Keeps each table's newest staged read for the rest of the run, for the engine's later
   * queries of the same partitions (adapters/duckdb-held-raw.ts); without it a staged read
   * is dropped once its builds ran.
   */
  readonly holder?: StagedReadHolder;
}

/** What keeps staged reads after their builds (adapters/duckdb-held-raw.ts). */
export interface StagedReadHolder {
  /**
   * Holds `relation` as the table's read of the partitions `fingerprints` names (each
   * folder's fingerprint, taken before its files were listed for the read); returns the
   * relation it replaces, if any.
   */
  hold(
    table: string,
    relation: string,
    fingerprints: Readonly<Record<string, string>>,
  ): string | undefined;
  /** Whether `relation` is held (its builds must not drop it). */
  isHeld(relation: string): boolean;
}

/** Rollup storage in a local lake folder. */
export function createLocalRollupStorage(options: LocalRollupStorageOptions): RollupStorage {
  const { lakeDir } = options;
  const folderOf = (table: string): string => {
    const source = options.sources.find((s) => s.name === table);
    if (!source) throw new Error(`No source "${table}" in queries/_sources.yaml.`);
    return join(lakeDir, source.location);
  };
  const partitionFolder = (rollup: string, day: string) =>
    join(folderOf(rollup), `${ROLLUP_PARTITION_COLUMN}=${day}`);
  const documentsDir = join(lakeDir, ROLLUP_DOCUMENTS_DIR);
  let stagedReads = 0;
  const fingerprintsOf = (table: string, dts: readonly string[]): Record<string, string> => {
    const folder = folderOf(table);
    return Object.fromEntries(dts.map((dt) => [dt, fingerprintFolder(join(folder, `dt=${dt}`))]));
  };

  return {
    // A staged read is held in memory: a cold build of a long window reads its raw
    // partitions a few days at a time (about 340 k events a day on the bench lake).
    maxDaysPerBuild: MAX_DAYS_PER_STAGED_READ,
    maxBytesPerBuild: MAX_BYTES_PER_STAGED_READ,

    async partitionBytes(table, dts) {
      const folder = folderOf(table);
      return Object.fromEntries(dts.map((dt) => [dt, folderBytes(join(folder, `dt=${dt}`))]));
    },

    async stageRaw(table, query, params) {
      await options.bind?.(table);
      const bind = options.bindQuery ?? bindParams;
      const relation = `_staged_${table}_${++stagedReads}`;
      const { holder } = options;
      let fingerprints: Readonly<Record<string, string>> = {};
      const result = await options.run(query.name, () => {
        if (holder) fingerprints = fingerprintsOf(table, wholeDts(query, params, table));
        return `CREATE OR REPLACE TEMPORARY TABLE ${relation} AS\n${bind(query, params).trimEnd()}`;
      });
      const drop = (name: string) =>
        options.run(`${query.name}_release`, `DROP TABLE IF EXISTS ${name}`);
      const replaced = holder?.hold(table, relation, fingerprints);
      if (replaced) await drop(replaced);
      return {
        relation,
        stats: result.stats,
        release: async () => {
          if (!holder?.isHeld(relation)) await drop(relation);
        },
      };
    },

    async fingerprints(table, dts) {
      return fingerprintsOf(table, dts);
    },

    async tableFingerprint(table) {
      return fingerprintFolder(folderOf(table));
    },

    async manifests(rollup, days) {
      const found: RollupManifest[] = [];
      for (const day of days) {
        const manifest = readManifest(join(partitionFolder(rollup, day), MANIFEST_FILE));
        if (manifest?.rollup === rollup && manifest.localDate === day) found.push(manifest);
      }
      return found;
    },

    async ready(rollup) {
      await options.bind?.(rollup);
    },

    async days(rollup) {
      const folder = folderOf(rollup);
      if (!existsSync(folder)) return [];
      const prefix = `${ROLLUP_PARTITION_COLUMN}=`;
      return readdirSync(folder)
        .filter((name) => name.startsWith(prefix))
        .map((name) => name.slice(prefix.length))
        .filter((day) => {
          const manifest = readManifest(join(partitionFolder(rollup, day), MANIFEST_FILE));
          return manifest?.rollup === rollup && manifest.localDate === day;
        })
        .sort();
    },

    async putDocument(name, body) {
      mkdirSync(documentsDir, { recursive: true });
      // Written aside and renamed: a reader never sees half a document.
      const staged = join(documentsDir, `.${name}.${process.pid}.tmp`);
      writeFileSync(staged, body);
      renameSync(staged, join(documentsDir, name));
    },

    async getDocument(name) {
      const file = join(documentsDir, name);
      return existsSync(file) ? readFileSync(file, "utf8") : undefined;
    },

    async removeDocument(name) {
      rmSync(join(documentsDir, name), { force: true });
    },

    async stateManifest(rollup) {
      return readStateManifest(join(folderOf(rollup), MANIFEST_FILE), rollup);
    },

    async replaceState(rollup, query, params, manifest, expected) {
      const staging = join(lakeDir, ROLLUP_STAGING_DIR, `${manifest.buildId}-${rollup}`);
      mkdirSync(staging, { recursive: true });
      try {
        // The state's own view, and user_day's, may have been bound while empty.
        await options.bind?.(rollup);
        await options.bind?.("user_day");
        const bind = options.bindQuery ?? bindParams;
        const stagedFile = join(staging, STATE_FILE);
        const result = await options.run(
          query.name,
          () =>
            `COPY (\n${bind(query, params).trimEnd()}\n) TO ${sqlString(stagedFile)} (${parquetOptionsOf(rollup)})`,
        );
        const stagedManifest = join(staging, MANIFEST_FILE);
        writeFileSync(stagedManifest, `${JSON.stringify(manifest, null, 2)}\n`);
        const target = folderOf(rollup);
        let replaced = false;
        await withSwapLock(join(lakeDir, ROLLUP_STAGING_DIR, `_swap-${rollup}.lock`), () => {
          const current = readStateManifest(join(target, MANIFEST_FILE), rollup);
          if (current?.buildId !== expected) return;
          mkdirSync(target, { recursive: true });
          // One data file, replaced by a rename: a query of another process reading the
          // state meanwhile sees the old file or the new one, never none and never both.
          renameSync(stagedFile, join(target, STATE_FILE));
          renameSync(stagedManifest, join(target, MANIFEST_FILE));
          replaced = true;
        });
        await options.bind?.(rollup);
        return { stats: result.stats, replaced };
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
    },

    async replace(rollup, query, params, manifests, replaceOptions = {}) {
      const buildId = manifests[0]?.buildId ?? "build";
      const staging = join(lakeDir, ROLLUP_STAGING_DIR, `${buildId}-${rollup}`);
      mkdirSync(staging, { recursive: true });
      try {
        const spec = rollupSpec(rollup);
        const rawTable = spec?.rawTable;
        const staged = replaceOptions.staged;
        if (rawTable && !staged) await options.bind?.(rawTable);
        const bind = options.bindQuery ?? bindParams;
        // A staged read stands in for the raw table: the build reads no raw file.
        const render = () =>
          staged && rawTable
            ? prependCtes(query.name, bindParams(query, params), [
                { name: rawTable, sql: `select * from ${staged.relation}` },
              ])
            : bind(query, params);
        const result = await options.run(
          query.name,
          () =>
            `COPY (\n${render().trimEnd()}\n) TO ${sqlString(staging)} (${parquetOptionsOf(rollup)}, PARTITION_BY (${ROLLUP_PARTITION_COLUMN}), WRITE_PARTITION_COLUMNS false, OVERWRITE_OR_IGNORE, FILENAME_PATTERN ${sqlString(`part-${buildId}-{i}`)})`,
        );
        const replaced = join(staging, "_replaced");
        mkdirSync(replaced);
        // Swaps are serialized per rollup across processes: the freshness check and the swap
        // happen under one lock, so a run never moves aside a day that another run has just
        // built from the same inputs (and may be reading).
        await withSwapLock(join(lakeDir, ROLLUP_STAGING_DIR, `_swap-${rollup}.lock`), () => {
          for (const manifest of manifests) {
            const target = partitionFolder(rollup, manifest.localDate);
            const current = readManifest(join(target, MANIFEST_FILE));
            if (current && sameInputs(current, manifest) && !replaceOptions.replaceFresh) continue;
            const name = `${ROLLUP_PARTITION_COLUMN}=${manifest.localDate}`;
            const staged = join(staging, name);
            mkdirSync(staged, { recursive: true });
            writeFileSync(join(staged, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
            swapIn(staged, target, join(replaced, name));
          }
        });
        return result.stats;
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
    },
  };
}

/** A lock older than this is left over from a crashed process and is taken over. */
const STALE_SWAP_LOCK_MS = 5 * 60_000;

/**
 * Runs `swap` holding a lock folder (`mkdir` is atomic: of two processes exactly one
 * creates it). Others wait their turn; a lock left by a crashed process is taken over.
 */
async function withSwapLock(lock: string, swap: () => void): Promise<void> {
  mkdirSync(join(lock, ".."), { recursive: true });
  const deadline = Date.now() + 2 * STALE_SWAP_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (codeOf(error) !== "EEXIST") throw error;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {}
      if (age > STALE_SWAP_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) {
        throw new Error(
          `rollup swap lock ${lock} is held for too long: remove it if no run is active`,
        );
      } else await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  try {
    swap();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The `dt` partitions of `table` a raw read names (its list-scoped `@partitions`). */
function stagedDts(query: QueryFile, params: QueryParams, table: string): readonly string[] {
  const scope = query.partitions?.find((p) => p.table === table && "list" in p);
  const dts = scope && "list" in scope ? params[scope.list] : undefined;
  return Array.isArray(dts) ? dts.map(String) : [];
}

/** The partitions of `table` a raw read holds whole (all of them without {@link WHOLE_FROM_PARAM}). */
function wholeDts(query: QueryFile, params: QueryParams, table: string): readonly string[] {
  const wholeFrom = params[WHOLE_FROM_PARAM];
  const from = typeof wholeFrom === "string" ? wholeFrom : "";
  return stagedDts(query, params, table).filter((dt) => dt >= from);
}

/** Puts `staged` where `target` is: the old folder moves aside first, then the new one in. */
function swapIn(staged: string, target: string, aside: string): void {
  mkdirSync(join(target, ".."), { recursive: true });
  try {
    renameSync(target, aside);
  } catch (error) {
    if (codeOf(error) !== "ENOENT") throw error;
  }
  try {
    renameSync(staged, target);
  } catch (error) {
    // A concurrent build of the same day got there first: its partition is as fresh.
    if (codeOf(error) !== "ENOTEMPTY" && codeOf(error) !== "EEXIST") throw error;
  }
}

/** Total size of a partition folder's data files; 0 when it has none. */
function folderBytes(folder: string): number {
  if (!existsSync(folder)) return 0;
  return readdirSync(folder)
    .filter((name) => !name.startsWith("_") && !name.startsWith("."))
    .reduce((sum, name) => sum + statSync(join(folder, name)).size, 0);
}

/** Hash of a partition folder's data files (name, size, mtime); "" when it has none. */
export function fingerprintFolder(folder: string): string {
  if (!existsSync(folder)) return "";
  const lines = readdirSync(folder)
    .filter((name) => !name.startsWith("_") && !name.startsWith("."))
    .sort()
    .map((name) => {
      const stat = statSync(join(folder, name));
      return `${name}\t${stat.size}\t${Math.trunc(stat.mtimeMs)}`;
    });
  if (lines.length === 0) return "";
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 32);
}

function readManifest(file: string): RollupManifest | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<RollupManifest>;
    const valid =
      typeof parsed.rollup === "string" &&
      typeof parsed.localDate === "string" &&
      typeof parsed.timeZone === "string" &&
      typeof parsed.definition === "string" &&
      typeof parsed.sources === "object" &&
      parsed.sources !== null;
    // An unreadable manifest is no manifest: the day is built again.
    return valid ? (parsed as RollupManifest) : undefined;
  } catch {
    return undefined;
  }
}

function readStateManifest(file: string, rollup: string): StateManifest | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<StateManifest>;
    const valid =
      parsed.rollup === rollup &&
      typeof parsed.timeZone === "string" &&
      typeof parsed.definition === "string" &&
      typeof parsed.buildId === "string" &&
      typeof parsed.folded === "object" &&
      parsed.folded !== null;
    // An unreadable manifest is no manifest: the state is rebuilt from scratch.
    return valid ? (parsed as StateManifest) : undefined;
  } catch {
    return undefined;
  }
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
