/**
 * Builds the raw MIME message of an email with nodemailer's MailComposer, so that the
 * outbox (`.eml`) and SES (`SendEmail` raw content) send the very same bytes.
 */
import { createHash } from "node:crypto";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import type { OutgoingEmail } from "../ports.ts";

/**
 * The Message-ID of a delivery: derived from its idempotency key alone, in the sender's
 * domain, so that a delivery sent again (a run that took over a crashed run's claim) carries
 * the same id and a mail client that got the first copy shows one message.
 */
export function deliveryMessageId(email: Pick<OutgoingEmail, "idempotencyKey" | "from">): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(email.from)?.[1] ?? "opspulse.invalid";
  const digest = createHash("sha256").update(email.idempotencyKey).digest("hex").slice(0, 32);
  return `<opspulse.${digest}@${domain}>`;
}

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
