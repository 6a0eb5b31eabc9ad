/**
 * The alert state on the filesystem, with a compare-and-swap that holds across processes.
 *
 * Every save creates the next version file, never rewriting one:
 *
 * ```
 * <out>/alerts/state/v000001.json
 * <out>/alerts/state/v000002.json   ← the latest is the state
 * ```
 *
 * `save(state, "1")` creates `v000002.json` exclusively (written to a temporary name, then
 * hard-linked into place, which fails when the name exists). Of two writers that both read
 * version 1, exactly one creates version 2; the other gets `false`, loads again and retries.
 * No lock file, so a crashed writer never blocks the next run. (The S3 adapter keeps one
 * object, versioned by its ETag, instead.)
 *
 * Old versions are pruned, keeping the newest {@link KEEP_VERSIONS} and anything younger
 * than an hour: a writer would have to stall that long and be overtaken by that many saves
 * for its expected version to be pruned, and even then it notices (see `save`).
 */
import { mkdir, readdir, readFile, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { AlertStateStore } from "../ports.ts";
import { createExclusive } from "./fs-store.ts";

const VERSION_FILE = /^v(\d{6,})\.json$/;
const KEEP_VERSIONS = 20;
const PRUNE_AFTER_MS = 3_600_000;

/** The stored alert state is unreadable; the message names the file. */
export class FsAlertStateError extends Error {
  override name = "FsAlertStateError";
}

/** An alert state store in `dir` (e.g. `<out>/alerts/state`). */
export function createFsAlertStateStore(options: { readonly dir: string }): AlertStateStore & {
  /** The file holding a version. */
  pathOf(version: string): string;
} {
  const { dir } = options;
  const pathOf = (version: string) => join(dir, `v${version.padStart(6, "0")}.json`);

  const versions = async (): Promise<number[]> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (isCode(error, "ENOENT")) return [];
      throw error;
    }
    return names
      .map((name) => VERSION_FILE.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  };

  const exists = async (path: string) => {
    try {
      await stat(path);
      return true;
    } catch (error) {
      if (isCode(error, "ENOENT")) return false;
      throw error;
    }
  };

  const prune = async (latest: number) => {
    const cutoff = Date.now() - PRUNE_AFTER_MS;
    // Oldest first, so that versions disappear in order and a gap never opens.
    for (const version of await versions()) {
      if (version > latest - KEEP_VERSIONS) break;
      const path = pathOf(String(version));
      try {
        if ((await stat(path)).mtimeMs > cutoff) break;
        await unlink(path);
      } catch (error) {
        if (!isCode(error, "ENOENT")) throw error;
      }
    }
  };

  return {
    pathOf,
    async load() {
      const latest = (await versions()).at(-1);
      if (latest === undefined) return { state: undefined, version: undefined };
      const version = String(latest);
      const path = pathOf(version);
      try {
        return { state: JSON.parse(await readFile(path, "utf8")) as unknown, version };
      } catch (error) {
        throw new FsAlertStateError(
          `${path} is not readable JSON: restore it from a backup or delete it to fall back to the previous version.`,
          { cause: error },
        );
      }
    },
    async save(state, expectedVersion) {
      if (expectedVersion !== undefined && !/^[1-9]\d*$/.test(expectedVersion)) {
        throw new FsAlertStateError(
          `"${expectedVersion}" is not a version of ${dir}: pass the version load() returned.`,
        );
      }
      const next = expectedVersion === undefined ? 1 : Number(expectedVersion) + 1;
      await mkdir(dir, { recursive: true });
      const path = pathOf(String(next));
      if (!(await createExclusive(path, `${JSON.stringify(state, null, 2)}\n`))) return false;
      // The expected version must still be there: if pruning removed it, this writer was
      // overtaken long ago and its new file must not count.
      if (expectedVersion !== undefined && !(await exists(pathOf(expectedVersion)))) {
        await unlink(path);
        return false;
      }
      await prune(next);
      return true;
    },
  };
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
