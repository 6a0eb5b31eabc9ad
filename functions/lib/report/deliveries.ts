/**
 * Exactly-once delivery of a run's emails: each recipient list (or the `--to` address) has
 * an idempotency key per period; a run claims the key, sends, and records the delivery —
 * or releases the claim when the send fails, so that a re-run retries it. A claim has an
 * owner (the run) and a lease (its deadline): another run's claim within its lease fails
 * the run ("delivery in progress or interrupted"), one past it is taken over
 * (functions/lib/delivery/claims.ts). A period's lists are delivered under one lock, by
 * one run at a time, so that all of them carry one snapshot revision.
 */
import { chatKey } from "../chat/config.ts";
import type { OpsConfig, RecipientList } from "../config/load.ts";
import {
  claimDelivery,
  claimState,
  DeliveryInProgressError,
  inProgressMessage,
  leaseFor,
  type SettleWait,
  settledRecord,
  withDeliveryLock,
} from "../delivery/claims.ts";
import type { Clock, DeliveryLog, Mailer } from "../ports.ts";
import type { RenderedEmail } from "./email/render.ts";
import { type EmailSummary, oneLine } from "./run-record.ts";
import type { ReportKind, RunReportRequest } from "./run-request.ts";

/**
 * A delivering run with no one to deliver to: it would store a snapshot and send nothing,
 * which must not pass for "ok" (`loadDeploymentConfig` refuses such a deployment up front).
 */
export class NoRecipientsError extends Error {
  override name = "NoRecipientsError";
}

/** A planned delivery: one recipient list (or the `--to` address) and its key. */
export interface PlannedDelivery {
  readonly list: RecipientList;
  readonly baseKey: string;
  readonly previous: { readonly location?: string; readonly messageId?: string } | undefined;
  /** Chat contact points of the list whose summary card is not recorded complete yet. */
  readonly chatPending?: readonly string[];
}

/** The deliveries a run owes. */
export interface DeliveryPlan {
  readonly planned: readonly PlannedDelivery[];
}

/**
 * `report:<report>:<periodKey>:<list>`, or `…:to:<address>` for a `--to` run; the period key
 * is the stored one, with its zone segment when the run's zone is not the configured one
 * (`report:daily:tz=America.New_York/2026-03-01:managers`).
 */
export function deliveryKey(
  report: ReportKind,
  periodKey: string,
  list: RecipientList,
  to?: string,
): string {
  return to
    ? `report:${report}:${periodKey}:to:${to.trim().toLowerCase()}`
    : `report:${report}:${periodKey}:${list.name}`;
}

/** The lists of a run: the configured ones (locale overridable), or just the `--to` address. */
function recipientLists(config: OpsConfig, request: RunReportRequest): RecipientList[] {
  const configured = config.recipients[request.report];
  if (request.to) {
    return [
      { name: "direct", locale: request.locale ?? configured[0]?.locale ?? "en", to: [request.to] },
    ];
  }
  return configured.map((list) => (request.locale ? { ...list, locale: request.locale } : list));
}

/**
 * Each list's key and its earlier delivery, read from the log only when the run delivers.
 * Another run's claim within its lease is waited for (`claimWait`), then fails the run
 * ({@link DeliveryInProgressError}); a claim past its lease (or whose local process is
 * gone) is owed again, and taken over when sending. A delivering run without a list fails
 * ({@link NoRecipientsError}).
 */
export async function planDeliveries(
  deps: {
    readonly config: OpsConfig;
    readonly deliveries: DeliveryLog;
    readonly clock: Clock;
    readonly claimWait?: SettleWait;
  },
  request: RunReportRequest,
  periodKey: string,
  deliver: boolean,
): Promise<DeliveryPlan> {
  const planned: PlannedDelivery[] = [];
  const lists = recipientLists(deps.config, request);
  if (deliver && lists.length === 0) {
    throw new NoRecipientsError(
      `no recipient list for the ${request.report} report: add one under reports.${request.report} in ${deps.config.dir}/recipients.yaml, or run with --to ADDRESS or --no-email`,
    );
  }
  const now = () => deps.clock.now();
  for (const list of lists) {
    const baseKey = deliveryKey(request.report, periodKey, list, request.to);
    const settled = deliver
      ? await settledRecord(deps.deliveries, baseKey, now, deps.claimWait)
      : undefined;
    const record = settled && claimState(settled, now()) === "delivered" ? settled : undefined;
    const chatPending =
      deliver && !request.to ? await pendingChat(deps, baseKey, list.chat ?? []) : [];
    planned.push({
      ...(chatPending.length > 0 ? { chatPending } : {}),
      list,
      baseKey,
      previous: record
        ? {
            ...(typeof record.location === "string" ? { location: record.location } : {}),
            ...(record.messageId ? { messageId: record.messageId } : {}),
          }
        : undefined,
    });
  }
  return { planned };
}

/**
 * The contact points whose card of `baseKey` no run recorded complete (none, a released claim,
 * or a claim whose lease ran out): a re-run posts them, even when the email went.
 */
async function pendingChat(
  deps: { readonly deliveries: DeliveryLog; readonly clock: Clock },
  baseKey: string,
  contactPoints: readonly string[],
): Promise<string[]> {
  const pending: string[] = [];
  for (const name of contactPoints) {
    const record = await deps.deliveries.get(chatKey(baseKey, name));
    if (!record || claimState(record, deps.clock.now()) === "expired") pending.push(name);
  }
  return pending;
}

/** The summary fields every email of a planned delivery has. */
export function deliverySummary(planned: PlannedDelivery, key: string) {
  return {
    list: planned.list.name,
    locale: planned.list.locale,
    to: planned.list.to,
    idempotencyKey: key,
  };
}

