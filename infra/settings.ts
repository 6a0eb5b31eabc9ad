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
  lakeKmsKeyArn: "opspulse:lakeKmsKeyArn",
  lakeFirstDay: "opspulse:lakeFirstDay",
  glueDatabase: "opspulse:glueDatabase",
  workgroup: "opspulse:athenaWorkgroup",
  bytesScannedCutoff: "opspulse:athenaBytesScannedCutoffPerQuery",
  dailyBytesScannedAlarm: "opspulse:athenaDailyBytesScannedAlarm",
  resultsExpirationDays: "opspulse:athenaResultsExpirationDays",
  sesIdentity: "opspulse:sesIdentity",
  sesSandbox: "opspulse:sesSandbox",
  onCallEmail: "opspulse:onCallEmail",
  chatSecretName: "opspulse:chatSecretName",
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

/** `true`/`false` as booleans or as `-c key=true` passes them. */
const flag = z
  .union([z.boolean(), z.enum(["true", "false"], "expected true or false")])
  .transform((value) => value === true || value === "true");

const settingsSchema = z
  .strictObject({
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
      .pipe(
        z.string().regex(/^[a-zA-Z0-9_/.-]*$/, "expected a key prefix such as lake or data/lake"),
      )
      .transform((prefix) => (prefix ? `${prefix}/` : "")),
    /**
     * The KMS key of an existing lake bucket encrypted with SSE-KMS: the functions may then
     * decrypt its objects and encrypt the rollups they write, through S3 only.
     */
    lakeKmsKeyArn: optionalText.pipe(
      z
        .string()
        .regex(
          /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
          "expected a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/…",
        )
        .optional(),
    ),
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
    /**
     * The account's SES is in the sandbox: SES then also authorizes every recipient's
     * identity, so the send grant covers `identity/*`, limited to the sender's address.
     */
    sesSandbox: flag.default(false),
    onCallEmail: optionalText.pipe(z.email("expected an email address").optional()),
    /** The Secrets Manager secret of the chat apps; set, the stack adds the chat endpoint. */
    chatSecretName: optionalText.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "expected a Secrets Manager secret name")
        .optional(),
    ),
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
  })
  .superRefine((settings, context) => {
    // A shared bucket without a prefix would let the functions read (and Athena scan) all of it.
    if (settings.lakeBucketName && !settings.lakePrefix) {
      context.addIssue({
        code: "custom",
        path: ["lakePrefix"],
        message: `an existing lake bucket (${settings.lakeBucketName}) needs the key prefix of the lake in it, e.g. warehouse/opspulse, so that the functions read that prefix only`,
      });
    }
    if (settings.lakeKmsKeyArn && !settings.lakeBucketName) {
      context.addIssue({
        code: "custom",
        path: ["lakeKmsKeyArn"],
        message:
          "a KMS key is for an existing lake bucket (set opspulse:lakeBucketName too); the bucket the stack creates uses SSE-S3",
      });
    }
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
