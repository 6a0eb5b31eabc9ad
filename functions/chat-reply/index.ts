/**
 * The destination of the ad-hoc Lambda's asynchronous invocations: when a run the chat
 * asked for ends (success or failure), posts its summary card — the scheduled chat
 * summary's, in the platform's format and the asker's language, linking the dashboard in
 * that language (CloudFront signed links when the stack made a distribution) — or the
 * one-line error in the asker's thread, and records the outcome in the run log. Records no
 * chat asked for are ignored.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { createS3ArtifactStore } from "../lib/adapters/s3-artifacts.ts";
import { createS3RunLog } from "../lib/adapters/s3-store.ts";
import { type Fetch, postReply } from "../lib/chatops/post-reply.ts";
import { chatOfRecord, type DestinationRecord, replyForRecord } from "../lib/chatops/reply-run.ts";
import {
  type ChatSecrets,
  parseChatSecrets,
  readSecretsManagerString,
} from "../lib/chatops/secrets.ts";
import type { Locale } from "../lib/kpi/registry.ts";
import type { RunLog } from "../lib/ports.ts";
import { dashboardIndexLinks } from "../lib/runtime/dashboard-links.ts";
import { requireEnv } from "../lib/runtime/env.ts";
import {
  createObservability,
  type Observability,
  observedHandler,
} from "../lib/runtime/observability.ts";

export interface ChatReplyDeps {
  readonly secrets: ChatSecrets;
  readonly runLog: RunLog;
  readonly fetch: Fetch;
  readonly clock: { now(): Date };
  /** A link to the dashboard in `locale` for the reply (a signed URL in AWS); none when it fails. */
  readonly dashboardLink?: (locale: Locale) => Promise<string | undefined>;
}

export function createChatReplyHandler(options: {
  readonly deps: () => Promise<ChatReplyDeps>;
  readonly observability: Observability;
}) {
  let opened: Promise<ChatReplyDeps> | undefined;
  return observedHandler(options.observability, async (record: DestinationRecord) => {
    const chat = chatOfRecord(record);
    if (!chat) return { posted: false };
    opened ??= options.deps();
    const deps = await opened;
    // The reply goes without its button rather than not at all.
    const link = await deps.dashboardLink?.(chat.locale).catch(() => undefined);
    const reply = replyForRecord(record, link);
    if (!reply) return { posted: false };
    let posted = true;
    try {
      await postReply(reply.chat.reply, reply, deps.secrets, deps.fetch);
    } catch (error) {
      posted = false;
      options.observability.logger.error("chat reply not posted", { error });
    }
    await deps.runLog.append({
      kind: "chat_command",
      at: deps.clock.now().toISOString(),
      user: reply.chat.asker,
      messageId: reply.chat.eventId,
      outcome: reply.outcome,
      posted,
      report: record.requestPayload?.report,
      date: record.requestPayload?.date,
    });
    return { posted };
  });
}

const observability = createObservability("opspulse-chat-reply");

export const handler = createChatReplyHandler({
  observability,
  deps: async () => {
    const secretId = requireEnv(
      process.env,
      "OPSPULSE_CHAT_SECRET",
      "names the Secrets Manager secret of the chat apps",
    );
    const bucket = requireEnv(
      process.env,
      "OPSPULSE_STATE_BUCKET",
      "names the bucket of the run log",
    );
    const s3 = new S3Client({});
    return {
      secrets: parseChatSecrets(secretId, await readSecretsManagerString(secretId)),
      runLog: createS3RunLog({ client: s3, bucket }),
      dashboardLink: dashboardIndexLinks(
        createS3ArtifactStore({ client: s3, bucket, prefix: "dashboard" }),
        process.env,
      ),
      fetch: (url, init) => fetch(url, init),
      clock: { now: () => new Date() },
    };
  },
});
