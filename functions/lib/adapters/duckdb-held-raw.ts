/**
 * Raw partitions held for the rest of a run (issue 25: each raw file read once per run).
 *
 * A rollup build stages the raw partitions of its days in a DuckDB temporary table
 * (`RollupStorage.stageRaw`); every day rollup of that table is built from it. The same
 * partitions are wanted again later in the run: the completeness gate reads the period's
 * last partition raw, freshness reads the run's local day so far. Instead of dropping the
 * staged rows after the builds, the engine keeps the newest staged read of each raw table,
 * and a later query that scopes that table (`-- @partitions events …`) reads the held
 * partitions from it and only the others from their files.
 *
 * A held partition is used only while its folder holds the files it was read from (names,
 * sizes and modification times, taken before the files were listed for the read): a late
 * file, or a rewrite, makes the next query read the partition's files again. One read per
 * table is held; staging another one replaces it, so a backfill holds one chunk at a time.
 */
import { fingerprintFolder, type StagedReadHolder } from "../rollups/local-storage.ts";

/** Where a scoped query reads a table's partitions: the held rows, the files, or both. */
export interface HeldSplit {
  /** The temporary table holding the rows of `held`. */
  readonly relation: string;
  /** Partitions read from the held rows (their files are unchanged). */
  readonly held: readonly string[];
  /** Partitions read from their files. */
  readonly rest: readonly string[];
}

export interface HeldRaw extends StagedReadHolder {
  /** Splits `dts` of `table` into held and file partitions; undefined when none is held. */
  split(table: string, dts: readonly string[]): HeldSplit | undefined;
  /** Forgets every held read; returns their relations (to be dropped by the caller). */
  clear(): string[];
}

/** Held reads over the partition folders `folderOf(table, dt)`. */
export function createHeldRaw(folderOf: (table: string, dt: string) => string): HeldRaw {
  const held = new Map<
    string,
    { readonly relation: string; readonly fingerprints: Readonly<Record<string, string>> }
  >();
  return {
    hold(table, relation, fingerprints) {
      const previous = held.get(table)?.relation;
      held.set(table, { relation, fingerprints });
      return previous !== relation ? previous : undefined;
    },
    split(table, dts) {
      const entry = held.get(table);
      if (!entry) return undefined;
      const inHeld: string[] = [];
      const rest: string[] = [];
      for (const dt of dts) {
        const print = entry.fingerprints[dt];
        // An empty folder has nothing to hold; a changed one is read from its files.
        const unchanged =
          print !== undefined && print !== "" && print === fingerprintFolder(folderOf(table, dt));
        (unchanged ? inHeld : rest).push(dt);
      }
      return inHeld.length > 0 ? { relation: entry.relation, held: inHeld, rest } : undefined;
    },
    clear() {
      const relations = [...held.values()].map((entry) => entry.relation);
      held.clear();
      return relations;
    },
    isHeld(relation) {
      return [...held.values()].some((entry) => entry.relation === relation);
    },
  };
}
