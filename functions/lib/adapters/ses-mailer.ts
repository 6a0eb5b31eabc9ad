/**
 * The AWS `Mailer`: sends the raw MIME message the outbox would write (built by
 * {@link buildMime}, byte for byte) through SES v2 `SendEmail` with `Content.Raw`, in a
 * configuration set (for bounce, complaint and delivery events) and with tags naming the
 * recipient list and the run.
 *
 * SES errors become {@link SesSendError}s that say what happened and what to do; a
 * throttled send is retried a bounded number of times with backoff (a report is a handful
 * of emails, so waiting is cheaper than failing the run).
 */
import {
  GetSuppressedDestinationCommand,
  type MessageTag,
  type SESv2Client,
  SendEmailCommand,
} from "@aws-sdk/client-sesv2";
import {
  type Clock,
  type Mailer,
  type OutgoingEmail,
  type SentEmail,
  type SuppressedRecipient,
  systemClock,
} from "../ports.ts";
import { buildMime, deliveryMessageId } from "../report/mime.ts";
import {
  errorMessage,
  errorName,
  isNotFound,
  isThrottling,
  type RetryPolicy,
  realSleep,
  type Sleep,
  withRetry,
} from "./aws-errors.ts";

/** Options of {@link createSesMailer}. */
export interface SesMailerOptions {
  /** The SES v2 client (region, credentials and endpoint are the caller's business). */
  readonly client: SESv2Client;
  /** Configuration set that receives the sending events; none when undefined. */
  readonly configurationSetName?: string;
  /** Tags put on every message, e.g. `{ app: "opspulse", stage: "prod" }`. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Retries of a throttled send (default 4). */
  readonly maxRetries?: number;
  /** Injected so that tests do not wait. */
  readonly sleep?: Sleep;
  /** The `Date:` of the message (default: the system clock). */
  readonly clock?: Clock;
}

/** Why SES did not send; `retryable` says whether the same send may succeed later. */
export type SesFailure =
  | "rejected"
  | "sandbox"
  | "not-authorized"
  | "sender-not-verified"
  | "sending-paused"
  | "throttled"
  | "quota-exceeded"
  | "configuration"
  | "bad-request"
  | "unknown";

/** SES did not send the message; the message says why and what to do. */
export class SesSendError extends Error {
  override name = "SesSendError";
  readonly failure: SesFailure;
  readonly retryable: boolean;
  constructor(message: string, failure: SesFailure, retryable: boolean, cause: unknown) {
    super(message, { cause });
    this.failure = failure;
    this.retryable = retryable;
  }
}

/** SES tag names and values: ASCII letters, digits, `_` and `-`, at most 255 characters. */
const TAG_TEXT = /^[A-Za-z0-9_-]{1,255}$/;

/** Creates the SES mailer. Throws at once on tags SES would refuse. */
export function createSesMailer(options: SesMailerOptions): Mailer {
  const clock = options.clock ?? systemClock;
  const retry: RetryPolicy = {
    maxRetries: options.maxRetries ?? 4,
    baseDelayMs: 500,
    maxDelayMs: 8_000,
    sleep: options.sleep ?? realSleep,
  };
  const fixedTags = Object.entries(options.tags ?? {}).map(([Name, Value]): MessageTag => {
    if (!TAG_TEXT.test(Name) || !TAG_TEXT.test(Value)) {
      throw new Error(
        `SES tag ${Name}=${Value} is not allowed: use letters, digits, "_" and "-" only (at most 255 each).`,
      );
    }
    return { Name, Value };
  });

  return {
    async send(email: OutgoingEmail, context: { readonly runId: string }): Promise<SentEmail> {
      // The same for every send of this delivery (see deliveryMessageId).
      const rfcMessageId = deliveryMessageId(email);
      const raw = await buildMime(email, rfcMessageId, clock.now());
      const tags: MessageTag[] = [
        ...fixedTags,
        { Name: "list", Value: tagValue(email.listName) },
        { Name: "run", Value: tagValue(context.runId) },
      ];
      const command = new SendEmailCommand({
        Content: { Raw: { Data: raw } },
        Destination: { ToAddresses: [...email.to] },
        ...(options.configurationSetName
          ? { ConfigurationSetName: options.configurationSetName }
          : {}),
        EmailTags: tags,
      });
      try {
        const sent = await withRetry(
          () => options.client.send(command),
          (error) => isThrottling(error) && !isQuotaExceeded(error),
          retry,
        );
        const messageId = sent.MessageId ?? rfcMessageId;
        return { messageId, location: `ses:${messageId}` };
      } catch (error) {
        throw describeSesError(error, email, options.configurationSetName, retry.maxRetries);
      }
    },

    async suppressed(addresses) {
      const found: SuppressedRecipient[] = [];
      for (const address of new Set(addresses.map((a) => a.trim().toLowerCase()))) {
        try {
          const answer = await withRetry(
            () =>
              options.client.send(new GetSuppressedDestinationCommand({ EmailAddress: address })),
            isThrottling,
            retry,
          );
          const destination = answer.SuppressedDestination;
          if (destination) {
            found.push({
              address,
              reason: destination.Reason ?? "UNKNOWN",
              since: destination.LastUpdateTime?.toISOString() ?? "",
            });
          }
        } catch (error) {
          if (!isNotFound(error)) throw error; // NotFoundException: not suppressed
        }
      }
      return found;
    },
  };
}

