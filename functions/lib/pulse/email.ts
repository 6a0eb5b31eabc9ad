/**
 * The pulse's email channel: a short HTML and plain-text message built here, without the
 * MJML templates or charts, so that the pulse Lambda's bundle carries neither. One line per
 * alert (title, status, figures, driver), then the command to pulse again.
 */

import type { Channel, NotificationMessage } from "../notify/ports.ts";
import type { Mailer } from "../ports.ts";
import { escapeHtml } from "../report/email/template.ts";

/** The message as plain text. */
export function pulseEmailText(message: NotificationMessage): string {
  return [
    message.subject,
    "",
    ...message.items.map(
      (i) =>
        `- ${i.text.title} [${i.text.status}]: ${i.text.figures}${i.driver ? ` (${i.driver.rows.map((r) => r.text).join("; ")})` : ""}`,
    ),
    "",
    ...message.commands.map((c) => `${c.label}: ${c.command}`),
  ].join("\n");
}

/** The message as a small, phone-friendly HTML page. */
export function pulseEmailHtml(message: NotificationMessage): string {
  const items = message.items
    .map(
      (i) =>
        `<li style="margin:0 0 8px"><strong>${escapeHtml(i.text.title)}</strong> · ${escapeHtml(i.text.status)}<br>${escapeHtml(i.text.figures)}${i.driver ? `<br><em>${escapeHtml(i.driver.rows.map((r) => r.text).join("; "))}</em>` : ""}</li>`,
    )
    .join("");
  const commands = message.commands
    .map(
      (c) =>
        `<p style="font-family:monospace;font-size:13px">${escapeHtml(c.label)}: ${escapeHtml(c.command)}</p>`,
    )
    .join("");
  return `<!doctype html><html lang="${message.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(message.subject)}</title></head><body style="font-family:system-ui,sans-serif;max-width:600px;margin:0 auto;padding:12px;color:#0f172a"><h1 style="font-size:18px">${escapeHtml(message.subject.replace(/^\[OpsPulse\]\s*/, ""))}</h1><ul style="padding-left:18px">${items}</ul>${commands}<p style="color:#64748b;font-size:12px">${escapeHtml(message.key)} · run ${escapeHtml(message.runId)}</p></body></html>`;
}

/** The email channel of the pulse, sending from `sender` through the Mailer port. */
export function createPulseEmailChannel(options: {
  readonly mailer: Mailer;
  readonly sender: string;
}): Channel {
  return {
    type: "email",
    async send(message, contact, context) {
      const to = contact.to ?? [];
      if (to.length === 0) {
        throw new Error(`contact point ${contact.name} of ${message.audience.id} has no address`);
      }
      const sent = await options.mailer.send(
        {
          idempotencyKey: context.idempotencyKey,
          listName: message.audience.id.replace(":", "."),
          from: options.sender,
          to,
          subject: message.subject,
          html: pulseEmailHtml(message),
          text: pulseEmailText(message),
          headers: { "X-Opspulse-Run-Id": context.runId, "X-Opspulse-Alert": "pulse" },
        },
        { runId: context.runId },
      );
      return { messageId: sent.messageId, location: sent.location, subject: message.subject };
    },
  };
}
