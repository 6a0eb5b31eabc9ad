/**
 * The runtime configuration of opspulse, read from environment variables once, at the
 * edge (a Lambda handler's first invocation, or the CLI's start), and passed down as a
 * plain value. Nothing under `functions/lib/` reads `process.env` itself: the edge hands
 * its environment to {@link readRuntimeEnv}.
 *
 * Three choices select the adapters, each defaulted by `OPSPULSE_RUNTIME`:
 *
 * | variable           | local (default) | aws      |
 * |--------------------|-----------------|----------|
 * | `OPSPULSE_ENGINE`  | `duckdb`        | `athena` |
 * | `OPSPULSE_STORE`   | `fs`            | `s3`     |
 * | `OPSPULSE_MAILER`  | `outbox`        | `ses`    |
 *
 * Rollups (functions/lib/rollups/) are on unless `OPSPULSE_ROLLUPS=off`; with Athena they
 * also need `OPSPULSE_LAKE_URI` (the lake root, `s3://bucket/prefix/`, where they are kept).
 *
 * so that the CLI can run against AWS (`OPSPULSE_RUNTIME=aws`), or mix (`OPSPULSE_MAILER=ses`
 * with `AWS_ENDPOINT_URL_SES` pointing at a local `aws-ses-v2-local`). Region, credentials
 * and per-service endpoints (`AWS_REGION`, `AWS_ENDPOINT_URL_S3`, …) are read by the AWS SDK
 * itself, as everywhere else.
 *
 * Charts are drawn with the fonts of `OPSPULSE_FONTS_DIR`, by default the repository's
 * `assets/fonts/`; inside a Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set) there is no repository,
 * so the variable is required there (the stack points it at the bundle's copy).
 */

/** The environment as the edge has it (e.g. `process.env`). */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Where queries run. */
export type EngineEnv =
  | { readonly kind: "duckdb"; readonly lakeDir: string; readonly rollups?: false }
  | {
      readonly kind: "athena";
      readonly workgroup: string;
      readonly database: string;
      readonly catalog?: string;
      readonly outputLocation?: string;
      readonly timeoutMs: number;
      /** Off when `OPSPULSE_ROLLUPS=off`: every run reads its raw windows. */
      readonly rollups?: false;
      /** The lake root, where the rollups are kept (without it Athena runs without them). */
      readonly lakeUri?: string;
      /** First `dt` the tables' partition projection covers (`opspulse:lakeFirstDay`). */
      readonly firstDay?: string;
      /** The workgroup's per-query bytes-scanned cutoff, which rollup builds stay under. */
      readonly bytesCutoff?: number;
    };

/** Where snapshots, deliveries, runs and alert state live. */
export type StoreEnv =
  | { readonly kind: "fs"; readonly outDir: string }
  | { readonly kind: "s3"; readonly bucket: string; readonly prefix: string };

/** How emails leave. */
export type MailerEnv =
  | { readonly kind: "outbox"; readonly outDir: string }
  | {
      readonly kind: "ses";
      readonly configurationSetName?: string;
      readonly tags: Readonly<Record<string, string>>;
      /** Endpoint of the SES v2 API when set by `AWS_ENDPOINT_URL_SES` (see below). */
      readonly endpoint?: string;
    };

/** The runtime configuration: adapters and where they point. */
export interface RuntimeEnv {
  readonly engine: EngineEnv;
  readonly store: StoreEnv;
  readonly mailer: MailerEnv;
  /** Folder of targets, recipients, schedules and settings (bundled beside the handler). */
  readonly configDir: string;
  /** Folder of the `.sql` files, when not the repository's own (the bundle copies it). */
  readonly queriesDir?: string;
  /** Folder of the compiled email templates, when not the repository's own. */
  readonly templatesDir?: string;
  /** Folder of the chart fonts, when not the repository's `assets/fonts/` (required in Lambda). */
  readonly fontsDir?: string;
  /** Whether S3 is addressed by path (`AWS_ENDPOINT_URL_S3` set: a local S3 server). */
  readonly s3PathStyle: boolean;
}

