/**
 * Delivers one chat message to each of its contact points exactly once where the answer is
 * definite, with the same claim / send / complete / release delivery log as email, one key per
 * contact point (`<message key>:chat:<contact point>`):
 *
 * 1. claim the key (create if absent); a key already complete is not sent again, so a re-run
 *    (or a run that took over an interrupted one) re-sends only the contact points not
 *    recorded complete;
 * 2. render the card in the platform's format and send it (`transport.ts`);
 * 3. record the outcome: `delivered`; `unknown` (a timeout of a message that is not a page:
 *    never re-sent); `rejected` (a malformed message: not retried, on-call gets one notice by
 *    email); or release the claim when the platform stayed rate-limited or down, so that a
 *    later run retries it.
 *
 * Claims are those of every channel (`delivery/claims.ts` `claimDelivery`): owned by the run
 * until its deadline (`leaseUntil`); a claim past its lease, or whose process is gone (local
 * store), is taken over by a conditional replace that one run wins (S3 `If-Match`); one
 * another run holds within its lease is `in_progress`, never sent twice.
 *
 * Nothing here throws: a chat failure is an outcome in the run log, and never blocks the
 * email.
 */

import {
  type ClaimOutcome,
  claimDelivery,
  DEFAULT_MAX_RUN_MS,
  inProgressMessage,
  leaseFor,
  type SettleWait,
} from "../delivery/claims.ts";
import type { Locale } from "../kpi/registry.ts";
import type { Clock, DeliveryLog, DeliveryRecord, Mailer } from "../ports.ts";
import { type ChatCard, type ChatSeverity, chatFailureText } from "./card.ts";
import { chatKey } from "./config.ts";
import { PLATFORMS } from "./platforms/index.ts";
import type { ResolvedContactPoint } from "./secrets.ts";
import { type HttpPoster, type RetryPolicy, type SendResult, sendChat } from "./transport.ts";

/** What chat delivery needs. */
export interface ChatChannelDeps {
  readonly deliveries: DeliveryLog;
  readonly clock: Clock;
  /** The contact points resolved at start, by name. */
  readonly contactPoints: ReadonlyMap<string, ResolvedContactPoint>;
  readonly poster: HttpPoster;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly policy?: Partial<RetryPolicy>;
  /** The run's deadline: the lease of its claims (default: now + 15 minutes). */
  readonly deadline?: Date;
  /**
   * How long to wait for another run's claim to settle (default: not at all: a chat
   * message another run is sending is `in_progress` for this run, never a wait before the
   * email).
   */
  readonly claimWait?: SettleWait;
  /** Where the notice of a refused message goes (on-call's email); none: the run log only. */
  readonly failureNotice?: {
    readonly mailer: Mailer;
    readonly from: string;
    readonly to: readonly string[];
    readonly locale: Locale;
  };
}

/** One message for one audience's contact points. */
export interface ChatMessage {
  /** The message's delivery key (the email's key of the same message, e.g. `report:daily:2026-11-22:managers`). */
  readonly key: string;
  readonly severity: ChatSeverity;
  readonly card: ChatCard;
  /** Names of the contact points to post to. */
  readonly contactPoints: readonly string[];
}

/** How the message fared at one contact point. */
export interface ChatOutcome {
  readonly key: string;
  readonly contactPoint: string;
  readonly type?: string;
  readonly status:
    | "sent"
    | "already_delivered"
    | "unknown"
    | "rejected"
    | "failed"
    | "in_progress"
    | "not_configured";
  readonly attempts?: number;
  readonly detail?: string;
  /** The email notice of a rejected message. */
  readonly notice?: "sent" | "already_delivered" | "in_progress" | "failed" | "no_on_call";
}

export { chatKey } from "./config.ts";

/** Posts `message` to each of its contact points (in parallel); never throws. */
export async function deliverChat(
  deps: ChatChannelDeps,
  message: ChatMessage,
  runId: string,
): Promise<ChatOutcome[]> {
  return Promise.all(
    message.contactPoints.map(async (name) => {
      const key = chatKey(message.key, name);
      const point = deps.contactPoints.get(name);
      if (!point) {
        return {
          key,
          contactPoint: name,
          status: "not_configured" as const,
          detail: "the contact point was not resolved at start",
        };
      }
      try {
        return await deliverToPoint(deps, message, point, key, runId);
      } catch (error) {
        return {
          key,
          contactPoint: name,
          type: point.type,
          status: "failed" as const,
          detail: oneLine(error),
        };
      }
    }),
  );
}

