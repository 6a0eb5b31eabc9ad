/**
 * The outbox `Mailer`: instead of sending, writes each email where a person can open it —
 * `<out>/outbox/<runId>/<list>.eml` (the raw MIME message, for a mail client) and
 * `<list>.html` (the HTML part, for a browser, with the inline images as `data:` URLs). The `.eml` holds the very bytes SES would
 * send (same MailComposer build), and is written last and whole: its presence means the
 * email was delivered.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  type Clock,
  type Mailer,
  type OutgoingEmail,
  type SentEmail,
  systemClock,
} from "../ports.ts";
import { buildMime, deliveryMessageId } from "../report/mime.ts";
import { createExclusive } from "./fs-store.ts";

/** An outbox file already exists: a run id was reused for the same list. */
export class OutboxConflictError extends Error {
  override name = "OutboxConflictError";
}

export interface OutboxMailerOptions {
  /** The outbox folder, e.g. `out/outbox`. */
  readonly dir: string;
  /** The Date header's clock. */
  readonly clock?: Clock;
}

/** A mailer that writes `.eml` and `.html` files into `dir/<runId>/`. */
export function createOutboxMailer(options: OutboxMailerOptions): Mailer & {
  /** Where the `.eml` of a list goes for a run. */
  pathOf(runId: string, listName: string): string;
} {
  const clock = options.clock ?? systemClock;
  const pathOf = (runId: string, listName: string) =>
    join(options.dir, fileSafe(runId), `${fileSafe(listName)}.eml`);
  return {
    pathOf,
    async send(email: OutgoingEmail, context: { readonly runId: string }): Promise<SentEmail> {
      const messageId = deliveryMessageId(email);
      const mime = await buildMime(email, messageId, clock.now());
      const emlPath = pathOf(context.runId, email.listName);
      await mkdir(join(options.dir, fileSafe(context.runId)), { recursive: true });
      const htmlPath = emlPath.replace(/\.eml$/, ".html");
      for (const [path, content] of [
        [htmlPath, withInlineImages(email)],
        [emlPath, mime],
      ] as const) {
        if (!(await createExclusive(path, content))) {
          throw new OutboxConflictError(
            `${path} already exists: every run needs its own run id; nothing was overwritten.`,
          );
        }
      }
      return { messageId, location: emlPath };
    },
  };
}

/**
 * The HTML for a browser: a browser cannot resolve `cid:` references to the message's
 * inline images, so the preview carries them as `data:` URLs (the `.eml` keeps `cid:`).
 */
export function withInlineImages(email: OutgoingEmail): string {
  let html = email.html;
  for (const attachment of email.attachments ?? []) {
    if (!attachment.cid) continue;
    const data = `data:${attachment.contentType};base64,${Buffer.from(attachment.content).toString("base64")}`;
    html = html.replaceAll(`cid:${attachment.cid}`, data);
  }
  return html;
}

/** A name safe as one path segment on every OS. */
function fileSafe(name: string): string {
  const safe = name.replaceAll(/[^A-Za-z0-9._-]+/g, "_").replace(/^\.+/, "_");
  return safe.length > 0 ? safe.slice(0, 120) : "_";
}
