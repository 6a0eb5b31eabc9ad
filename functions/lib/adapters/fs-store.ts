/**
 * Filesystem adapters of the stores: snapshots, the delivery log and the run log, under the
 * output folder of the embedded runtime. The S3 adapters keep the same layout under a
 * bucket prefix, so a folder copied to S3 (or back) reads the same.
 *
 * ```
 * <out>/snapshots/<report>/<periodKey>/r001.json     one document per revision, never rewritten
 * <out>/snapshots/history/<report>.jsonl             one line per snapshot, append-only
 * <out>/deliveries/<idempotency key>.json            one record per delivery (exclusive create)
 * <out>/deliveries/.takeovers/<key>.<claim hash>     one marker per claim taken over
 * <out>/runs/runs.jsonl                              one line per run
 * ```
 *
 * A period key of a run in another zone than its report's configured one starts with the
 * zone (`tz=America.New_York/2026-03-01`, see `zonedKey` in report/snapshot.ts), so it is a
 * folder of its own, and so is its delivery key.
 *
 * Files appear whole or not at all: each is written to a temporary name first, then
 * hard-linked (exclusive: fails when the name exists) or renamed into place.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  appendFile,
  link,
  mkdir,
  readdir,
  readFile,
  rename,
  unlink,
  writeFile,
} from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import type {
  DeliveryLog,
  DeliveryRecord,
  RunLog,
  SnapshotDocument,
  SnapshotStore,
} from "../ports.ts";
import { toHistoryLine } from "../report/snapshot.ts";

/** A report name or period key that cannot be a safe path. */
export class StorePathError extends Error {
  override name = "StorePathError";
}

/** A folder or key segment: never `.`, `..` or hidden; `_` and `-` may start one (campaign ids). */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.=-]*$/;
const REVISION_FILE = /^r(\d+)\.json$/;
const HISTORY_FOLDER = "history";

/** The folders of the embedded runtime under one output folder. */
export interface FsStores {
  readonly snapshots: SnapshotStore;
  readonly deliveries: DeliveryLog;
  readonly runLog: RunLog;
}

/** The three stores under `outDir` (see the layout above). */
export function createFsStores(outDir: string): FsStores {
  return {
    snapshots: createFsSnapshotStore({ dir: join(outDir, "snapshots") }),
    deliveries: createFsDeliveryLog({ dir: join(outDir, "deliveries") }),
    runLog: createFsRunLog({ file: join(outDir, "runs", "runs.jsonl") }),
  };
}

