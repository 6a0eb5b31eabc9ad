/**
 * Builds the raw MIME message of an email with nodemailer's MailComposer, so that the
 * outbox (`.eml`) and SES (`SendEmail` raw content) send the very same bytes.
 */
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import type { OutgoingEmail } from "../ports.ts";

/** The RFC 5322 message: multipart/alternative (text + HTML), with related inline images. */
export async function buildMime(
  email: OutgoingEmail,
  messageId: string,
  date: Date,
): Promise<Buffer> {
  const composer = new MailComposer({
    from: email.from,
    to: [...email.to],
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId,
    date,
    headers: { "X-Opspulse-Idempotency-Key": email.idempotencyKey, ...email.headers },
    attachments: (email.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: Buffer.from(a.content),
      ...(a.cid ? { cid: a.cid, contentDisposition: "inline" as const } : {}),
    })),
  });
  return composer.compile().build();
}
