/**
 * WeCom (企业微信) group robot: `POST {"msgtype":"markdown","markdown":{"content":…}}` to the
 * robot's webhook URL (`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`); content at
 * most 4096 bytes of UTF-8. WeCom's markdown colours text with `<font color="warning|info|comment">`.
 * The robot does not sign. It answers HTTP 200 with `{"errcode":0,"errmsg":"ok"}`; 45009
 * ("api freq out of limit", 20 messages a minute per robot) means too fast; any other code
 * (40008 invalid message type, 44004 empty content, 93000 invalid webhook URL…) is a
 * message or robot error.
 */
import type { ChatCard } from "../card.ts";
import {
  type ChatPlatform,
  classifyCodedAnswer,
  escapeMarkdown,
  JSON_HEADERS,
  TONE_EMOJI,
} from "./platform.ts";

/** WeCom's limit on a markdown message's content, in bytes. */
export const WECOM_MAX_CONTENT_BYTES = 4096;
/** WeCom's "api freq out of limit". */
export const WECOM_RATE_LIMITED = 45009;

const FONT = { breach: "warning", warning: "warning", ok: "info", info: "comment" } as const;

/** `max`: the robot's limit; an application message's markdown allows half of it. */
export function wecomMarkdown(card: ChatCard, max = WECOM_MAX_CONTENT_BYTES): string {
  const lines = [
    `### ${TONE_EMOJI[card.tone]} ${escapeMarkdown(card.title)}`,
    ...(card.summary ? [`<font color="comment">${escapeMarkdown(card.summary)}</font>`] : []),
    ...card.items.map(
      (item) =>
        `> <font color="${FONT[item.tone]}">**${escapeMarkdown(item.headline)}**</font>${item.detail ? `\n> ${escapeMarkdown(item.detail)}` : ""}`,
    ),
    ...(card.more ? [escapeMarkdown(card.more)] : []),
    ...(card.link ? [`[${escapeMarkdown(card.link.label)}](${card.link.url})`] : []),
    ...card.commands.map((c) => `${escapeMarkdown(c.label)}: \`${c.command}\``),
    `<font color="comment">${escapeMarkdown(card.footer)}</font>`,
  ];
  return fitBytes(lines, max);
}

/** Joins lines, dropping items from the end until the text fits `max` bytes. */
function fitBytes(lines: readonly string[], max: number): string {
  const kept = [...lines];
  let text = kept.join("\n");
  while (Buffer.byteLength(text) > max && kept.length > 2) {
    kept.splice(kept.length - 2, 1);
    text = kept.join("\n");
  }
  return text;
}

export const wecom: ChatPlatform = {
  type: "wecom",
  render: (card) => ({ msgtype: "markdown", markdown: { content: wecomMarkdown(card) } }),
  request: (url, payload) => ({ url, headers: JSON_HEADERS, body: JSON.stringify(payload) }),
  classify: (answer) =>
    classifyCodedAnswer(answer, {
      codeField: "errcode",
      messageField: "errmsg",
      rateLimited: (code) => code === WECOM_RATE_LIMITED,
    }),
};
