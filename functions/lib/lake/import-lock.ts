/**
 * The lock an import holds while it puts its files into a table of the local lake: the
 * check "was this file imported already?" and the move of its files happen under it, so of
 * two imports of one file into one table exactly one writes and the other is told it was
 * imported already (instead of both reporting "appended" while the second added nothing).
 *
 * The lock is a file created exclusively (`wx`) holding the owner's process id, one per
 * table: `<lake>/.import-<table>.lock`. A lock whose process is gone (a killed import) is
 * taken over at once; a live one is waited for, briefly (moving staged files takes
 * milliseconds), then the import gives up with a one-line error.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** How long an import waits for another one into the same table before giving up. */
export const IMPORT_LOCK_WAIT_MS = 60_000;

/** Another import holds the table's lock for longer than {@link IMPORT_LOCK_WAIT_MS}. */
export class ImportLockedError extends Error {
  override name = "ImportLockedError";
}

/** Runs `critical` holding the import lock of `table` in `lakeDir`. */
export async function withImportLock<T>(
  lakeDir: string,
  table: string,
  critical: () => Promise<T> | T,
  waitMs: number = IMPORT_LOCK_WAIT_MS,
): Promise<T> {
  const lock = join(lakeDir, `.import-${table}.lock`);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = lockOwner(lock);
      if (owner !== undefined && !processAlive(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new ImportLockedError(
          `another import into ${table} is running (process ${owner ?? "unknown"}, lock ${lock}); try again when it has finished, or delete the lock if no import is running`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  try {
    return await critical();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** The process id in a lock file; undefined while it is being written or unreadable. */
function lockOwner(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
