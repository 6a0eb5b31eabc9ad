/**
 * DingTalk (钉钉) custom robot: `POST` an `actionCard` (markdown text and one button to the
 * dashboard) or, without a link, a `markdown` message to the robot's webhook URL
 * (`https://oapi.dingtalk.com/robot/send?access_token=…`).
 *
 * Signing ("加签"), when the robot has it on: `sign = urlencode(base64(HmacSHA256(key =
 * secret, message = timestamp + "\n" + secret)))` with `timestamp` in milliseconds, both added
 * to the URL's query (`&timestamp=…&sign=…`); DingTalk refuses a timestamp more than an hour
 * off. It answers HTTP 200 with `{"errcode":0,"errmsg":"ok"}`; 130101 ("send too fast",
 * more than 20 messages a minute: the robot is throttled for 10 minutes) means too fast; 310000
 * (keywords, signature or IP allow-list) and other codes are message or robot errors.
 */
import { createHmac } from "node:crypto";
import type { ChatCard } from "../card.ts";
import {
  type ChatPlatform,
  classifyCodedAnswer,
  escapeMarkdown,
  JSON_HEADERS,
  type Json,
  TONE_EMOJI,
} from "./platform.ts";

/** DingTalk's "send too fast". */
export const DINGTALK_RATE_LIMITED = 130101;

/** The `sign` of DingTalk's signing, before URL encoding. */
export function dingtalkSignature(timestampMs: string, secret: string): string {
  return createHmac("sha256", secret).update(`${timestampMs}\n${secret}`).digest("base64");
}

/** `url` with DingTalk's `timestamp` and (URL-encoded) `sign` query parameters. */
export function dingtalkSignedUrl(url: string, secret: string, now: Date): string {
  const timestamp = String(now.getTime());
  const sign = encodeURIComponent(dingtalkSignature(timestamp, secret));
  return `${url}${url.includes("?") ? "&" : "?"}timestamp=${timestamp}&sign=${sign}`;
}

function dingtalkMarkdown(card: ChatCard): string {
  // DingTalk's markdown has no colours: a tone emoji marks each item. Two trailing spaces
  // are not needed: paragraphs are separated by blank lines.
  return [
    `### ${TONE_EMOJI[card.tone]} ${escapeMarkdown(card.title)}`,
    ...(card.summary ? [escapeMarkdown(card.summary)] : []),
    ...card.items.map(
      (item) =>
        `- ${TONE_EMOJI[item.tone]} **${escapeMarkdown(item.headline)}**${item.detail ? `  \n  ${escapeMarkdown(item.detail)}` : ""}`,
    ),
    ...(card.more ? [escapeMarkdown(card.more)] : []),
    ...card.commands.map((c) => `${escapeMarkdown(c.label)}: \`${c.command}\``),
    `###### ${escapeMarkdown(card.footer)}`,
  ].join("\n\n");
}

export const dingtalk: ChatPlatform = {
  type: "dingtalk",
  render: (card): Json =>
    card.link
      ? {
          msgtype: "actionCard",
          actionCard: {
            title: card.title,
            text: dingtalkMarkdown(card),
            btnOrientation: "0",
            singleTitle: card.link.label,
            singleURL: card.link.url,
          },
        }
      : ({
          msgtype: "markdown",
          markdown: { title: card.title, text: dingtalkMarkdown(card) },
        } satisfies Json),
  request: (url, payload, { secret, now }) => ({
    url: secret ? dingtalkSignedUrl(url, secret, now) : url,
    headers: JSON_HEADERS,
    body: JSON.stringify(payload),
  }),
  classify: (answer) =>
    classifyCodedAnswer(answer, {
      codeField: "errcode",
      messageField: "errmsg",
      rateLimited: (code) => code === DINGTALK_RATE_LIMITED,
    }),
};
