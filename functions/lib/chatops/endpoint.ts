/**
 * The inbound endpoint's use case: verify the request (signature, then timestamp), answer a
 * URL check, drop a platform's retry of a message already taken (a conditional create in the
 * delivery log keyed by the platform's event id), then handle the command and answer within
 * the platform's deadline: Slack and DingTalk read the reply from the HTTP answer; Feishu
 * and WeCom get it posted. A report's answer is "running…"; its result follows from the
 * reply function.
 */
import { randomUUID } from "node:crypto";

import type { Clock, DeliveryLog, RunLog } from "../ports.ts";
import type { ChatCommandsConfig, ChatPlatformName } from "./access.ts";
import { CHAT_PLATFORMS } from "./access.ts";
import { type ChatReply, type ChatRunner, handleChatCommand } from "./handle.ts";
import { type InboundRequest, readInbound } from "./inbound/index.ts";
import type { ReplyTarget } from "./inbound/verdict.ts";
import { type Fetch, postReply } from "./post-reply.ts";
import { dingtalkReply, slackReply } from "./reply-message.ts";
import type { ChatSecrets } from "./secrets.ts";

export interface EndpointDeps {
  readonly secrets: ChatSecrets;
  readonly access: ChatCommandsConfig;
  readonly deliveries: DeliveryLog;
  readonly runLog: RunLog;
  readonly clock: Clock;
  /** The report time zone: "yesterday" is its yesterday. */
  readonly timeZone: string;
  readonly runner: (message: {
    readonly reply: ReplyTarget;
    readonly eventId: string;
  }) => ChatRunner;
  readonly fetch: Fetch;
  /** Told of what was refused or dropped (the logger). */
  readonly note?: (event: string, detail: Record<string, unknown>) => void;
}

export interface HttpAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

/** The platform of a path: `/slack`, `/feishu`, `/dingtalk`, `/wecom`. */
export function platformOfPath(path: string): ChatPlatformName | undefined {
  const name = path.replace(/^\/+|\/+$/g, "");
  return (CHAT_PLATFORMS as readonly string[]).includes(name)
    ? (name as ChatPlatformName)
    : undefined;
}

export async function answerInbound(
  deps: EndpointDeps,
  path: string,
  request: InboundRequest,
): Promise<HttpAnswer> {
  const platform = platformOfPath(path);
  if (!platform) {
    return text(404, `no chat platform at ${path}: post to /slack, /feishu, /dingtalk or /wecom`);
  }
  const now = deps.clock.now();
  const verdict = readInbound(platform, request, deps.secrets, now);
  switch (verdict.kind) {
    case "refused":
      deps.note?.("chat request refused", { platform, reason: verdict.reason });
      await deps.runLog.append({
        kind: "chat_command",
        at: now.toISOString(),
        platform,
        outcome: "refused",
        reason: verdict.reason,
      });
      return text(401, "request refused: signature or timestamp not valid");
    case "challenge":
      return {
        statusCode: 200,
        headers: { "content-type": verdict.contentType },
        body: verdict.body,
      };
    case "ignored":
      return empty(platform);
  }
  const claimed = await deps.deliveries.claim({
    idempotencyKey: `chat:${platform}:${verdict.eventId}`,
    runId: `chat-${verdict.eventId}`,
    deliveredAt: now.toISOString(),
    // The log's create takes an identical body as its own (a retried write of its own): each
    // attempt's record must differ, or a platform's retry within the same millisecond passes.
    attempt: randomUUID(),
  });
  if (!claimed) {
    deps.note?.("chat retry dropped", { platform, eventId: verdict.eventId });
    return empty(platform);
  }
  const reply = await handleChatCommand(
    { access: deps.access, runner: deps.runner(verdict), runLog: deps.runLog },
    {
      platform,
      user: verdict.user,
      text: verdict.text,
      today: new Intl.DateTimeFormat("en-CA", { timeZone: deps.timeZone }).format(now),
      now,
      messageId: verdict.eventId,
    },
  );
  return answerWith(deps, platform, verdict.reply, reply);
}

async function answerWith(
  deps: EndpointDeps,
  platform: ChatPlatformName,
  target: ReplyTarget,
  reply: ChatReply,
): Promise<HttpAnswer> {
  switch (platform) {
    case "slack":
      // A refusal or the help is for the asker only; a run is for the channel.
      return json(
        slackReply(
          reply,
          reply.outcome === "queued" || reply.outcome === "ran" ? "in_channel" : "ephemeral",
        ),
      );
    case "dingtalk":
      return json(dingtalkReply(reply));
    case "feishu":
    case "wecom":
      try {
        await postReply(target, reply, deps.secrets, deps.fetch);
      } catch (error) {
        deps.note?.("chat reply not posted", { platform, error: (error as Error).message });
      }
      return empty(platform);
  }
}

function json(body: unknown): HttpAnswer {
  return { statusCode: 200, headers: JSON_TYPE, body: JSON.stringify(body) };
}

function text(statusCode: number, body: string): HttpAnswer {
  return { statusCode, headers: { "content-type": "text/plain; charset=utf-8" }, body };
}

/** An answer that posts nothing (WeCom wants an empty body, Feishu JSON). */
function empty(platform: ChatPlatformName): HttpAnswer {
  return platform === "feishu" ? json({}) : text(200, "");
}
