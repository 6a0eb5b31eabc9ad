/**
 * Feishu / Lark (飞书) custom bot: `POST {"msg_type":"interactive","card":{…}}` to the bot's
 * webhook URL (`https://open.feishu.cn/open-apis/bot/v2/hook/…`, or Lark's `open.larksuite.com`).
 * The card has a coloured header, `lark_md` text, a button to the dashboard and a note.
 *
 * Signing ("签名校验"), when the bot has it on: `sign = base64(HmacSHA256(key = timestamp +
 * "\n" + secret, message = empty))` with `timestamp` in seconds, both as strings in the JSON
 * body; Feishu refuses a timestamp more than an hour off (code 19021, "sign match fail").
 * It answers `{"code":0,"msg":"success"}`; its frequency limits (100 a minute, 5 a second)
 * answer code 11232 or 9499 "too many request" (and its gateway HTTP 429); 9499 "Bad Request",
 * 19021, 19022 (IP) and 19024 (keywords) are message or bot errors.
 */
import { createHmac } from "node:crypto";
import type { ChatCard, ChatTone } from "../card.ts";
import { type ChatPlatform, classifyCodedAnswer, JSON_HEADERS, type Json } from "./platform.ts";

/** Feishu's frequency-limit codes of a bot message. */
export const FEISHU_RATE_LIMITED: readonly number[] = [11232, 230020];

/** The `sign` of Feishu's signing. */
export function feishuSignature(timestampSeconds: string, secret: string): string {
  return createHmac("sha256", `${timestampSeconds}\n${secret}`).update("").digest("base64");
}

const TEMPLATE: Readonly<Record<ChatTone, string>> = {
  breach: "red",
  warning: "orange",
  ok: "green",
  info: "blue",
};

/** Escapes the characters `lark_md` reads as markup or HTML. */
function escapeLarkMd(text: string): string {
  return text
    .replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c] ?? c)
    .replace(/([*_~`[\]])/g, "\\$1");
}

export function feishuCard(card: ChatCard): Json {
  const elements: Json[] = [];
  if (card.summary) elements.push(markdownDiv(escapeLarkMd(card.summary)));
  for (const item of card.items) {
    elements.push(
      markdownDiv(
        `**${escapeLarkMd(item.headline)}**${item.detail ? `\n${escapeLarkMd(item.detail)}` : ""}`,
      ),
    );
  }
  if (card.more) elements.push(markdownDiv(escapeLarkMd(card.more)));
  elements.push(
    markdownDiv(card.commands.map((c) => `${escapeLarkMd(c.label)}: \`${c.command}\``).join("\n")),
  );
  if (card.link) {
    elements.push({
      tag: "action",
      actions: [
        {
          tag: "button",
          text: { tag: "plain_text", content: card.link.label },
          type: "primary",
          url: card.link.url,
        },
      ],
    });
  }
  elements.push({ tag: "note", elements: [{ tag: "plain_text", content: card.footer }] });
  return {
    config: { wide_screen_mode: true },
    header: { title: { tag: "plain_text", content: card.title }, template: TEMPLATE[card.tone] },
    elements,
  };
}

function markdownDiv(content: string): Json {
  return { tag: "div", text: { tag: "lark_md", content } };
}

export const feishu: ChatPlatform = {
  type: "feishu",
  render: (card) => ({ msg_type: "interactive", card: feishuCard(card) }),
  request: (url, payload, { secret, now }) => {
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const signed =
      secret && typeof payload === "object" && payload !== null && !Array.isArray(payload)
        ? { timestamp, sign: feishuSignature(timestamp, secret), ...payload }
        : payload;
    return { url, headers: JSON_HEADERS, body: JSON.stringify(signed) };
  },
  classify: (answer) =>
    classifyCodedAnswer(answer, {
      codeField: "code",
      messageField: "msg",
      rateLimited: (code, message) =>
        FEISHU_RATE_LIMITED.includes(code) ||
        (code === 9499 && /too many|frequen|limit/i.test(message)),
    }),
};
