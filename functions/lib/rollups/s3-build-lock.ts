/**
 * Per-day build locks of the rollups in S3, so that two Lambdas (the daily and the campaigns
 * report both start at 08:00 and both need yesterday's order rollups) never rebuild the
 * same day at once: overlapping list-delete-copy-manifest sequences could leave both
 * builds' files in a day and double its counts.
 *
 * A lock is one object per (rollup, local day), `rollups/_locks/<rollup>/local_date=<day>.json`,
 * created with `If-None-Match: *` (S3 answers 412 PreconditionFailed when it exists, 409
 * ConditionalRequestConflict while another conditional write of it is in flight). It holds
 * its owner and an expiry: a lock whose holder died (a killed Lambda) is taken over once
 * expired, by a write with `If-Match` on the expired lock's ETag, so that of two takers one
 * wins. A builder waits for a live lock (polling) until it is released or expires, but not
 * past its run's deadline. Days are locked in sorted order, so two builders of overlapping
 * day sets cannot wait on each other.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  isConditionalConflict,
  isNotFound,
  isPreconditionFailed,
  realSleep,
  type Sleep,
} from "../adapters/aws-errors.ts";
import { DeadlineExceededError, msUntil } from "../deadline.ts";

/** A Lambda runs at most 15 minutes: a lock older than that has lost its holder. */
export const BUILD_LOCK_TTL_MS = 15 * 60_000;
/** How often a waiting builder looks at a held lock again. */
export const BUILD_LOCK_POLL_MS = 2_000;

export interface BuildLockOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Key prefix of the locks, e.g. `lake/rollups/_locks/`. */
  readonly prefix: string;
  readonly ttlMs?: number;
  readonly pollMs?: number;
  /** Waiting for a lock stops here (the run's deadline). */
  readonly deadline?: Date | undefined;
  readonly now?: () => number;
  readonly sleep?: Sleep;
}

/** The locks a builder holds; `release` gives back those it still owns. */
export interface HeldLocks {
  release(): Promise<void>;
}

interface LockBody {
  readonly owner: string;
  readonly expiresAt: string;
}

/** Takes the lock of each day (sorted) for `owner`, waiting for held ones; see the module comment. */
export async function lockDays(
  options: BuildLockOptions,
  rollup: string,
  days: readonly string[],
  owner: string,
): Promise<HeldLocks> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const ttlMs = options.ttlMs ?? BUILD_LOCK_TTL_MS;
  const pollMs = options.pollMs ?? BUILD_LOCK_POLL_MS;
  const { s3, bucket } = options;
  const keyOf = (day: string) => `${options.prefix}${rollup}/local_date=${day}.json`;
  const body = () =>
    JSON.stringify({ owner, expiresAt: new Date(now() + ttlMs).toISOString() } satisfies LockBody);

  const write = async (key: string, condition: { IfNoneMatch: "*" } | { IfMatch: string }) => {
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body(),
          ContentType: "application/json",
          ...condition,
        }),
      );
      return true;
    } catch (error) {
      // Taken by someone else (412), or being taken right now (409), or gone (404 on If-Match).
      if (isPreconditionFailed(error) || isConditionalConflict(error) || isNotFound(error)) {
        return false;
      }
      throw error;
    }
  };
  const read = async (key: string) => {
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const text = (await object.Body?.transformToString()) ?? "";
      let lock: Partial<LockBody> = {};
      try {
        lock = JSON.parse(text) as Partial<LockBody>;
      } catch {
        // An unreadable lock counts as expired.
      }
      return { lock, etag: object.ETag ?? "" };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const take = async (key: string, day: string) => {
    for (;;) {
      if (await write(key, { IfNoneMatch: "*" })) return;
      const current = await read(key);
      if (!current) continue; // released meanwhile: try again at once
      const expiresAt = Date.parse(current.lock.expiresAt ?? "");
      if (!(expiresAt > now()) && (await write(key, { IfMatch: current.etag }))) return;
      if (options.deadline && msUntil(options.deadline, now() + pollMs) <= 0) {
        throw new DeadlineExceededError(
          `The ${rollup} rollup of ${day} is being built by ${current.lock.owner ?? "another run"} (lock ${key} until ${current.lock.expiresAt}); this run's deadline came first. Re-run the period once that build is done.`,
          options.deadline,
        );
      }
      await sleep(pollMs);
    }
  };

  const held: string[] = [];
  const release = async () => {
    for (const key of held.splice(0)) {
      const current = await read(key);
      if (current?.lock.owner !== owner) continue; // expired and taken over: not ours to delete
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    }
  };
  try {
    for (const day of [...days].sort()) {
      const key = keyOf(day);
      await take(key, day);
      held.push(key);
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}