/** The summary of a delivery an earlier run made. */
export function alreadyDelivered(planned: PlannedDelivery): EmailSummary {
  return {
    ...deliverySummary(planned, planned.baseKey),
    status: "already_delivered",
    ...(planned.previous?.messageId ? { messageId: planned.previous.messageId } : {}),
    ...(planned.previous?.location ? { location: planned.previous.location } : {}),
  };
}

/** One rendered email and the delivery it is for. */
export interface RenderedDelivery {
  readonly planned: PlannedDelivery;
  readonly email: RenderedEmail;
}

/** What sending needs to know about the run. */
export interface SendContext {
  readonly runId: string;
  readonly force: boolean;
  /** The stored snapshot's revision (a forced re-send is keyed by it). */
  readonly revision: number | null;
  /** The run's deadline: the lease of its claims. */
  readonly deadline: Date;
  /** The period's delivery lock: `lock:report:<report>:<periodKey>`. */
  readonly lockKey: string;
}

/** The delivery lock's key of a report's period. */
export function deliveryLockKey(report: ReportKind, periodKey: string): string {
  return `lock:report:${report}:${periodKey}`;
}

/**
 * Per email, under the period's delivery lock: claim its key (owner and lease), send,
 * record the delivery; a failed send releases its claim for a later retry. A key another
 * run delivered is "already delivered"; one another run holds within its lease is
 * "in_progress"; one past its lease is taken over and sent (the same Message-ID).
 */
export async function sendClaimed(
  deps: {
    readonly deliveries: DeliveryLog;
    readonly mailer: Mailer;
    readonly clock: Clock;
    readonly config: OpsConfig;
    readonly claimWait?: SettleWait;
  },
  rendered: readonly RenderedDelivery[],
  run: SendContext,
): Promise<EmailSummary[]> {
  const now = () => deps.clock.now();
  const lock = {
    idempotencyKey: run.lockKey,
    runId: run.runId,
    deliveredAt: now().toISOString(),
    leaseUntil: leaseFor(run.deadline, now()),
  };
  return withDeliveryLock(deps.deliveries, lock, now, deps.claimWait ?? {}, () =>
    sendEach(deps, rendered, run),
  );
}

async function sendEach(
  deps: Parameters<typeof sendClaimed>[0],
  rendered: readonly RenderedDelivery[],
  run: SendContext,
): Promise<EmailSummary[]> {
  const { runId } = run;
  const results: EmailSummary[] = [];
  for (const { planned, email } of rendered) {
    const key =
      run.force && planned.previous
        ? `${planned.baseKey}:rev${run.revision ?? 0}`
        : planned.baseKey;
    const summary = {
      ...deliverySummary(planned, key),
      subject: email.subject,
      htmlBytes: Buffer.byteLength(email.html),
    };
    const claimedAt = deps.clock.now();
    const claim = await claimDelivery(
      deps.deliveries,
      {
        idempotencyKey: key,
        runId,
        deliveredAt: claimedAt.toISOString(),
        state: "sending",
        leaseUntil: leaseFor(run.deadline, claimedAt),
        list: planned.list.name,
        to: planned.list.to,
      },
      () => deps.clock.now(),
      deps.claimWait,
    );
    if (claim.kind === "in_progress") {
      results.push({ ...summary, status: "in_progress", error: inProgressMessage(claim.record) });
      continue;
    }
    if (claim.kind === "delivered") {
      const { record } = claim;
      results.push({
        ...summary,
        status: "already_delivered",
        ...(record.messageId ? { messageId: record.messageId } : {}),
        ...(typeof record.location === "string" ? { location: record.location } : {}),
      });
      continue;
    }
    try {
      const sent = await deps.mailer.send(
        {
          idempotencyKey: key,
          listName: planned.list.name,
          from: deps.config.sender,
          to: planned.list.to,
          subject: email.subject,
          html: email.html,
          text: email.text,
          attachments: email.attachments,
          headers: { "X-Opspulse-Run-Id": runId },
        },
        { runId },
      );
      await deps.deliveries.complete({
        idempotencyKey: key,
        runId,
        deliveredAt: deps.clock.now().toISOString(),
        messageId: sent.messageId,
        state: "delivered",
        list: planned.list.name,
        to: planned.list.to,
        location: sent.location,
        snapshotRevision: run.revision,
      });
      results.push({
        ...summary,
        status: "sent",
        messageId: sent.messageId,
        location: sent.location,
      });
    } catch (error) {
      await deps.deliveries.release(key);
      results.push({ ...summary, status: "failed", error: oneLine(error) });
    }
  }
  return results;
}

/**
 * The outcome of the sends: an error when any failed (their claims are released, so a
 * re-run retries them), or when another run holds a claim within its lease
 * ({@link DeliveryInProgressError}); "skipped" when another run had delivered every one.
 */
export function deliveryOutcome(
  delivered: readonly EmailSummary[],
): "ok" | "skipped_already_delivered" {
  const failed = delivered.filter((e) => e.status === "failed");
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} of ${delivered.length} emails failed to send (${failed.map((e) => `${e.list}: ${e.error}`).join("; ")}); their claims were released, so re-running the report retries them.`,
    );
  }
  const held = delivered.filter((e) => e.status === "in_progress");
  if (held.length > 0) throw new DeliveryInProgressError(held.map((e) => e.error).join("; "));
  return delivered.length > 0 && delivered.every((e) => e.status === "already_delivered")
    ? "skipped_already_delivered"
    : "ok";
}
