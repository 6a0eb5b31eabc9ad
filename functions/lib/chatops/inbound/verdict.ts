/**
 * What an inbound chat request is, once its platform's signature and timestamp are checked:
 * a person's message (with where to reply), a URL-verification challenge to echo, an event
 * to ignore, or a refusal. Each platform's reader (slack.ts, feishu.ts, dingtalk.ts,
 * wecom.ts) verifies before it parses anything else.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { ChatPlatformName } from "../access.ts";

/** An HTTP request as the function URL hands it over: headers lower-cased, raw body. */
export interface InboundRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** Where a reply goes, per platform (what the inbound request told us). */
export type ReplyTarget =
  /** Slack's `response_url` of a slash command (valid 30 minutes, 5 replies). */
  | { readonly platform: "slack"; readonly responseUrl: string }
  /** DingTalk's `sessionWebhook` of the conversation (valid until its expiry). */
  | { readonly platform: "dingtalk"; readonly sessionWebhook: string }
  /** A reply to a Feishu message (the app's tenant token posts it). */
  | { readonly platform: "feishu"; readonly messageId: string }
  /** A WeCom application message to the asker (the app's access token posts it). */
  | { readonly platform: "wecom"; readonly user: string; readonly agentId: string };

export type InboundVerdict =
  | {
      readonly kind: "message";
      readonly platform: ChatPlatformName;
      readonly user: string;
      readonly text: string;
      /** The platform's id of this delivery: its retries carry the same one. */
      readonly eventId: string;
      readonly reply: ReplyTarget;
    }
  /** The platform checks the URL: answer with this body, run nothing. */
  | { readonly kind: "challenge"; readonly body: string; readonly contentType: string }
  | { readonly kind: "ignored"; readonly reason: string }
  | { readonly kind: "refused"; readonly reason: string };

/** How old a signed request may be. */
export const MAX_REQUEST_AGE_MS = 5 * 60_000;

/** Why the request's time is unacceptable (missing, unreadable, older than 5 minutes). */
export function staleReason(timestampMs: number, now: Date): string | undefined {
  if (!Number.isFinite(timestampMs)) return "no readable request timestamp";
  if (Math.abs(now.getTime() - timestampMs) > MAX_REQUEST_AGE_MS) {
    return `request timestamp ${new Date(timestampMs).toISOString()} is more than 5 minutes from now: refused as a replay`;
  }
  return undefined;
}

/** Compares two strings in constant time (for their length). */
export function sameSecret(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function hmacSha256(key: string, text: string, encoding: "hex" | "base64"): string {
  return createHmac("sha256", key).update(text, "utf8").digest(encoding);
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export function sha1Hex(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

export function refused(reason: string): InboundVerdict {
  return { kind: "refused", reason };
}
