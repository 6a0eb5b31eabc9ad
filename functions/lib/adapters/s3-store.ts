/**
 * S3 adapters of the stores: snapshots, the run log, the delivery log and the alert state,
 * under one bucket prefix, with the layout of the filesystem adapters (`fs-store.ts`) so
 * that a folder copied to S3, or back, reads the same:
 *
 * ```
 * snapshots/<report>/<periodKey>/r001.json                      one object per revision, never rewritten
 * snapshots/history/<report>/dt=<UTC date>/<period>~r001.json   one history line per snapshot
 * runs/dt=<UTC date>/<time>-<uuid>.json                         one JSON line per run
 * deliveries/<idempotency key>.json                             one record per delivery
 * alerts/state.json                                             the alert state (ETag-versioned)
 * ```
 *
 * A period key of a run in another zone than its report's configured one starts with the
 * zone (`tz=America.New_York/2026-03-01`, see `zonedKey` in report/snapshot.ts): its objects
 * sort after every plain date, so the configured zone's history ranges never read them.
 *
 * S3 has no append, so the append-only JSON Lines files of the local runtime become one
 * object per line, partitioned by the UTC date they were written (`dt=`). Athena reads such
 * a folder as one table: e.g. `CREATE EXTERNAL TABLE snapshot_history (…) PARTITIONED BY
 * (dt string) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION
 * 's3://<bucket>/<prefix>snapshots/history/daily/'` with partition projection on `dt`
 * (`projection.dt.type = date`, `projection.dt.format = yyyy-MM-dd`); DuckDB reads the same
 * objects with `read_json('s3://…/dt=*\/*.json', hive_partitioning = true)`.
 *
 * Never overwriting relies on S3 conditional writes: `If-None-Match: *` creates an object
 * only when the key is free (HTTP 412 otherwise), and `If-Match: <etag>` replaces it only
 * when nobody changed it since it was read.
 */
import { randomUUID } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  type AlertStateStore,
  type Clock,
  type DeliveryLog,
  type DeliveryRecord,
  type RunLog,
  type SnapshotDocument,
  type SnapshotStore,
  systemClock,
} from "../ports.ts";
import { toHistoryLine } from "../report/snapshot.ts";
import {
  errorMessage,
  errorName,
  isConditionalConflict,
  isNotFound,
  isPreconditionFailed,
  isServerError,
  isThrottling,
  type RetryPolicy,
  realSleep,
  type Sleep,
  withRetry,
} from "./aws-errors.ts";
import { mapLimited } from "./map-limited.ts";

/** Where and how the S3 stores write. */
export interface S3StoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix of everything the stores write, e.g. `opspulse/` (default: the bucket root). */
  readonly prefix?: string;
  /** The time of writing, for the `dt=` partitions (default: the system clock). */
  readonly clock?: Clock;
  /** Attempts at a conditional write that keeps losing races (default 30). */
  readonly maxAttempts?: number;
  /** Injected so that tests do not wait between attempts. */
  readonly sleep?: Sleep;
}

/** An S3 call failed for a reason other than a lost race; the message names the object. */
export class S3StoreError extends Error {
  override name = "S3StoreError";
}

/** A report name or period key that cannot be part of a key. */
export class S3KeyError extends Error {
  override name = "S3KeyError";
}

/** A folder or key segment: never `.`, `..` or hidden; `_` and `-` may start one (campaign ids). */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.=-]*$/;
const HISTORY_FOLDER = "history";
const REVISION_OBJECT = /^r(\d+)\.json$/;
const JSON_TYPE = "application/json";

