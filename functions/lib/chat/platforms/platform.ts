/**
 * What every platform adapter provides: a pure renderer (card → the platform's JSON), the
 * signed HTTP request (DingTalk and Feishu sign with their robot's secret) and how to read
 * the platform's answer. Every platform answers "too fast" its own way — Slack with HTTP 429
 * and `Retry-After`, DingTalk, WeCom and Feishu with HTTP 200 and an error code in the body —
 * so the answer's meaning is the platform's business, and the transport only acts on it.
 */
import type { ChatCard } from "../card.ts";
import type { ContactPointType } from "../config.ts";

/** A JSON value a renderer produces. */
export type Json =
  | string
  | number
  | boolean
  | null
  | readonly Json[]
  | { readonly [k: string]: Json };

/** One HTTP POST, ready to send. */
export interface ChatRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What a request is made with besides the payload. */
export interface RequestContext {
  /** The robot's signing secret, when it has one. */
  readonly secret?: string;
  readonly now: Date;
  /** The delivery's idempotency key (the generic webhook passes it on as `dedup_key`). */
  readonly key: string;
}

/** An HTTP answer as the transport received it. */
export interface ChatAnswer {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What an answer means. */
export type Verdict =
  | { readonly outcome: "delivered" }
  /** Too fast: retry later (after `retryAfterMs` when the platform says). */
  | { readonly outcome: "rate_limited"; readonly detail: string; readonly retryAfterMs?: number }
  /** The platform failed (5xx): retry with backoff. */
  | { readonly outcome: "server_error"; readonly detail: string }
  /** The message (or the robot's settings) is wrong: retrying cannot help. */
  | { readonly outcome: "rejected"; readonly detail: string };

/** One platform's adapter. */
export interface ChatPlatform {
  readonly type: ContactPointType;
  /** The message in the platform's own format (pure; no signature). */
  render(card: ChatCard): Json;
  /** The POST of `payload` to `url`, signed when the platform signs. */
  request(url: string, payload: Json, context: RequestContext): ChatRequest;
  /** What the platform's answer means. */
  classify(answer: ChatAnswer): Verdict;
}

export const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" } as const;

/** The body of an answer as JSON, or undefined when it is not JSON. */
export function jsonBody(answer: ChatAnswer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(answer.body);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `Retry-After` in milliseconds (seconds or an HTTP date), when present and sane. */
export function retryAfterMs(answer: ChatAnswer, now: Date = new Date()): number | undefined {
  const header = answer.headers["retry-after"]?.trim();
  if (!header) return undefined;
  if (/^\d+$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** The verdict from the HTTP status alone: 429 rate limited, 5xx server error, 2xx delivered, else rejected. */
export function classifyHttpAnswer(answer: ChatAnswer): Verdict {
  const detail = `HTTP ${answer.status} ${answer.body.slice(0, 200)}`.trim();
  if (answer.status === 429) {
    const after = retryAfterMs(answer);
    return {
      outcome: "rate_limited",
      detail,
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    };
  }
  if (answer.status >= 500) return { outcome: "server_error", detail };
  if (answer.status >= 200 && answer.status < 300) return { outcome: "delivered" };
  return { outcome: "rejected", detail };
}

/**
 * The verdict of a platform that answers errors in an HTTP 200 body (`errcode`/`code`):
 * HTTP 429 and 5xx first, then the body's code.
 */
export function classifyCodedAnswer(
  answer: ChatAnswer,
  options: {
    readonly codeField: string;
    readonly messageField: string;
    readonly rateLimited: (code: number, message: string) => boolean;
  },
): Verdict {
  const byStatus = classifyHttpAnswer(answer);
  if (byStatus.outcome !== "delivered") return byStatus;
  const detail = `HTTP ${answer.status} ${answer.body.slice(0, 200)}`.trim();
  const body = jsonBody(answer);
  const code = body?.[options.codeField];
  if (typeof code !== "number") {
    return { outcome: "rejected", detail: `${detail} (no ${options.codeField} in the answer)` };
  }
  if (code === 0) return { outcome: "delivered" };
  const message = String(body?.[options.messageField] ?? "");
  return options.rateLimited(code, message)
    ? { outcome: "rate_limited", detail }
    : { outcome: "rejected", detail };
}

/**
 * Neutralises what the markdown dialects of WeCom and DingTalk would read as markup in a text
 * from data (a campaign name): neither documents a backslash escape, so the few characters
 * that matter mid-line become look-alikes (`<` `>` of HTML tags, `*` of bold, a backquote).
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[<>*`]/g, (c) => ({ "<": "＜", ">": "＞", "*": "∗", "`": "'" })[c] ?? c);
}

/** The emoji of a tone, for platforms without coloured text. */
export const TONE_EMOJI = { breach: "🔴", warning: "🟠", ok: "🟢", info: "🔵" } as const;