/** Maps an SES error to a {@link SesSendError} that says what to do. */
function describeSesError(
  error: unknown,
  email: OutgoingEmail,
  configurationSet: string | undefined,
  maxRetries: number,
): SesSendError {
  const what = `SES did not send "${email.subject}" to ${email.listName}`;
  const said = errorMessage(error);
  const fail = (failure: SesFailure, retryable: boolean, advice: string) =>
    new SesSendError(`${what}: ${advice}`, failure, retryable, error);
  if (isQuotaExceeded(error)) {
    return fail(
      "quota-exceeded",
      true,
      `the account's daily sending quota is used up (${said}). Retry tomorrow or ask AWS to raise the quota.`,
    );
  }
  if (isThrottling(error)) {
    return fail(
      "throttled",
      true,
      `still throttled after ${maxRetries} retries (${said}). Retry later or raise the sending rate.`,
    );
  }
  switch (errorName(error)) {
    case "MessageRejected":
      // The sandbox's answer for a recipient that is not a verified identity.
      if (/not verified/i.test(said)) {
        return fail(
          "sandbox",
          false,
          `SES is in the sandbox and a recipient of ${email.to.join(", ")} is not a verified identity (${said}). Verify each recipient in SES, or request production access; while in the sandbox deploy with -c opspulse:sesSandbox=true.`,
        );
      }
      return fail(
        "rejected",
        false,
        `the message was rejected (${said}). Check the content and attachments.`,
      );
    case "AccessDeniedException":
    case "AccessDenied":
      return fail(
        "not-authorized",
        false,
        `the function may not send it (${said}). In the SES sandbox SES also authorizes each recipient's identity: deploy with -c opspulse:sesSandbox=true, or request production access; otherwise check that opspulse:sesIdentity is the sender's verified identity.`,
      );
    case "MailFromDomainNotVerifiedException":
      return fail(
        "sender-not-verified",
        false,
        `the sending domain of ${email.from} is not verified (${said}). Verify the domain (or its MAIL FROM domain) in SES, or send from a verified identity.`,
      );
    case "SendingPausedException":
      return fail(
        "sending-paused",
        false,
        `sending is paused for the account${configurationSet ? ` or configuration set ${configurationSet}` : ""} (${said}). Check the SES reputation dashboard, then re-enable sending.`,
      );
    case "AccountSuspendedException":
      return fail(
        "sending-paused",
        false,
        `the account's ability to send is suspended (${said}). Contact AWS Support; no email can be sent until it is lifted.`,
      );
    case "NotFoundException":
      return fail(
        "configuration",
        false,
        `a resource SES needs does not exist (${said}). Check that configuration set ${configurationSet ?? "(none)"} exists in this region.`,
      );
    case "BadRequestException":
      return fail("bad-request", false, `SES refused the request (${said}).`);
    default:
      return fail("unknown", false, `${errorName(error)}: ${said}`);
  }
}

/** SES reports a spent daily quota as throttling; waiting minutes will not help. */
function isQuotaExceeded(error: unknown): boolean {
  return /daily message quota exceeded/i.test(errorMessage(error));
}

function tagValue(text: string): string {
  const value = text.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 255);
  return value || "_";
}
