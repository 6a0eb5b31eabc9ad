/**
 * Deployment settings read from CDK context (`cdk.json` or `cdk synth -c key=value`).
 *
 * Everything here is about *where* opspulse runs (bucket names, limits, who is paged);
 * *what* it reports (targets, recipients, schedules) lives in `config/` and is validated
 * by the same zod schemas as `opspulse validate`.
 */
import type { Node } from "constructs";
import * as z from "zod";

/** Context keys, all prefixed `opspulse:` so they cannot collide with CDK's own. */
export const CONTEXT_KEYS = {
  configDir: "opspulse:configDir",
  lakeBucketName: "opspulse:lakeBucketName",
  lakePrefix: "opspulse:lakePrefix",
  lakeFirstDay: "opspulse:lakeFirstDay",
  glueDatabase: "opspulse:glueDatabase",
  workgroup: "opspulse:athenaWorkgroup",
  bytesScannedCutoff: "opspulse:athenaBytesScannedCutoffPerQuery",
  dailyBytesScannedAlarm: "opspulse:athenaDailyBytesScannedAlarm",
  resultsExpirationDays: "opspulse:athenaResultsExpirationDays",
  sesIdentity: "opspulse:sesIdentity",
  onCallEmail: "opspulse:onCallEmail",
  dashboardPublicKey: "opspulse:dashboardPublicKey",
  dashboardLinkDays: "opspulse:dashboardLinkDays",
} as const;

const GIB = 1024 ** 3;

const positiveInteger = z.coerce.number().int().positive();
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ? value : undefined));

const settingsSchema = z.strictObject({
  configDir: z.string().min(1).default("config"),
  lakeBucketName: optionalText.pipe(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name")
      .optional(),
  ),
  lakePrefix: z
    .string()
    .default("")
    .transform((prefix) => prefix.replace(/^\/+|\/+$/g, ""))
    .pipe(z.string().regex(/^[a-zA-Z0-9_/.-]*$/, "expected a key prefix such as lake or data/lake"))
    .transform((prefix) => (prefix ? `${prefix}/` : "")),
  lakeFirstDay: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date YYYY-MM-DD")
    .default("2024-01-01"),
  glueDatabase: z
    .string()
    .regex(/^[a-z0-9_]{1,255}$/, "expected lower-case letters, digits and underscores")
    .default("opspulse"),
  workgroup: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,128}$/, "expected letters, digits, '.', '_' or '-'")
    .default("opspulse"),
  // Athena's own minimum cutoff is 10 MB.
  bytesScannedCutoff: positiveInteger.min(10_000_000).default(10 * GIB),
  dailyBytesScannedAlarm: positiveInteger.default(50 * GIB),
  resultsExpirationDays: positiveInteger.default(7),
  /** SES identity to send from; default: the domain of the config's sender address. */
  sesIdentity: optionalText.pipe(
    z
      .string()
      .regex(/^([^\s@]+@)?[a-z0-9-]+(\.[a-z0-9-]+)+$/i, "expected a domain or an email address")
      .optional(),
  ),
  onCallEmail: optionalText.pipe(z.email("expected an email address").optional()),
  /**
   * PEM public key of the dashboard's CloudFront key pair: with it, the dashboard is served
   * by CloudFront with signed links valid for `dashboardLinkDays` (without it: S3 links).
   */
  dashboardPublicKey: optionalText.pipe(
    z
      .string()
      .regex(
        /^-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----$/,
        "expected a PEM public key (-----BEGIN PUBLIC KEY----- …)",
      )
      .optional(),
  ),
  dashboardLinkDays: positiveInteger.max(365).default(7),
});

/** The resolved deployment settings (defaults filled in). */
export type DeploymentSettings = z.output<typeof settingsSchema>;

/** Settings as given by a caller (tests, another app); strings as from `-c` are accepted. */
export type DeploymentSettingsInput = z.input<typeof settingsSchema>;

/** Reads and validates the `opspulse:*` context of `node`; throws one line naming the key. */
export function readSettings(node: Node): DeploymentSettings {
  const raw: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(CONTEXT_KEYS)) {
    const value = node.tryGetContext(key);
    if (value !== undefined && value !== null) raw[field] = value;
  }
  return parseSettings(
    raw,
    (field) => `context ${CONTEXT_KEYS[field as keyof typeof CONTEXT_KEYS]}`,
  );
}

/** Validates settings given as an object (fields named as in {@link DeploymentSettings}). */
export function parseSettings(
  input: DeploymentSettingsInput,
  describe: (field: string) => string = (field) => field,
): DeploymentSettings {
  const parsed = settingsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = String(issue?.path[0] ?? "(settings)");
  throw new Error(
    `Invalid deployment setting ${describe(field)}: ${issue?.message ?? "invalid"} (set it in cdk.json or with cdk synth -c).`,
  );
}