/** Folders used when the environment does not name them (the CLI passes its own). */
export interface RuntimeDefaults {
  readonly lakeDir: string;
  readonly outDir: string;
  readonly configDir: string;
}

const LOCAL_DEFAULTS: RuntimeDefaults = { lakeDir: "out/lake", outDir: "out", configDir: "config" };

/** An environment variable is missing or malformed; the message names it and the fix. */
export class EnvError extends Error {
  override name = "EnvError";
}

/**
 * The value of `name`, or a clear error naming the variable, what it is for and where it
 * comes from. Blank values count as missing.
 */
export function requireEnv(env: EnvSource, name: string, purpose: string): string {
  const value = env[name]?.trim();
  if (!value) {
    throw new EnvError(
      `Environment variable ${name} is not set: it ${purpose}. The CDK stack sets it on each Lambda; to run the CLI against AWS, export it first.`,
    );
  }
  return value;
}

/** Reads the runtime configuration; throws an {@link EnvError} naming the first problem. */
export function readRuntimeEnv(
  env: EnvSource,
  defaults: Partial<RuntimeDefaults> = {},
): RuntimeEnv {
  const folders = { ...LOCAL_DEFAULTS, ...defaults };
  const runtime = oneOf(env, "OPSPULSE_RUNTIME", ["local", "aws"], "local");
  const onAws = runtime === "aws";
  const engine = oneOf(env, "OPSPULSE_ENGINE", ["duckdb", "athena"], onAws ? "athena" : "duckdb");
  const store = oneOf(env, "OPSPULSE_STORE", ["fs", "s3"], onAws ? "s3" : "fs");
  const mailer = oneOf(env, "OPSPULSE_MAILER", ["outbox", "ses"], onAws ? "ses" : "outbox");
  const outDir = optional(env, "OPSPULSE_OUT_DIR") ?? folders.outDir;

  return {
    engine:
      engine === "athena"
        ? {
            kind: "athena",
            workgroup: requireEnv(
              env,
              "OPSPULSE_ATHENA_WORKGROUP",
              "names the Athena workgroup the queries run in (needed by the Athena engine)",
            ),
            database: requireEnv(
              env,
              "OPSPULSE_ATHENA_DATABASE",
              "names the Glue database of the lake tables (needed by the Athena engine)",
            ),
            ...optionalField("catalog", optional(env, "OPSPULSE_ATHENA_CATALOG")),
            ...optionalField("outputLocation", s3Url(env, "OPSPULSE_ATHENA_OUTPUT")),
            timeoutMs: positiveInteger(env, "OPSPULSE_ATHENA_TIMEOUT_SECONDS", 300) * 1000,
            ...optionalField("rollups", rollupsOff(env)),
            ...optionalField("lakeUri", s3Url(env, "OPSPULSE_LAKE_URI")),
            ...optionalField("firstDay", isoDate(env, "OPSPULSE_LAKE_FIRST_DAY")),
            ...optionalField(
              "bytesCutoff",
              optional(env, "OPSPULSE_ATHENA_BYTES_CUTOFF") === undefined
                ? undefined
                : positiveInteger(env, "OPSPULSE_ATHENA_BYTES_CUTOFF", 1),
            ),
          }
        : {
            kind: "duckdb",
            lakeDir: optional(env, "OPSPULSE_LAKE_DIR") ?? folders.lakeDir,
            ...optionalField("rollups", rollupsOff(env)),
          },
    store:
      store === "s3"
        ? {
            kind: "s3",
            bucket: requireEnv(
              env,
              "OPSPULSE_STATE_BUCKET",
              "names the S3 bucket of snapshots, deliveries, runs and alert state (needed by the S3 stores)",
            ),
            prefix: optional(env, "OPSPULSE_STATE_PREFIX") ?? "",
          }
        : { kind: "fs", outDir },
    mailer:
      mailer === "ses"
        ? {
            kind: "ses",
            ...optionalField(
              "configurationSetName",
              optional(env, "OPSPULSE_SES_CONFIGURATION_SET"),
            ),
            tags: tagList(env, "OPSPULSE_SES_TAGS"),
            // The SES v2 client reads AWS_ENDPOINT_URL_SESV2 by itself; AWS_ENDPOINT_URL_SES
            // is the name people (and aws-ses-v2-local's docs) use, so honour it too.
            ...optionalField(
              "endpoint",
              optional(env, "AWS_ENDPOINT_URL_SESV2")
                ? undefined
                : optional(env, "AWS_ENDPOINT_URL_SES"),
            ),
          }
        : { kind: "outbox", outDir },
    configDir: optional(env, "OPSPULSE_CONFIG_DIR") ?? folders.configDir,
    ...optionalField("queriesDir", optional(env, "OPSPULSE_QUERIES_DIR")),
    ...optionalField("templatesDir", optional(env, "OPSPULSE_TEMPLATES_DIR")),
    ...optionalField("fontsDir", fontsDir(env)),
    s3PathStyle: Boolean(optional(env, "AWS_ENDPOINT_URL_S3") ?? optional(env, "AWS_ENDPOINT_URL")),
  };
}

