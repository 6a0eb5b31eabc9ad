/**
 * Vitest's global setup: the tests' temporary folders (every `tmpdir()` of the tests, the
 * DuckDB engine's schema files, the CLI processes they start) go to a folder of their own on
 * a RAM file system when the machine has one with room to spare (Linux's /dev/shm). The
 * property tests write and delete hundreds of small lakes, each a few hundred files and
 * folders, and on a disk that file-system work costs as much as the queries.
 */
import { mkdtempSync, rmSync, statfsSync } from "node:fs";
import { join } from "node:path";

/** A RAM file system: used only when it exists and has this much room free. */
const RAM_DIR = "/dev/shm";
const MIN_FREE_BYTES = 2 * 1024 ** 3;

function freeBytes(folder: string): number {
  try {
    const stats = statfsSync(folder);
    return stats.bavail * stats.bsize;
  } catch {
    return 0; // no such folder (macOS, Windows): the disk's temporary folder it is
  }
}

export default function setup(): () => void {
  if (process.env.OPSPULSE_TEST_TMPDIR === "disk" || freeBytes(RAM_DIR) < MIN_FREE_BYTES) {
    return () => {};
  }
  let folder: string;
  try {
    folder = mkdtempSync(join(RAM_DIR, "opspulse-tests-"));
  } catch {
    return () => {}; // not writable here: the disk's temporary folder it is
  }
  // Read by os.tmpdir() in the test processes, which vitest starts after this ran.
  process.env.TMPDIR = folder;
  return () => rmSync(folder, { recursive: true, force: true });
}
