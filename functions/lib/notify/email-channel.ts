/**
 * The email channel: renders a {@link NotificationMessage} — on-call's grouped alerts or an
 * owner's digest — with the on-call email template (`templates/alert.mjml`: one line per
 * alert, worst first, its streak and ack, then why it moved and the commands) and sends it
 * through the Mailer port (SES, or the local outbox).
 */
import { type AlertViewModel, renderModel } from "../alerts/render.ts";
import { ALERT_STRINGS } from "../alerts/strings.ts";
import type { Mailer } from "../ports.ts";
import type { CompiledTemplate } from "../report/email/template.ts";
import type { Channel, ContactPoint, NotificationMessage } from "./ports.ts";

const BADGES = {
  new: { color: "#ffffff", background: "#b91c1c" },
  ongoing: { color: "#ffffff", background: "#c2410c" },
  resolved: { color: "#ffffff", background: "#15803d" },
} as const;

const NOTES: Readonly<Record<"warning" | "info", { color: string; background: string }>> = {
  warning: { color: "#d97706", background: "#fffbeb" },
  info: { color: "#64748b", background: "#f8fafc" },
};

/** An email channel sending from `sender` with the compiled alert template. */
export function createEmailChannel(options: {
  readonly mailer: Mailer;
  readonly sender: string;
  readonly template: CompiledTemplate | (() => CompiledTemplate);
}): Channel {
  return {
    type: "email",
    async send(message, contact, context) {
      const to = contact.to ?? [];
      if (to.length === 0) {
        throw new Error(`contact point ${contact.name} of ${message.audience.id} has no address`);
      }
      const template =
        typeof options.template === "function" ? options.template() : options.template;
      const rendered = renderModel(messageModel(message), template);
      const sent = await options.mailer.send(
        {
          idempotencyKey: context.idempotencyKey,
          listName: outboxName(message, contact),
          from: options.sender,
          to,
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          headers: { "X-Opspulse-Run-Id": context.runId, "X-Opspulse-Alert": message.kind },
        },
        { runId: context.runId },
      );
      return { messageId: sent.messageId, location: sent.location, subject: rendered.subject };
    },
  };
}

/** `on-call`, `owner.user_operations` (and `.<contact>` for a second email contact point). */
function outboxName(message: NotificationMessage, contact: ContactPoint): string {
  const audience = message.audience.id.replace(":", ".");
  return contact.name === "email" ? audience : `${audience}.${contact.name}`;
}

/** The view model of the alert template for a grouped message. */
export function messageModel(message: NotificationMessage): AlertViewModel {
  const strings = ALERT_STRINGS[message.locale];
  const anyNew = message.items.some((i) => i.kind !== "reminder" && i.kind !== "resolved");
  const allResolved = message.items.every((i) => i.kind === "resolved");
  const badge = allResolved ? BADGES.resolved : anyNew ? BADGES.new : BADGES.ongoing;
  const headline = message.subject.replace(/^\[OpsPulse\]\s*/, "");
  return {
    lang: message.locale,
    subject: message.subject,
    preview: message.items
      .slice(0, 3)
      .map((i) => `${i.text.title}: ${i.text.status}`)
      .join(" · "),
    badge: { text: message.kind === "digest" ? "DIGEST" : "ON-CALL", ...badge },
    title: headline,
    intro: `${message.items.length} ${message.locale === "en" ? "alert(s), worst first" : "条告警，最严重的在前"}`,
    facts: message.items.map((i) => ({
      label: i.text.title,
      value: [i.text.status, i.text.figures, i.text.ack].filter(Boolean).join(" · "),
    })),
    notes: message.items.flatMap((i) =>
      i.driver && i.driver.rows.length > 0
        ? [
            {
              text: `${i.text.title} — ${i.driver.title}: ${i.driver.rows.map((r) => r.text).join("; ")}`,
              ...NOTES.info,
            },
          ]
        : i.kind === "data_incomplete"
          ? [{ text: strings.dataNotJudged, ...NOTES.warning }]
          : [],
    ),
    trend: null,
    breakdown: null,
    command: {
      heading: strings.command,
      text: message.commands.map((c) => `${c.label}: ${c.command}`).join("\n"),
    },
    footer: strings.footer(message.key, message.runId),
    generatedBy: strings.generatedBy,
  };
}
