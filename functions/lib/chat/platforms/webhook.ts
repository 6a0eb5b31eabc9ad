/**
 * The generic webhook, for incident tools (PagerDuty- or Opsgenie-style event endpoints, or a
 * relay): `POST` a versioned JSON document (`schema: "opspulse.chat/v1"`, documented in the
 * README). `dedup_key` is the delivery's idempotency key: a receiver that de-duplicates on it
 * turns the transport's "at least once" on a retried timeout into exactly once.
 *
 * Any 2xx is delivered; 429 (with `Retry-After`) is too fast; 5xx is the receiver's failure;
 * any other answer means the receiver refused the message.
 */
import type { ChatCard } from "../card.ts";
import { type ChatPlatform, classifyHttpAnswer, JSON_HEADERS, type Json } from "./platform.ts";

/** The version of the generic webhook's document; a breaking change gets a new one. */
export const WEBHOOK_SCHEMA = "opspulse.chat/v1";

export function webhookDocument(card: ChatCard): Json {
  return {
    schema: WEBHOOK_SCHEMA,
    kind: card.kind,
    severity: card.severity,
    status: card.tone,
    locale: card.locale,
    title: card.title,
    summary: card.summary,
    items: card.items.map((item) => ({
      status: item.tone,
      headline: item.headline,
      detail: item.detail,
      ack_command: item.ackCommand ?? null,
    })),
    more: card.more,
    link: card.link ? { label: card.link.label, url: card.link.url } : null,
    commands: card.commands.map((c) => ({ label: c.label, command: c.command })),
    footer: card.footer,
  };
}

export const webhook: ChatPlatform = {
  type: "webhook",
  render: webhookDocument,
  request: (url, payload, { key }) => ({
    url,
    headers: JSON_HEADERS,
    body: JSON.stringify(
      typeof payload === "object" && payload !== null && !Array.isArray(payload)
        ? { ...payload, dedup_key: key }
        : payload,
    ),
  }),
  classify: classifyHttpAnswer,
};
