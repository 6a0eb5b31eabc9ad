/**
 * What the AWS adapters share about SDK errors: how to recognise throttling and
 * conditional-write failures, and a bounded retry with exponential backoff.
 *
 * The SDK already retries throttled calls a few times (standard retry mode); the adapters
 * add their own bounded retry on top because a report run prefers waiting a little longer
 * to failing, and because some throttling (Athena's concurrent-query limit) outlasts the
 * SDK's short backoff.
 */

/** Waits `ms` milliseconds. Adapters take it as an option so that tests do not wait. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The name of an SDK error (`ThrottlingException`, `PreconditionFailed`, …). */
export function errorName(error: unknown): string {
  if (error && typeof error === "object") {
    const named = error as { name?: unknown; Code?: unknown; code?: unknown };
    for (const field of [named.name, named.Code, named.code]) {
      if (typeof field === "string" && field && field !== "Error") return field;
    }
  }
  return error instanceof Error ? error.name : "UnknownError";
}

/** The HTTP status of an SDK error, when the SDK recorded one. */
export function httpStatusOf(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata;
  return typeof metadata?.httpStatusCode === "number" ? metadata.httpStatusCode : undefined;
}

/** The message of an error, on one line. */
export function errorMessage(error: unknown): string {
  const text =
    error instanceof Error
      ? error.message
      : typeof (error as { Message?: unknown } | null)?.Message === "string"
        ? String((error as { Message: string }).Message)
        : String(error);
  return text.split("\n")[0] ?? "";
}

const THROTTLING_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "TooManyRequests",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);

/** Whether an SDK error says "slow down" (and the same call will succeed later). */
export function isThrottling(error: unknown): boolean {
  if (THROTTLING_NAMES.has(errorName(error))) return true;
  if (httpStatusOf(error) === 429) return true;
  return Boolean(
    (error as { $retryable?: { throttling?: boolean } } | null)?.$retryable?.throttling,
  );
}

/**
 * Whether the service failed on its side (HTTP 5xx: InternalError, ServiceUnavailable…), so
 * that the same call may succeed in a moment. Only for calls that are safe to repeat: a
 * repeated SES send could deliver twice.
 */
export function isServerError(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined) return status >= 500;
  return (error as { $fault?: unknown } | null)?.$fault === "server";
}

/** Whether S3 refused a conditional write because the condition did not hold (HTTP 412). */
export function isPreconditionFailed(error: unknown): boolean {
  return errorName(error) === "PreconditionFailed" || httpStatusOf(error) === 412;
}

/**
 * Whether S3 refused a conditional write because another conditional write of the same key
 * was in flight (HTTP 409 ConditionalRequestConflict); S3 asks the client to retry.
 */
export function isConditionalConflict(error: unknown): boolean {
  return errorName(error) === "ConditionalRequestConflict" || httpStatusOf(error) === 409;
}

/** Whether S3 says the object does not exist (SES v2: the resource, e.g. a suppression). */
export function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return (
    name === "NoSuchKey" ||
    name === "NotFound" ||
    name === "NotFoundException" ||
    httpStatusOf(error) === 404
  );
}

/** How often and how long to retry. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 = no retry). */
  readonly maxRetries: number;
  /** Delay before the first retry; doubles on each further retry. */
  readonly baseDelayMs: number;
  /** Ceiling of one delay. */
  readonly maxDelayMs: number;
  readonly sleep: Sleep;
  /** Source of jitter in [0, 1); defaults to Math.random. */
  readonly random?: () => number;
}

/** Delay before retry number `attempt` (0-based): exponential, capped, with "equal jitter". */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jitter = (policy.random ?? Math.random)();
  return Math.round(ceiling / 2 + (ceiling / 2) * jitter);
}

/**
 * Calls `call`; when it fails with an error `shouldRetry` accepts, waits and calls again,
 * at most `policy.maxRetries` more times. The last error is rethrown as is, so that the
 * caller can say what it was doing.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  shouldRetry: (error: unknown) => boolean,
  policy: RetryPolicy,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= policy.maxRetries || !shouldRetry(error)) throw error;
      await policy.sleep(backoffDelay(policy, attempt));
    }
  }
}
