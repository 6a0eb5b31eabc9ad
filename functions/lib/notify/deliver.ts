/**
 * Delivers a run's notification messages exactly once per (run period, audience, contact
 * point): claim the key in the delivery log (create if absent), send through the contact
 * point's channel, record the receipt; a failed send releases the claim so that a re-run
 * retries it. A key another run claimed first is "already delivered".
 */
import type { OpsConfig } from "../config/load.ts";
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
  readonly status: "sent" | "already_delivered" | "failed";
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
  config: Pick<OpsConfig, "onCall" | "owners">,
): ContactPoint[] {
  const list = audience.kind === "on_call" ? config.onCall : config.owners?.[audience.owner];
  return list ? [{ channel: "email", name: "email", locale: list.locale, to: list.to }] : [];
}

/** Claims, sends and records one message to one contact point. */
export async function deliverMessage(
  deps: { readonly deliveries: DeliveryLog; readonly clock: Clock },
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
  const claimed = await deps.deliveries.claim({
    idempotencyKey: key,
    runId: message.runId,
    deliveredAt: deps.clock.now().toISOString(),
    state: "sending",
    list: message.audience.id,
    to: contact.to ?? [],
  });
  if (!claimed) {
    const record = await deps.deliveries.get(key);
    return {
      ...base,
      status: "already_delivered",
      ...(record?.messageId ? { messageId: record.messageId } : {}),
      ...(typeof record?.location === "string" ? { location: record.location } : {}),
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
