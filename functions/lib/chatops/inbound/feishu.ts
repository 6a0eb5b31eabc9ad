/**
 * Feishu / Lark event callbacks (im.message.receive_v1), with an Encrypt Key set: the body
 * is `{"encrypt": base64(iv + AES-256-CBC(sha256(key), event))}` and each request carries
 * `X-Lark-Request-Timestamp`, `X-Lark-Request-Nonce` and `X-Lark-Signature` = hex(sha256(
 * timestamp + nonce + encryptKey + raw body)); the decrypted event's `header.token` is the
 * Verification Token. The URL check (`type: url_verification`) is answered with its
 * challenge (https://open.feishu.cn/document/server-docs/event-subscription-guide/
 * event-subscription-configure-/encrypt-key-encryption-configuration-case).
 */
import { createDecipheriv, createHash } from "node:crypto";
import {
  type InboundRequest,
  type InboundVerdict,
  refused,
  sameSecret,
  sha256Hex,
  staleReason,
} from "./verdict.ts";

export interface FeishuSecrets {
  readonly verificationToken: string;
  readonly encryptKey: string;
}

/** `X-Lark-Signature` of a request. */
export function feishuEventSignature(
  timestamp: string,
  nonce: string,
  encryptKey: string,
  body: string,
): string {
  return sha256Hex(`${timestamp}${nonce}${encryptKey}${body}`);
}

/** Decrypts an `encrypt` field; throws when the key is wrong or the text damaged. */
export function feishuDecrypt(encryptKey: string, encrypted: string): string {
  const key = createHash("sha256").update(encryptKey, "utf8").digest();
  const raw = Buffer.from(encrypted, "base64");
  if (raw.length < 32) throw new Error("encrypted event too short");
  const decipher = createDecipheriv("aes-256-cbc", key, raw.subarray(0, 16));
  return Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]).toString("utf8");
}

interface FeishuEvent {
  readonly type?: string;
  readonly challenge?: string;
  readonly token?: string;
  readonly header?: {
    readonly event_id?: string;
    readonly event_type?: string;
    readonly token?: string;
  };
  readonly event?: {
    readonly sender?: { readonly sender_id?: { readonly open_id?: string } };
    readonly message?: {
      readonly message_id?: string;
      readonly message_type?: string;
      readonly content?: string;
    };
  };
}

export function readFeishu(
  request: InboundRequest,
  secrets: FeishuSecrets,
  now: Date,
): InboundVerdict {
  let outer: { encrypt?: unknown };
  try {
    outer = JSON.parse(request.body) as { encrypt?: unknown };
  } catch {
    return refused("body is not JSON");
  }
  if (typeof outer.encrypt !== "string") {
    return refused("the event is not encrypted: set an Encrypt Key in the app's event settings");
  }
  let event: FeishuEvent;
  const timestamp = request.headers["x-lark-request-timestamp"];
  const nonce = request.headers["x-lark-request-nonce"];
  const signature = request.headers["x-lark-signature"];
  const signed = timestamp !== undefined && nonce !== undefined && signature !== undefined;
  try {
    event = JSON.parse(feishuDecrypt(secrets.encryptKey, outer.encrypt)) as FeishuEvent;
  } catch {
    return refused("the event does not decrypt with the Encrypt Key");
  }
  // The URL check is sent once, unsigned; it is encrypted with the key and carries the token.
  if (event.type === "url_verification") {
    if (!sameSecret(secrets.verificationToken, event.token)) {
      return refused("url_verification token does not match the Verification Token");
    }
    return {
      kind: "challenge",
      body: JSON.stringify({ challenge: event.challenge ?? "" }),
      contentType: "application/json",
    };
  }
  if (!signed || !/^\d+$/.test(timestamp)) return refused("no X-Lark-Signature headers");
  const stale = staleReason(Number(timestamp) * 1000, now);
  if (stale) return refused(stale);
  const expected = feishuEventSignature(timestamp, nonce, secrets.encryptKey, request.body);
  if (!sameSecret(expected, signature)) return refused("X-Lark-Signature does not match");
  if (!sameSecret(secrets.verificationToken, event.header?.token)) {
    return refused("event token does not match the Verification Token");
  }
  const message = event.event?.message;
  const user = event.event?.sender?.sender_id?.open_id;
  const eventId = event.header?.event_id;
  if (
    event.header?.event_type !== "im.message.receive_v1" ||
    message?.message_type !== "text" ||
    !message.message_id ||
    !user ||
    !eventId
  ) {
    return { kind: "ignored", reason: "not a text message" };
  }
  let text = "";
  try {
    text = String((JSON.parse(message.content ?? "{}") as { text?: unknown }).text ?? "");
  } catch {
    return { kind: "ignored", reason: "message content is not JSON" };
  }
  return {
    kind: "message",
    platform: "feishu",
    user,
    // Mentions arrive as @_user_1 placeholders.
    text: text.replace(/@_user_\d+/g, " ").trim(),
    eventId,
    reply: { platform: "feishu", messageId: message.message_id },
  };
}