/** Snapshots as JSON files, one per revision, plus a JSON Lines history per report. */
export function createFsSnapshotStore(options: { readonly dir: string }): SnapshotStore & {
  /** The file of a stored revision. */
  pathOf(report: string, periodKey: string, revision: number): string;
  /** The history file of a report. */
  historyPath(report: string): string;
} {
  const root = options.dir;
  const periodDir = (report: string, periodKey: string) =>
    join(root, reportSegment(report), ...periodSegments(periodKey));
  const pathOf = (report: string, periodKey: string, revision: number) =>
    join(periodDir(report, periodKey), revisionFile(revision));
  const historyPath = (report: string) =>
    join(root, HISTORY_FOLDER, `${reportSegment(report)}.jsonl`);

  const revisionNumbers = async (report: string, periodKey: string): Promise<number[]> => {
    const names = await readdirOrEmpty(periodDir(report, periodKey));
    return names
      .map((name) => REVISION_FILE.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  };
  const read = async (report: string, periodKey: string, revision: number) =>
    JSON.parse(await readFile(pathOf(report, periodKey, revision), "utf8")) as SnapshotDocument;
  const latest = async (report: string, periodKey: string) => {
    const revisions = await revisionNumbers(report, periodKey);
    const last = revisions.at(-1);
    return last === undefined ? undefined : read(report, periodKey, last);
  };

  return {
    pathOf,
    historyPath,
    async put(doc) {
      const folder = periodDir(doc.report, doc.periodKey);
      await mkdir(folder, { recursive: true });
      let revision = ((await revisionNumbers(doc.report, doc.periodKey)).at(-1) ?? 0) + 1;
      for (;;) {
        const stored: SnapshotDocument = { ...doc, revision };
        const created = await createExclusive(
          join(folder, revisionFile(revision)),
          `${JSON.stringify(stored, null, 2)}\n`,
        );
        if (created) {
          await mkdir(join(root, HISTORY_FOLDER), { recursive: true });
          await appendFile(historyPath(doc.report), `${JSON.stringify(toHistoryLine(stored))}\n`);
          return stored;
        }
        revision++; // another writer took this revision: take the next one
      }
    },
    latest,
    async revisions(report, periodKey) {
      const revisions = await revisionNumbers(report, periodKey);
      return Promise.all(revisions.map((revision) => read(report, periodKey, revision)));
    },
    async history(report, fromKey, toKey) {
      const keys = (await periodKeysUnder(join(root, reportSegment(report)), []))
        .filter((key) => key >= fromKey && key <= toKey)
        .sort();
      const docs = await Promise.all(keys.map((key) => latest(report, key)));
      return docs.filter((doc): doc is SnapshotDocument => doc !== undefined);
    },
  };
}

/**
 * Deliveries as one JSON file per idempotency key; `claim` is an exclusive create. A claim
 * records the claimant's process id and host (`owner`), so that a claim whose process is
 * gone can be taken over at once ({@link DeliveryLog.ownerGone}); a takeover creates an
 * exclusive marker per replaced claim in `.takeovers/`, so of two takers one wins.
 */
export function createFsDeliveryLog(options: { readonly dir: string }): DeliveryLog {
  const pathOf = (key: string) => join(options.dir, `${encodeURIComponent(key)}.json`);
  const serialize = (record: DeliveryRecord) => `${JSON.stringify(record, null, 2)}\n`;
  const owned = (record: DeliveryRecord): DeliveryRecord => ({
    ...record,
    owner: { pid: process.pid, host: hostname() },
  });
  const get = async (key: string): Promise<DeliveryRecord | undefined> => {
    try {
      return JSON.parse(await readFile(pathOf(key), "utf8")) as DeliveryRecord;
    } catch (error) {
      if (isCode(error, "ENOENT")) return undefined;
      throw error;
    }
  };
  return {
    async claim(record) {
      await mkdir(options.dir, { recursive: true });
      return createExclusive(pathOf(record.idempotencyKey), serialize(owned(record)));
    },
    async takeOver(record, previous) {
      const key = record.idempotencyKey;
      const current = await get(key);
      if (!current || serialize(current) !== serialize(previous)) return false;
      const markers = join(options.dir, ".takeovers");
      await mkdir(markers, { recursive: true });
      const replaced = createHash("sha256").update(serialize(previous)).digest("hex").slice(0, 32);
      // Kept, never removed: a slow taker that read the same claim must still lose.
      const marker = join(markers, `${encodeURIComponent(key)}.${replaced}`);
      if (!(await createExclusive(marker, record.runId))) return false;
      await replace(pathOf(key), serialize(owned(record)));
      return true;
    },
    async ownerGone(record) {
      const owner = record.owner as { pid?: unknown; host?: unknown } | undefined;
      if (typeof owner?.pid !== "number" || owner.host !== hostname()) return false;
      return !processAlive(owner.pid);
    },
    get,
    async complete(record) {
      await replace(pathOf(record.idempotencyKey), serialize(record));
    },
    async release(key) {
      try {
        await unlink(pathOf(key));
      } catch (error) {
        if (!isCode(error, "ENOENT")) throw error;
      }
    },
  };
}

/** The run log as one JSON Lines file. */
export function createFsRunLog(options: { readonly file: string }): RunLog {
  return {
    async append(entry) {
      await mkdir(dirname(options.file), { recursive: true });
      await appendFile(options.file, `${JSON.stringify(entry)}\n`);
    },
    // The whole file: a local run log is small, and its lines carry no common time field.
    async since() {
      let text: string;
      try {
        text = await readFile(options.file, "utf8");
      } catch (error) {
        if (isCode(error, "ENOENT")) return [];
        throw error;
      }
      return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

/** Whether a process of this host runs under `pid` (EPERM: it does, as another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isCode(error, "ESRCH");
  }
}

/** Writes `content` to `path` only if nothing is there; false when something is. */
export async function createExclusive(
  path: string,
  content: string | Uint8Array,
): Promise<boolean> {
  const temporary = temporaryPath(path);
  await writeFile(temporary, content, { flag: "wx" });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if (isCode(error, "EEXIST")) return false;
    throw error;
  } finally {
    await unlink(temporary);
  }
}

/** Writes `content` to `path` whole, replacing what was there. */
export async function replace(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = temporaryPath(path);
  await writeFile(temporary, content, { flag: "wx" });
  await rename(temporary, path);
}

function temporaryPath(path: string): string {
  return join(dirname(path), `.tmp-${process.pid}-${randomUUID()}`);
}

function revisionFile(revision: number): string {
  return `r${String(revision).padStart(3, "0")}.json`;
}

function reportSegment(report: string): string {
  if (!SEGMENT.test(report) || report === HISTORY_FOLDER) {
    throw new StorePathError(
      `"${report}" is not a report name: use letters, digits, dots, dashes (and not "history").`,
    );
  }
  return report;
}

/** A period key such as `2026-03-01`, `2026-W09` or `spring-sale/2026-03-01`. */
function periodSegments(periodKey: string): string[] {
  const segments = periodKey.split("/");
  if (!segments.every((segment) => SEGMENT.test(segment))) {
    throw new StorePathError(
      `"${periodKey}" is not a period key: use letters, digits, dots and dashes, with "/" between parts.`,
    );
  }
  return segments;
}

/** Period keys of the folders under `dir` that hold at least one revision. */
async function periodKeysUnder(dir: string, prefix: readonly string[]): Promise<string[]> {
  const entries = await readdirOrEmpty(dir);
  const keys: string[] = [];
  if (prefix.length > 0 && entries.some((name) => REVISION_FILE.test(name))) {
    keys.push(prefix.join("/"));
  }
  for (const name of entries) {
    if (REVISION_FILE.test(name) || name.startsWith(".") || !SEGMENT.test(name)) continue;
    if (name.endsWith(".json") || name.endsWith(".jsonl")) continue;
    keys.push(...(await periodKeysUnder(join(dir, name), [...prefix, name])));
  }
  return keys;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isCode(error, "ENOENT") || isCode(error, "ENOTDIR")) return [];
    throw error;
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
