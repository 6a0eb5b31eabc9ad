/**
 * Slack incoming webhook: `POST {"text":…,"blocks":[…]}` (Block Kit: a header, `mrkdwn`
 * sections, a button to the dashboard, a context line) to the webhook URL
 * (`https://hooks.slack.com/services/…`). `text` is the notification's fallback.
 *
 * Slack does not sign incoming webhooks (the URL is the secret). It answers HTTP 200 `ok`;
 * too fast is HTTP 429 with `Retry-After` (seconds; about one message a second per webhook);
 * 400 `invalid_payload`, 403 `action_prohibited`, 404 `channel_not_found`, 410
 * `channel_is_archived` are message or webhook errors; 5xx (`rollup_error`) is Slack's.
 */
import type { ChatCard } from "../card.ts";
import {
  type ChatPlatform,
  classifyHttpAnswer,
  JSON_HEADERS,
  type Json,
  TONE_EMOJI,
} from "./platform.ts";

/** Slack's limit on a header block's text. */
const HEADER_MAX = 150;

function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c] ?? c);
}

export function slackBlocks(card: ChatCard): Json[] {
  const title = `${TONE_EMOJI[card.tone]} ${card.title}`;
  const blocks: Json[] = [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: title.length > HEADER_MAX ? `${title.slice(0, HEADER_MAX - 1)}…` : title,
      },
    },
  ];
  if (card.summary) blocks.push(section(escapeMrkdwn(card.summary)));
  for (const item of card.items) {
    blocks.push(
      section(
        `${TONE_EMOJI[item.tone]} *${escapeMrkdwn(item.headline)}*${item.detail ? `\n${escapeMrkdwn(item.detail)}` : ""}`,
      ),
    );
  }
  if (card.more) blocks.push(section(escapeMrkdwn(card.more)));
  blocks.push(
    section(
      card.commands
        .map((c) => `${escapeMrkdwn(c.label)}: \`${escapeMrkdwn(c.command)}\``)
        .join("\n"),
    ),
  );
  if (card.link) {
    blocks.push({
      type: "actions",
      elements: [
        {
          type: "button",
          text: { type: "plain_text", text: card.link.label },
          url: card.link.url,
          style: card.tone === "breach" ? "danger" : "primary",
        },
      ],
    });
  }
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: escapeMrkdwn(card.footer) }] });
  return blocks;
}

function section(text: string): Json {
  return { type: "section", text: { type: "mrkdwn", text } };
}

export const slack: ChatPlatform = {
  type: "slack",
  render: (card) => ({ text: `${TONE_EMOJI[card.tone]} ${card.title}`, blocks: slackBlocks(card) }),
  request: (url, payload) => ({ url, headers: JSON_HEADERS, body: JSON.stringify(payload) }),
  classify: classifyHttpAnswer,
};