/**
 * The chart fonts' folder. A Lambda has no repository to fall back on: there it is required,
 * so that a bundle deployed without it fails naming the variable instead of quietly sending
 * emails without charts.
 */
function fontsDir(env: EnvSource): string | undefined {
  if (!optional(env, "AWS_LAMBDA_FUNCTION_NAME")) return optional(env, "OPSPULSE_FONTS_DIR");
  return requireEnv(
    env,
    "OPSPULSE_FONTS_DIR",
    "names the folder of the chart fonts copied beside the bundle (fonts/), without which the emails' charts cannot be drawn",
  );
}

function optional(env: EnvSource, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function optionalField<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function oneOf<const T extends string>(
  env: EnvSource,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = optional(env, name);
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new EnvError(
    `Environment variable ${name} is "${value}": use ${choices.join(" or ")} (or leave it unset for ${fallback}).`,
  );
}

/** `false` when `OPSPULSE_ROLLUPS=off` (rollups are on by default). */
function rollupsOff(env: EnvSource): false | undefined {
  return oneOf(env, "OPSPULSE_ROLLUPS", ["on", "off"], "on") === "off" ? false : undefined;
}

function positiveInteger(env: EnvSource, name: string, fallback: number): number {
  const value = optional(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) <= 0) {
    throw new EnvError(`Environment variable ${name} is "${value}": use a whole number above 0.`);
  }
  return Number(value);
}

function isoDate(env: EnvSource, name: string): string | undefined {
  const value = optional(env, name);
  if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    throw new EnvError(`Environment variable ${name} is "${value}": use a date YYYY-MM-DD.`);
  }
  return value;
}

function s3Url(env: EnvSource, name: string): string | undefined {
  const value = optional(env, name);
  if (value !== undefined && !/^s3:\/\/[^/]+\/.*$/.test(value)) {
    throw new EnvError(
      `Environment variable ${name} is "${value}": use an S3 URL such as s3://query-results.example.com/athena/.`,
    );
  }
  return value;
}

function tagList(env: EnvSource, name: string): Record<string, string> {
  const value = optional(env, name);
  if (value === undefined) return {};
  const tags: Record<string, string> = {};
  for (const pair of value.split(",")) {
    const match = /^\s*([A-Za-z0-9_-]+)=([A-Za-z0-9_-]+)\s*$/.exec(pair);
    if (!match) {
      throw new EnvError(
        `Environment variable ${name} has "${pair}": write tags as name=value pairs separated by commas, e.g. app=opspulse,stage=prod.`,
      );
    }
    tags[match[1] as string] = match[2] as string;
  }
  return tags;
}