/** Snapshots: one object per (report, period, revision), plus one history line per revision. */
export function createS3SnapshotStore(options: S3StoreOptions): SnapshotStore {
  const s3 = bucketAccess(options);
  const clock = options.clock ?? systemClock;
  const reportPrefix = (report: string) => `snapshots/${reportSegment(report)}/`;
  const periodPrefix = (report: string, periodKey: string) =>
    `${reportPrefix(report)}${periodSegments(periodKey).join("/")}/`;

  const revisionNumbers = async (report: string, periodKey: string): Promise<number[]> => {
    const prefix = periodPrefix(report, periodKey);
    const keys = await s3.list(prefix);
    return keys
      .map((key) => REVISION_OBJECT.exec(key.slice(prefix.length))?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  };
  const read = async (report: string, periodKey: string, revision: number) => {
    const text = await s3.get(`${periodPrefix(report, periodKey)}${revisionObject(revision)}`);
    if (text === undefined) {
      throw new S3StoreError(
        `Snapshot ${report} ${periodKey} r${revision} was listed but cannot be read from s3://${options.bucket}.`,
      );
    }
    return JSON.parse(text) as SnapshotDocument;
  };
  const latest = async (report: string, periodKey: string) => {
    const last = (await revisionNumbers(report, periodKey)).at(-1);
    return last === undefined ? undefined : read(report, periodKey, last);
  };

  return {
    async put(doc) {
      const prefix = periodPrefix(doc.report, doc.periodKey);
      for (let attempt = 1; ; attempt++) {
        const revision = ((await revisionNumbers(doc.report, doc.periodKey)).at(-1) ?? 0) + 1;
        const stored: SnapshotDocument = { ...doc, revision };
        const created = await s3.create(
          `${prefix}${revisionObject(revision)}`,
          `${JSON.stringify(stored, null, 2)}\n`,
        );
        if (created) {
          await s3.create(
            historyKey(stored, clock.now()),
            `${JSON.stringify(toHistoryLine(stored))}\n`,
          );
          return stored;
        }
        // Another run took this revision between our listing and our write: list again.
        if (attempt >= s3.maxAttempts) {
          throw new S3StoreError(
            `Could not write a new revision of snapshot ${doc.report} ${doc.periodKey}: ${attempt} concurrent writers got there first. Re-run the report.`,
          );
        }
        await s3.pause(attempt);
      }
    },
    latest,
    async revisions(report, periodKey) {
      const revisions = await revisionNumbers(report, periodKey);
      return Promise.all(revisions.map((revision) => read(report, periodKey, revision)));
    },
    async history(report, fromKey, toKey) {
      const prefix = reportPrefix(report);
      // Keys of periods before `fromKey` sort before `<prefix><fromKey>`: skip them unread.
      const keys = await s3.list(prefix, `${prefix}${fromKey}`);
      const latestRevision = new Map<string, number>();
      for (const key of keys) {
        const relative = key.slice(prefix.length);
        const slash = relative.lastIndexOf("/");
        const revision = REVISION_OBJECT.exec(relative.slice(slash + 1))?.[1];
        const periodKey = relative.slice(0, slash);
        if (revision === undefined || periodKey < fromKey || periodKey > toKey) continue;
        latestRevision.set(
          periodKey,
          Math.max(latestRevision.get(periodKey) ?? 0, Number(revision)),
        );
      }
      const periods = [...latestRevision.keys()].sort();
      return mapLimited(periods, 8, (periodKey) =>
        read(report, periodKey, latestRevision.get(periodKey) ?? 0),
      );
    },
  };

  function historyKey(doc: SnapshotDocument, writtenAt: Date): string {
    const period = periodSegments(doc.periodKey).join("_");
    return `snapshots/${HISTORY_FOLDER}/${doc.report}/dt=${utcDate(writtenAt)}/${period}~${revisionObject(doc.revision)}`;
  }
}

/** The run log: one object per run, holding one JSON line (see the module comment). */
export function createS3RunLog(options: S3StoreOptions): RunLog {
  const s3 = bucketAccess(options);
  const clock = options.clock ?? systemClock;
  return {
    async append(entry) {
      const at = clock.now();
      const key = `runs/dt=${utcDate(at)}/${runStamp(at)}-${randomUUID()}.json`;
      await s3.create(key, `${JSON.stringify(entry)}\n`);
    },
    // The objects of each UTC day from `from` to now, from `from`'s stamp on.
    async since(from) {
      const entries: Record<string, unknown>[] = [];
      const today = utcDate(clock.now());
      for (let day = utcDate(from); day <= today; day = nextUtcDate(day)) {
        const keys = await s3.list(`runs/dt=${day}/`, `runs/dt=${day}/${runStamp(from)}`);
        for (const key of keys) {
          const text = await s3.get(key);
          if (text) entries.push(JSON.parse(text) as Record<string, unknown>);
        }
      }
      return entries;
    },
  };
}

/** `20260303T001500.000Z`: the start of a run log object's name, sortable. */
function runStamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "");
}

function nextUtcDate(day: string): string {
  return utcDate(new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000));
}

