/**
 * A reply in each platform's own format: the card through the same renderers as the
 * scheduled chat messages (`chat/platforms/`), else the plain text. Slack's response (the
 * endpoint's HTTP answer or a `response_url` post) and DingTalk's `sessionWebhook` take the
 * incoming-webhook formats; Feishu's reply API takes the card as its `content` string; a
 * WeCom application message takes the group robot's markdown under an addressee. Pure.
 */
import type { ChatCard } from "../chat/card.ts";
import { dingtalk } from "../chat/platforms/dingtalk.ts";
import { feishuCard } from "../chat/platforms/feishu.ts";
import type { Json } from "../chat/platforms/platform.ts";
import { slackBlocks } from "../chat/platforms/slack.ts";
import { wecomMarkdown } from "../chat/platforms/wecom.ts";
import type { ChatPlatformName } from "./access.ts";

/** What the asker is told: always a text, and the card when there is one. */
export interface ReplyMessage {
  readonly text: string;
  readonly card?: ChatCard | undefined;
}

/** Slack: `response_type` (`in_channel` for all to see, `ephemeral` for the asker only). */
export function slackReply(message: ReplyMessage, responseType: "in_channel" | "ephemeral"): Json {
  return {
    response_type: responseType,
    text: message.text,
    ...(message.card ? { blocks: slackBlocks(message.card) } : {}),
  };
}

/** DingTalk: an actionCard (markdown without a link), else text. */
export function dingtalkReply(message: ReplyMessage): Json {
  return message.card
    ? dingtalk.render(message.card)
    : { msgtype: "text", text: { content: message.text } };
}

/** Feishu's reply to a message (`im/v1/messages/:id/reply`): `content` is a JSON string. */
export function feishuReply(message: ReplyMessage): Json {
  return message.card
    ? { msg_type: "interactive", content: JSON.stringify(feishuCard(message.card)) }
    : { msg_type: "text", content: JSON.stringify({ text: message.text }) };
}

/** WeCom's limit on an application message's markdown (the group robot's is 4096). */
export const WECOM_APP_MARKDOWN_BYTES = 2048;

/** A WeCom application message (`message/send`) to `user` from the app `agentId`. */
export function wecomReply(message: ReplyMessage, user: string, agentId: string): Json {
  return { touser: user, agentid: Number(agentId), ...wecomContent(message) };
}

/** What a WeCom application message says: markdown within its limit, else text. */
function wecomContent(message: ReplyMessage): { readonly [key: string]: Json } {
  return message.card
    ? {
        msgtype: "markdown",
        markdown: { content: wecomMarkdown(message.card, WECOM_APP_MARKDOWN_BYTES) },
      }
    : { msgtype: "text", text: { content: message.text } };
}

/**
 * The reply as `platform` takes it, for showing locally (`opspulse chat --json`): Slack's
 * and DingTalk's answer, Feishu's reply body, a WeCom application message to `user` (its
 * app's agent id comes from the callback, so it is left out here).
 */
export function replyPayload(
  platform: ChatPlatformName,
  message: ReplyMessage,
  user: string,
): Json {
  switch (platform) {
    case "slack":
      return slackReply(message, "in_channel");
    case "dingtalk":
      return dingtalkReply(message);
    case "feishu":
      return feishuReply(message);
    case "wecom":
      return { touser: user, ...wecomContent(message) };
  }
}
