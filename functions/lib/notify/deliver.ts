/**
 * Delivers a run's notification messages exactly once per (run period, audience, contact
 * point): claim the key in the delivery log (create if absent, owned by the run until its
 * deadline; functions/lib/delivery/claims.ts), send through the contact point's channel,
 * record the receipt; a failed send releases the claim so that a re-run retries it. A key
 * another run delivered is "already delivered"; one another run holds within its lease is
 * "in_progress" (the run fails); one past its lease is taken over and sent.
 */
import { chatContactPointsOf } from "../chat/notify-channel.ts";
import type { OpsConfig } from "../config/load.ts";
import {
  claimDelivery,
  DEFAULT_MAX_RUN_MS,
  inProgressMessage,
  leaseFor,
  type SettleWait,
} from "../delivery/claims.ts";
import type { Clock, DeliveryLog } from "../ports.ts";
import {
  type Audience,
  type Channel,
  type ContactPoint,
  deliveryKeyOf,
  type NotificationMessage,
} from "./ports.ts";

/** How one message to one contact point fared. */
export interface MessageOutcome {
  readonly key: string;
  readonly audience: string;
  readonly kind: NotificationMessage["kind"];
  readonly channel: string;
  readonly status: "sent" | "already_delivered" | "in_progress" | "failed";
  /** The notifications the message carried (their keys). */
  readonly items: readonly string[];
  readonly subject?: string;
  readonly messageId?: string;
  readonly location?: string;
  readonly error?: string;
}

/** Where an audience is reached: on-call's list, or its owner team's list (recipients.yaml). */
export function contactPointsOf(
  audience: Audience,
  config: Pick<OpsConfig, "onCall" | "owners" | "contactPoints">,
): ContactPoint[] {
  const list = audience.kind === "on_call" ? config.onCall : config.owners?.[audience.owner];
  return list
    ? [
        { channel: "email", name: "email", locale: list.locale, to: list.to },
        // The list's chat groups and incident webhooks (`chat:` in recipients.yaml).
        ...chatContactPointsOf(list, config),
      ]
    : [];
}

/** Claims, sends and records one message to one contact point. */
export async function deliverMessage(
  deps: {
    readonly deliveries: DeliveryLog;
    readonly clock: Clock;
    /** The run's deadline: the lease of its claims (default: now + 15 minutes). */
    readonly deadline?: Date;
    readonly claimWait?: SettleWait;
  },
  channels: readonly Channel[],
  message: NotificationMessage,
  contact: ContactPoint,
): Promise<MessageOutcome> {
  const key = deliveryKeyOf(message, contact);
  const base = {
    key,
    audience: message.audience.id,
    kind: message.kind,
    channel: contact.channel,
    items: message.items.map((i) => i.key),
  };
  const now = deps.clock.now();
  const deadline = deps.deadline ?? new Date(now.getTime() + DEFAULT_MAX_RUN_MS);
  const claim = await claimDelivery(
    deps.deliveries,
    {
      idempotencyKey: key,
      runId: message.runId,
      deliveredAt: now.toISOString(),
      state: "sending",
      leaseUntil: leaseFor(deadline, now),
      list: message.audience.id,
      to: contact.to ?? [],
    },
    () => deps.clock.now(),
    deps.claimWait,
  );
  if (claim.kind === "in_progress") {
    return { ...base, status: "in_progress", error: inProgressMessage(claim.record) };
  }
  if (claim.kind === "delivered") {
    const { record } = claim;
    return {
      ...base,
      status: "already_delivered",
      ...(record.messageId ? { messageId: record.messageId } : {}),
      ...(typeof record.location === "string" ? { location: record.location } : {}),
    };
  }
  try {
    const channel = channels.find((c) => c.type === contact.channel);
    if (!channel) {
      throw new Error(
        `no "${contact.channel}" channel for contact point ${contact.name}: wire its adapter in the runtime`,
      );
    }
    const receipt = await channel.send(message, contact, {
      runId: message.runId,
      idempotencyKey: key,
    });
    await deps.deliveries.complete({
      idempotencyKey: key,
      runId: message.runId,
      deliveredAt: deps.clock.now().toISOString(),
      messageId: receipt.messageId,
      state: "delivered",
      list: message.audience.id,
      to: contact.to ?? [],
      ...(receipt.location ? { location: receipt.location } : {}),
      subject: receipt.subject ?? message.subject,
      items: base.items,
    });
    return {
      ...base,
      status: "sent",
      subject: receipt.subject ?? message.subject,
      messageId: receipt.messageId,
      ...(receipt.location ? { location: receipt.location } : {}),
    };
  } catch (error) {
    await deps.deliveries.release(key);
    const text = error instanceof Error ? error.message : String(error);
    return { ...base, status: "failed", error: text.split("\n")[0] ?? text };
  }
}