/**
 * The delivery log: one object per idempotency key. `claim` is a conditional create
 * (`If-None-Match: *`): of many concurrent claims of one key, S3 lets exactly one through
 * and answers the others 412, which means "already claimed". `takeOver` of an expired
 * claim is a conditional replace (`If-Match: <ETag>`). S3 cannot tell whether a claim's
 * process is gone: a claim there holds until its lease ends.
 */
export function createS3DeliveryLog(options: S3StoreOptions): DeliveryLog {
  const s3 = bucketAccess(options);
  const keyOf = (idempotencyKey: string) => `deliveries/${encodeURIComponent(idempotencyKey)}.json`;
  const serialize = (record: DeliveryRecord) => `${JSON.stringify(record, null, 2)}\n`;
  return {
    claim: (record) => s3.create(keyOf(record.idempotencyKey), serialize(record)),
    /**
     * A conditional replace: only when the object still holds `previous`, and with
     * `If-Match` on the ETag it was read with, so that of two takers S3 lets one through
     * (the other gets 412). A retried takeover that S3 applied meets its own body.
     */
    async takeOver(record, previous) {
      const key = keyOf(record.idempotencyKey);
      const current = await s3.getWithEtag(key);
      if (!current) return false;
      if (current.text === serialize(record)) return true;
      if (current.text !== serialize(previous)) return false;
      return s3.put(key, serialize(record), { IfMatch: current.etag });
    },
    async get(idempotencyKey) {
      const text = await s3.get(keyOf(idempotencyKey));
      return text === undefined ? undefined : (JSON.parse(text) as DeliveryRecord);
    },
    async complete(record) {
      await s3.replace(keyOf(record.idempotencyKey), serialize(record));
    },
    async release(idempotencyKey) {
      await s3.remove(keyOf(idempotencyKey));
    },
  };
}

/**
 * The alert state as one JSON object whose ETag is its version: `save` writes with
 * `If-Match: <etag>` (or `If-None-Match: *` for the first save), so a writer that read an
 * older state gets `false` and must load again instead of overwriting a newer one.
 */
export function createS3AlertStateStore(
  options: S3StoreOptions & { readonly key?: string },
): AlertStateStore {
  const s3 = bucketAccess(options);
  const key = options.key ?? "alerts/state.json";
  return {
    async load() {
      const object = await s3.getWithEtag(key);
      if (!object) return { state: undefined, version: undefined };
      return { state: JSON.parse(object.text) as unknown, version: object.etag };
    },
    async save(state, expectedVersion) {
      return s3.put(key, `${JSON.stringify(state, null, 2)}\n`, {
        ...(expectedVersion === undefined ? { IfNoneMatch: "*" } : { IfMatch: expectedVersion }),
      });
    },
  };
}

