/**
 * Delivery claims with an owner and a lease: how every channel (report emails, on-call
 * alerts, failure notices; chat messages per contact point) makes one delivery happen once
 * and never loses it.
 *
 * A run claims a delivery's key before it sends (create-if-absent in the
 * {@link DeliveryLog}), naming itself (`runId`; the local store adds its process id and
 * host) and how long the claim holds: `leaseUntil`, the run's deadline (a Lambda's end, or
 * the start plus the longest a run may take). The claim then becomes "delivered" with the
 * message id, or is released when the send failed. A run that finds a claim of another run
 *
 * - delivered: the delivery happened; nothing to do;
 * - still sending within its lease: another run is sending, or crashed after claiming;
 *   whether the email went out is unknown until the lease ends, so the run waits a little
 *   for it to settle and otherwise fails with "delivery in progress or interrupted" —
 *   never "ok";
 * - sending past its lease, or owned by a process known to be gone (local store): the owner
 *   cannot finish it, so the run takes the claim over (a conditional replace: of many
 *   takers one wins) and sends. The Message-ID is derived from the key
 *   (`deliveryMessageId`), so a client that did get the first copy shows one message.
 */
import type { DeliveryLog, DeliveryRecord } from "../ports.ts";

/** The longest a run may take when its caller gives no deadline (a Lambda's maximum). */
export const DEFAULT_MAX_RUN_MS = 15 * 60_000;

/**
 * A claim made late in a run still holds at least this long: a send in flight is not
 * taken over because the run's nominal deadline passed (a CLI run has no hard deadline).
 */
export const MIN_SEND_LEASE_MS = 5 * 60_000;

/** The lease of a claim written before claims had one: its claim time plus this. */
export const LEGACY_LEASE_MS = 30 * 60_000;

/** How long a run waits for another run's claim to settle before it gives up (default). */
export const DEFAULT_SETTLE_WAIT_MS = 20_000;

/** A claim that another run holds, within its lease: the delivery's fate is not known yet. */
export class DeliveryInProgressError extends Error {
  override name = "DeliveryInProgressError";
}

/** The run's deadline: the caller's (a Lambda's remaining time), else start + max run time. */
export function runDeadline(
  startedAt: Date,
  options: {
    readonly deadline?: Date | string | undefined;
    readonly maxRunMs?: number | undefined;
  },
): Date {
  if (options.deadline !== undefined) return new Date(options.deadline);
  return new Date(startedAt.getTime() + (options.maxRunMs ?? DEFAULT_MAX_RUN_MS));
}

/** The lease of a claim made at `now` by a run that ends by `deadline`. */
export function leaseFor(deadline: Date, now: Date): string {
  return new Date(Math.max(deadline.getTime(), now.getTime() + MIN_SEND_LEASE_MS)).toISOString();
}

/** When a claim's lease ends (a claim without one: {@link LEGACY_LEASE_MS} after it was made). */
export function leaseEnd(record: DeliveryRecord): Date {
  if (typeof record.leaseUntil === "string") return new Date(record.leaseUntil);
  return new Date(Date.parse(record.deliveredAt) + LEGACY_LEASE_MS);
}

/** What a stored record says about its delivery at `now`. */
export type ClaimState = "delivered" | "held" | "expired";

/** `held`: a claim within its lease; `expired`: a claim past it; otherwise delivered. */
export function claimState(record: DeliveryRecord, now: Date): ClaimState {
  if (record.state !== "sending") return "delivered";
  return now.getTime() > leaseEnd(record).getTime() ? "expired" : "held";
}

/** The one line a run fails with when another run holds a delivery's claim. */
export function inProgressMessage(record: DeliveryRecord): string {
  return `${record.idempotencyKey}: delivery in progress or interrupted (run ${record.runId}, until ${leaseEnd(record).toISOString()}): a later run takes it over after that time (locally: at once when that run's process is gone)`;
}

/** How a claim attempt ended. */
export type ClaimOutcome =
  | {
      readonly kind: "claimed";
      /** The expired (or orphaned) claim this one replaced. */
      readonly takenOver?: DeliveryRecord;
    }
  | { readonly kind: "delivered"; readonly record: DeliveryRecord }
  | { readonly kind: "in_progress"; readonly record: DeliveryRecord };

