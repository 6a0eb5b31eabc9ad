/**
 * Bounces and complaints, surfaced. SES publishes them to the configuration set's event
 * destination (an SNS topic on-call may subscribe to, see infra/constructs/mail.ts) and puts
 * the address on the account's suppression list, after which SES silently drops mail to it.
 * This reads which of the configured recipients are suppressed, for the run log (one
 * `mail_feedback` line after a run, when any is) and `opspulse alerts status`.
 */
import type { OpsConfig } from "../config/load.ts";
import type { Clock, Mailer, RunLog, SuppressedRecipient } from "../ports.ts";

/** Every address of `config`'s recipient lists and of on-call, once. */
export function configuredRecipients(config: Pick<OpsConfig, "recipients" | "onCall">): string[] {
  const lists = Object.values(config.recipients).flat();
  return [
    ...new Set(
      [...lists.flatMap((list) => list.to), ...(config.onCall?.to ?? [])].map((a) =>
        a.trim().toLowerCase(),
      ),
    ),
  ].sort();
}

/**
 * The configured recipients the mailer suppresses (none when it keeps no suppression
 * list); when there are some, one `mail_feedback` line goes to the run log.
 */
export async function noteSuppressedRecipients(
  deps: { readonly mailer: Mailer; readonly runLog: RunLog; readonly clock: Clock },
  config: Pick<OpsConfig, "recipients" | "onCall">,
  runId: string | undefined,
): Promise<readonly SuppressedRecipient[]> {
  if (!deps.mailer.suppressed) return [];
  const suppressed = await deps.mailer.suppressed(configuredRecipients(config));
  if (suppressed.length > 0) {
    await deps.runLog.append({
      type: "mail_feedback",
      ...(runId ? { runId } : {}),
      at: deps.clock.now().toISOString(),
      suppressed,
      advice:
        "SES no longer delivers to these recipients (they bounced or complained): fix or remove the addresses in recipients.yaml, then remove them from the account's suppression list (aws sesv2 delete-suppressed-destination).",
    });
  }
  return suppressed;
}

/** Lines for `opspulse alerts status`: the suppressed recipients, or none. */
export function describeSuppressed(suppressed: readonly SuppressedRecipient[]): string[] {
  if (suppressed.length === 0) return [];
  return [
    `SES no longer delivers to ${suppressed.length} configured recipient(s) (bounced or complained; fix recipients.yaml, then aws sesv2 delete-suppressed-destination):`,
    ...suppressed.map(
      (s) =>
        `  ${s.address}  ${s.reason.toLowerCase()}${s.since ? ` since ${s.since.slice(0, 10)}` : ""}`,
    ),
  ];
}