async function deliverToPoint(
  deps: ChatChannelDeps,
  message: ChatMessage,
  point: ResolvedContactPoint,
  key: string,
  runId: string,
): Promise<ChatOutcome> {
  const base = { key, contactPoint: point.name, type: point.type };
  const claim = await claimFor(deps, {
    idempotencyKey: key,
    runId,
    list: point.name,
    channel: point.type,
  });
  if (claim.kind === "in_progress") {
    return { ...base, status: "in_progress", detail: inProgressMessage(claim.record) };
  }
  if (claim.kind === "delivered") return recorded(base, claim.record);

  const platform = PLATFORMS[point.type];
  const result = await sendChat(
    {
      poster: deps.poster,
      clock: deps.clock,
      sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      ...(deps.policy ? { policy: deps.policy } : {}),
    },
    {
      platform,
      url: point.url,
      ...(point.secret ? { secret: point.secret } : {}),
      payload: platform.render(message.card),
      severity: message.severity,
      key,
    },
  );
  if (result.status === "failed") {
    await deps.deliveries.release(key);
    return { ...base, status: "failed", attempts: result.attempts, detail: result.detail };
  }
  const record = {
    idempotencyKey: key,
    runId,
    deliveredAt: deps.clock.now().toISOString(),
    state: STATE_OF[result.status],
    list: point.name,
    channel: point.type,
    attempts: result.attempts,
    ...(result.detail ? { detail: result.detail } : {}),
  };
  await deps.deliveries.complete(record);
  const outcome: ChatOutcome = {
    ...base,
    status: result.status === "delivered" ? "sent" : result.status,
    attempts: result.attempts,
    ...(result.detail ? { detail: result.detail } : {}),
  };
  if (result.status !== "rejected") return outcome;
  return { ...outcome, notice: await notifyRefused(deps, point, key, result, runId) };
}

/**
 * Claims a delivery for the run, now, until the run's deadline (default: 15 minutes from
 * now), taking over a claim past its lease or of a gone process (`claimDelivery`).
 */
function claimFor(
  deps: ChatChannelDeps,
  record: Pick<DeliveryRecord, "idempotencyKey" | "runId"> & Readonly<Record<string, unknown>>,
): Promise<ClaimOutcome> {
  const now = deps.clock.now();
  const deadline = deps.deadline ?? new Date(now.getTime() + DEFAULT_MAX_RUN_MS);
  return claimDelivery(
    deps.deliveries,
    {
      ...record,
      deliveredAt: now.toISOString(),
      state: "sending",
      leaseUntil: leaseFor(deadline, now),
    },
    () => deps.clock.now(),
    deps.claimWait ?? { timeoutMs: 0 },
  );
}

const STATE_OF: Readonly<
  Record<Exclude<SendResult["status"], "failed">, NonNullable<DeliveryRecord["state"]>>
> = {
  delivered: "delivered",
  unknown: "unknown",
  rejected: "rejected",
};

/** The outcome of a key an earlier run recorded complete. */
function recorded(
  base: Pick<ChatOutcome, "key" | "contactPoint" | "type">,
  record: DeliveryRecord,
): ChatOutcome {
  const detail = `recorded ${String(record.state)} by run ${record.runId}`;
  if (record.state === "unknown") return { ...base, status: "unknown", detail };
  if (record.state === "rejected") return { ...base, status: "rejected", detail };
  return { ...base, status: "already_delivered", detail };
}

/** One email to on-call per refused message (its own delivery key); never throws. */
export async function notifyRefused(
  deps: ChatChannelDeps,
  point: ResolvedContactPoint,
  key: string,
  result: SendResult,
  runId: string,
): Promise<ChatOutcome["notice"]> {
  const notice = deps.failureNotice;
  if (!notice) return "no_on_call";
  const noticeKey = `${key}:refused-notice`;
  try {
    const claim = await claimFor(deps, {
      idempotencyKey: noticeKey,
      runId,
      list: "on-call",
      to: notice.to,
    });
    if (claim.kind === "delivered") return "already_delivered";
    if (claim.kind === "in_progress") return "in_progress";
    const text = chatFailureText(notice.locale, point.name, point.type, key, result.detail ?? "");
    try {
      const sent = await notice.mailer.send(
        {
          idempotencyKey: noticeKey,
          listName: `on-call.chat-refused.${point.name}`,
          from: notice.from,
          to: notice.to,
          subject: text.subject,
          html: `<p>${escapeHtml(text.text).replace(/\n/g, "<br>")}</p>`,
          text: text.text,
          headers: { "X-Opspulse-Run-Id": runId, "X-Opspulse-Alert": "chat_refused" },
        },
        { runId },
      );
      await deps.deliveries.complete({
        idempotencyKey: noticeKey,
        runId,
        deliveredAt: deps.clock.now().toISOString(),
        state: "delivered",
        messageId: sent.messageId,
        list: "on-call",
        to: notice.to,
        location: sent.location,
      });
      return "sent";
    } catch {
      await deps.deliveries.release(noticeKey);
      return "failed";
    }
  } catch {
    return "failed";
  }
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c,
  );
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