/** Waiting for another run's claim to settle. */
export interface SettleWait {
  /** Longest wait, in milliseconds (default {@link DEFAULT_SETTLE_WAIT_MS}; 0: none). */
  readonly timeoutMs?: number;
  /** Pause between two looks (default 100 ms). */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Races one claim may lose in a row before the run gives up (a storm of runs). */
const MAX_CLAIM_RACES = 100;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Claims `record.idempotencyKey` for `record.runId` (see the module comment): a fresh
 * claim, or a takeover of an expired or orphaned one, is `claimed` (a claim of the same
 * run id is no exception: two offers of one message must not both send);
 * a completed delivery is `delivered`; another run's claim that stays within its lease for
 * the whole wait is `in_progress`.
 */
export async function claimDelivery(
  log: DeliveryLog,
  record: DeliveryRecord & { readonly leaseUntil: string },
  now: () => Date,
  wait: SettleWait = {},
): Promise<ClaimOutcome> {
  const sleep = wait.sleep ?? realSleep;
  const pollMs = wait.pollMs ?? 100;
  let waitLeft = wait.timeoutMs ?? DEFAULT_SETTLE_WAIT_MS;
  // Rounds that did not wait: a claim released, or taken over by another run, meanwhile.
  let races = 0;
  for (;;) {
    if (races > MAX_CLAIM_RACES) {
      throw new DeliveryInProgressError(
        `${record.idempotencyKey}: the claim changed hands ${MAX_CLAIM_RACES} times while this run tried to take it: too many runs at once; re-run later`,
      );
    }
    if (await log.claim(record)) return { kind: "claimed" };
    const current = await log.get(record.idempotencyKey);
    if (!current) {
      races++; // released between our claim and our look: claim again
      continue;
    }
    const state = claimState(current, now());
    if (state === "delivered") return { kind: "delivered", record: current };
    if (state === "expired" || (await log.ownerGone?.(current))) {
      if (await log.takeOver(record, current)) return { kind: "claimed", takenOver: current };
      races++; // another run took it over first: look again
      continue;
    }
    if (waitLeft <= 0) return { kind: "in_progress", record: current };
    await sleep(pollMs);
    waitLeft -= pollMs;
  }
}

/**
 * The record of `key` once it has settled: delivered, absent (released), or a claim this
 * run may take over (expired, or its owner gone); a claim another run holds for the whole
 * wait throws {@link DeliveryInProgressError}. For a run deciding, before it computes
 * anything, whether a delivery is still owed.
 */
export async function settledRecord(
  log: DeliveryLog,
  key: string,
  now: () => Date,
  wait: SettleWait = {},
): Promise<DeliveryRecord | undefined> {
  const sleep = wait.sleep ?? realSleep;
  const pollMs = wait.pollMs ?? 100;
  let waitLeft = wait.timeoutMs ?? DEFAULT_SETTLE_WAIT_MS;
  for (;;) {
    const record = await log.get(key);
    if (!record || claimState(record, now()) !== "held") return record;
    if (await log.ownerGone?.(record)) return record;
    if (waitLeft <= 0) throw new DeliveryInProgressError(inProgressMessage(record));
    await sleep(pollMs);
    waitLeft -= pollMs;
  }
}

/**
 * Runs `work` (the sends of one period's lists) while holding the period's delivery lock,
 * a claim of `lock.idempotencyKey` like any other: two runs of one period then deliver one
 * after the other, never interleaved, so all the lists a period's emails went to were
 * sent by one run, from its one snapshot revision. The later run finds them delivered. The
 * lock is released when `work` ends; one left by a killed run is taken over after its
 * lease (or at once when its local process is gone), like any claim.
 */
export async function withDeliveryLock<T>(
  log: DeliveryLog,
  lock: DeliveryRecord & { readonly leaseUntil: string },
  now: () => Date,
  wait: SettleWait,
  work: () => Promise<T>,
): Promise<T> {
  const claim = await claimDelivery(log, { ...lock, state: "sending" }, now, wait);
  if (claim.kind === "in_progress") {
    throw new DeliveryInProgressError(inProgressMessage(claim.record));
  }
  try {
    return await work();
  } finally {
    await log.release(lock.idempotencyKey);
  }
}