/** The S3 calls the stores make, with the error handling they share. */
function bucketAccess(options: S3StoreOptions) {
  const { client, bucket } = options;
  const prefix = normalizePrefix(options.prefix ?? "");
  const sleep = options.sleep ?? realSleep;
  const maxAttempts = options.maxAttempts ?? 30;
  const conflictRetry: RetryPolicy = {
    maxRetries: Math.max(0, maxAttempts - 1),
    baseDelayMs: 50,
    maxDelayMs: 2_000,
    sleep,
  };
  const transientRetry: RetryPolicy = {
    maxRetries: TRANSIENT_RETRIES,
    baseDelayMs: 100,
    maxDelayMs: 2_000,
    sleep,
  };
  /** Calls `send`, retrying S3's 5xx and SlowDown a few times with backoff. */
  const retryingTransient = <T>(send: () => Promise<T>) =>
    withRetry(send, isTransient, transientRetry);
  const location = (key: string) => `s3://${bucket}/${prefix}${key}`;
  const failure = (what: string, key: string, error: unknown) =>
    new S3StoreError(
      `S3 ${what} ${location(key)} failed: ${errorName(error)}: ${errorMessage(error)}. Check that the bucket exists and the role may ${what === "GetObject" || what === "ListObjectsV2" ? "read" : "write"} this prefix.`,
      { cause: error },
    );

  /**
   * PutObject with optional conditions; false when a condition did not hold (412, or 404
   * for `If-Match` on a deleted object). A 409 (another conditional write of the key in
   * flight) is retried, as S3 asks; so are a few 5xx and SlowDown answers.
   */
  async function put(
    key: string,
    body: string,
    conditions: { IfNoneMatch?: string; IfMatch?: string } = {},
  ): Promise<boolean> {
    let transientFailures = 0;
    try {
      await withRetry(
        () =>
          client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: `${prefix}${key}`,
              Body: body,
              ContentType: JSON_TYPE,
              ...conditions,
            }),
          ),
        (error) =>
          isConditionalConflict(error) ||
          (isTransient(error) && ++transientFailures <= TRANSIENT_RETRIES),
        conflictRetry,
      );
      return true;
    } catch (error) {
      if (isPreconditionFailed(error)) return false;
      if (conditions.IfMatch !== undefined && isNotFound(error)) return false;
      if (isConditionalConflict(error) && (conditions.IfMatch || conditions.IfNoneMatch)) {
        return false;
      }
      throw failure("PutObject", key, error);
    }
  }

  async function getWithEtag(key: string): Promise<{ text: string; etag: string } | undefined> {
    try {
      const object = await retryingTransient(() =>
        client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${key}` })),
      );
      const text = (await object.Body?.transformToString("utf8")) ?? "";
      return { text, etag: object.ETag ?? "" };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw failure("GetObject", key, error);
    }
  }

  return {
    maxAttempts,
    put,
    getWithEtag,
    /**
     * Creates `key` only if it does not exist; false when it does. A write that S3 applied
     * but answered with a 5xx, then retried (by us or by the SDK), meets its own object and
     * gets 412: the object holding exactly this body means the key is ours after all.
     */
    async create(key: string, body: string): Promise<boolean> {
      if (await put(key, body, { IfNoneMatch: "*" })) return true;
      return (await getWithEtag(key))?.text === body;
    },
    /** Writes `key` whatever was there. */
    async replace(key: string, body: string): Promise<void> {
      await put(key, body);
    },
    async get(key: string): Promise<string | undefined> {
      return (await getWithEtag(key))?.text;
    },
    async remove(key: string): Promise<void> {
      try {
        await retryingTransient(() =>
          client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}${key}` })),
        );
      } catch (error) {
        if (!isNotFound(error)) throw failure("DeleteObject", key, error);
      }
    },
    /** Every key under `keyPrefix` (relative to the store prefix), in S3's (byte) order. */
    async list(keyPrefix: string, startAfter?: string): Promise<string[]> {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        let page: ListObjectsV2CommandOutput;
        try {
          page = await retryingTransient(() =>
            client.send(
              new ListObjectsV2Command({
                Bucket: bucket,
                Prefix: `${prefix}${keyPrefix}`,
                ...(startAfter ? { StartAfter: `${prefix}${startAfter}` } : {}),
                ...(token ? { ContinuationToken: token } : {}),
              }),
            ),
          );
        } catch (error) {
          throw failure("ListObjectsV2", keyPrefix, error);
        }
        for (const object of page.Contents ?? []) {
          if (object.Key) keys.push(object.Key.slice(prefix.length));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    /** A short, growing, jittered pause between two attempts of a lost race. */
    pause: (attempt: number) =>
      sleep(Math.min(2_000, 20 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2)),
  };
}

/** Retries of an S3 call answered with a 5xx or SlowDown, on top of the SDK's own. */
const TRANSIENT_RETRIES = 3;

/** S3 failed on its side or asked to slow down: the same call may succeed in a moment. */
function isTransient(error: unknown): boolean {
  return isServerError(error) || isThrottling(error);
}

function normalizePrefix(prefix: string): string {
  if (prefix === "" || prefix === "/") return "";
  const trimmed = prefix.replace(/^\/+/, "");
  return trimmed.endsWith("/") ? trimmed : `${trimmed}/`;
}

function revisionObject(revision: number): string {
  return `r${String(revision).padStart(3, "0")}.json`;
}

function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

function reportSegment(report: string): string {
  if (!SEGMENT.test(report) || report === HISTORY_FOLDER) {
    throw new S3KeyError(
      `"${report}" is not a report name: use letters, digits, dots, dashes (and not "history").`,
    );
  }
  return report;
}

/** A period key such as `2026-03-01`, `2026-W09` or `spring-sale/2026-03-01`. */
function periodSegments(periodKey: string): string[] {
  const segments = periodKey.split("/");
  if (!segments.every((segment) => SEGMENT.test(segment))) {
    throw new S3KeyError(
      `"${periodKey}" is not a period key: use letters, digits, dots and dashes, with "/" between parts.`,
    );
  }
  return segments;
}
