/**
 * The one HTTP delivery adapter of every chat platform: posts a platform's request, reads
 * its answer through the platform (`classify`) and applies the delivery rules:
 *
 * | answer                                   | what happens                                   |
 * |------------------------------------------|------------------------------------------------|
 * | 2xx and the platform's success code      | delivered                                      |
 * | rate limit (429, 130101, 45009, 11232…)  | retried with backoff (`Retry-After` honoured)  |
 * | 5xx, or no connection at all             | retried with backoff                           |
 * | the message refused (payload, keywords)  | not retried: `rejected` (a notice by email)    |
 * | no answer in time (timeout, reset)       | `page`: sent once more; otherwise `unknown`    |
 *
 * Webhooks take no idempotency key, so a timeout leaves it unknown whether the platform
 * posted the message: a page is worth a possible duplicate, a digest or a report is not.
 * Each attempt is signed anew (DingTalk and Feishu refuse old timestamps).
 */
import type { Clock } from "../ports.ts";
import type { ChatSeverity } from "./card.ts";
import type { ChatAnswer, ChatPlatform, ChatRequest, Json } from "./platforms/index.ts";

/** Posts one request; throws {@link ChatTimeoutError} or {@link ChatConnectionError}. */
export interface HttpPoster {
  post(request: ChatRequest, timeoutMs: number): Promise<ChatAnswer>;
}

/** No answer within the time limit, or the connection broke after the request went out. */
export class ChatTimeoutError extends Error {
  override name = "ChatTimeoutError";
}

/** The request never reached the platform (refused connection, unknown host). */
export class ChatConnectionError extends Error {
  override name = "ChatConnectionError";
}

/** Errors of `fetch` that mean nothing was sent. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);

/** The poster of Node's `fetch`: no redirects followed (a redirect could carry the token away). */
export function fetchPoster(): HttpPoster {
  return {
    async post(request, timeoutMs) {
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: "POST",
          headers: request.headers,
          body: request.body,
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw toTransportError(error, timeoutMs);
      }
      let body: string;
      try {
        body = await response.text();
      } catch (error) {
        throw toTransportError(error, timeoutMs);
      }
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name.toLowerCase()] = value;
      });
      return { status: response.status, headers, body };
    },
  };
}

function toTransportError(error: unknown, timeoutMs: number): Error {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError") {
    return new ChatTimeoutError(`no answer within ${timeoutMs} ms`, { cause: error });
  }
  const code = errorCode(error);
  if (typeof code === "string" && NOT_SENT.has(code)) {
    return new ChatConnectionError(`could not connect (${code})`, { cause: error });
  }
  const reason =
    typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
  return new ChatTimeoutError(`the connection broke before an answer (${reason})`, {
    cause: error,
  });
}

/** The system error code of a failed `fetch` (its cause, or the cause's first error). */
function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown; errors?: unknown } } | null)?.cause;
  if (typeof cause?.code === "string") return cause.code;
  const first = Array.isArray(cause?.errors) ? (cause.errors[0] as { code?: unknown }) : undefined;
  return typeof first?.code === "string" ? first.code : undefined;
}

/** How hard to try. */
export interface RetryPolicy {
  /** Attempts per message on rate limits, 5xx and refused connections (default 4). */
  readonly maxAttempts: number;
  /** First backoff; doubled each attempt (default 1 s). */
  readonly baseDelayMs: number;
  /** Longest wait between attempts; a `Retry-After` beyond it gives up (default 30 s). */
  readonly maxDelayMs: number;
  /** Time limit of one request (default 10 s). */
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  timeoutMs: 10_000,
};

/** How one message to one contact point fared. */
export type SendResult =
  | { readonly status: "delivered"; readonly attempts: number; readonly detail?: string }
  /** Refused as malformed (or the robot's settings refuse it): not retried. */
  | { readonly status: "rejected"; readonly attempts: number; readonly detail: string }
  /** Not delivered after the retries (rate limit, 5xx, no connection): a later run retries. */
  | { readonly status: "failed"; readonly attempts: number; readonly detail: string }
  /** Timed out: whether the platform posted it is unknown; not sent again. */
  | { readonly status: "unknown"; readonly attempts: number; readonly detail: string };

/** What {@link sendChat} needs. */
export interface SendDeps {
  readonly poster: HttpPoster;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly policy?: Partial<RetryPolicy>;
}

/** What to send where. */
export interface SendInput {
  readonly platform: ChatPlatform;
  readonly url: string;
  readonly secret?: string;
  readonly payload: Json;
  readonly severity: ChatSeverity;
  /** The delivery's idempotency key. */
  readonly key: string;
}

/** Sends one rendered message to one contact point under the delivery rules above. */
export async function sendChat(deps: SendDeps, input: SendInput): Promise<SendResult> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...deps.policy };
  // A page is sent once more after a timeout; nothing else is.
  let timeoutsLeft = input.severity === "page" ? 1 : 0;
  let attempts = 0;
  const notes: string[] = [];
  for (;;) {
    attempts++;
    const request = input.platform.request(input.url, input.payload, {
      ...(input.secret ? { secret: input.secret } : {}),
      now: deps.clock.now(),
      key: input.key,
    });
    let wait: number | undefined;
    let detail: string;
    try {
      const answer = await deps.poster.post(request, policy.timeoutMs);
      const verdict = input.platform.classify(answer);
      if (verdict.outcome === "delivered") {
        return {
          status: "delivered",
          attempts,
          ...(notes.length ? { detail: notes.join("; ") } : {}),
        };
      }
      if (verdict.outcome === "rejected") {
        return { status: "rejected", attempts, detail: verdict.detail };
      }
      detail = `${verdict.outcome === "rate_limited" ? "rate limited" : "server error"}: ${verdict.detail}`;
      wait = verdict.outcome === "rate_limited" ? verdict.retryAfterMs : undefined;
    } catch (error) {
      if (error instanceof ChatTimeoutError) {
        if (timeoutsLeft > 0) {
          timeoutsLeft--;
          notes.push(`attempt ${attempts}: ${error.message}, sent again (a page)`);
          continue;
        }
        return { status: "unknown", attempts, detail: [...notes, error.message].join("; ") };
      }
      if (!(error instanceof ChatConnectionError)) throw error;
      detail = error.message;
    }
    notes.push(`attempt ${attempts}: ${detail}`);
    if (attempts >= policy.maxAttempts) {
      return { status: "failed", attempts, detail: notes.join("; ") };
    }
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1));
    if (wait !== undefined && wait > policy.maxDelayMs) {
      return {
        status: "failed",
        attempts,
        detail: `${notes.join("; ")}; the platform asks to wait ${Math.round(wait / 1000)} s, longer than a run waits`,
      };
    }
    await deps.sleep(Math.max(wait ?? 0, backoff));
  }
}
