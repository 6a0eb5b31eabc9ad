/**
 * The destination of the ad-hoc Lambda's asynchronous invocations: when a run the chat
 * asked for ends (success or failure), posts its summary — or the one-line error — in the
 * asker's thread and records the outcome in the run log. Records no chat asked for are
 * ignored.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { createS3ArtifactStore } from "../lib/adapters/s3-artifacts.ts";
import { createS3RunLog } from "../lib/adapters/s3-store.ts";
import { type Fetch, postReply } from "../lib/chatops/post-reply.ts";
import {
  DASHBOARD_PAGE,
  type DestinationRecord,
  replyForRecord,
} from "../lib/chatops/reply-run.ts";
import {
  type ChatSecrets,
  parseChatSecrets,
  readSecretsManagerString,
} from "../lib/chatops/secrets.ts";
import type { RunLog } from "../lib/ports.ts";
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
  /** A link to the dashboard for the reply (a pre-signed URL in AWS); none when it fails. */
  readonly dashboardLink?: () => Promise<string | undefined>;
}

export function createChatReplyHandler(options: {
  readonly deps: () => Promise<ChatReplyDeps>;
  readonly observability: Observability;
}) {
  let opened: Promise<ChatReplyDeps> | undefined;
  return observedHandler(options.observability, async (record: DestinationRecord) => {
    if (!replyForRecord(record)) return { posted: false };
    opened ??= options.deps();
    const deps = await opened;
    const link = await deps.dashboardLink?.().catch(() => undefined);
    const reply = replyForRecord(record, () => link);
    if (!reply) return { posted: false };
    let posted = true;
    try {
      await postReply(reply.chat.reply, reply.text, deps.secrets, deps.fetch);
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
      // The dashboard the runs publish to the state bucket (runtime/lambda.ts), for 12 hours.
      dashboardLink: () =>
        createS3ArtifactStore({ client: s3, bucket, prefix: "dashboard" }).link(
          DASHBOARD_PAGE,
          12 * 3600,
        ),
      fetch: (url, init) => fetch(url, init),
      clock: { now: () => new Date() },
    };
  },
});
