/**
 * The dashboard's links in AWS: read once from the environment the stack sets
 * (infra/constructs/dashboard-distribution.ts), with the private key read from Secrets
 * Manager through the AWS Parameters and Secrets Lambda Extension (a local HTTP endpoint:
 * no SDK client in the bundle).
 */
import * as z from "zod";
import { withCloudFrontLinks } from "../adapters/cloudfront-links.ts";
import { dashboardIndexKey } from "../dashboard/keys.ts";
import type { Locale } from "../kpi/registry.ts";
import type { ArtifactStore } from "../ports.ts";
import { EnvError, type EnvSource } from "./env.ts";

/** What the stack tells the functions about the dashboard's distribution. */
export interface DashboardLinkEnv {
  readonly domain: string;
  readonly keyPairId: string;
  /** Name or ARN of the secret holding the PEM private key. */
  readonly keySecret: string;
  /** How long an email's link works. */
  readonly linkSeconds: number;
}

const DAYS = z.coerce.number().int().min(1).max(365);

/**
 * The distribution's settings, or undefined when the stack made none (links are then S3
 * pre-signed URLs). Half a configuration is an error naming the missing variable.
 */
export function readDashboardLinkEnv(source: EnvSource): DashboardLinkEnv | undefined {
  const domain = source.OPSPULSE_DASHBOARD_DOMAIN;
  const keyPairId = source.OPSPULSE_DASHBOARD_KEY_PAIR_ID;
  const keySecret = source.OPSPULSE_DASHBOARD_KEY_SECRET;
  const set = [domain, keyPairId, keySecret].filter((v) => v !== undefined && v !== "");
  if (set.length === 0) return undefined;
  for (const [name, value] of [
    ["OPSPULSE_DASHBOARD_DOMAIN", domain],
    ["OPSPULSE_DASHBOARD_KEY_PAIR_ID", keyPairId],
    ["OPSPULSE_DASHBOARD_KEY_SECRET", keySecret],
  ] as const) {
    if (!value) {
      throw new EnvError(
        `${name} is not set, but the other OPSPULSE_DASHBOARD_* variables are: set all three (the stack does) or none`,
      );
    }
  }
  const days = DAYS.safeParse(source.OPSPULSE_DASHBOARD_LINK_DAYS ?? "7");
  if (!days.success) {
    throw new EnvError(
      `OPSPULSE_DASHBOARD_LINK_DAYS must be a whole number of days from 1 to 365, got "${source.OPSPULSE_DASHBOARD_LINK_DAYS}"`,
    );
  }
  return {
    domain: domain as string,
    keyPairId: keyPairId as string,
    keySecret: keySecret as string,
    linkSeconds: days.data * 24 * 3600,
  };
}

/** The port of the Parameters and Secrets Lambda Extension (its default). */
const EXTENSION_PORT = 2773;

/**
 * Reads a secret's string through the Lambda extension; `fetchImpl` and the session token
 * are passed in (the handler's environment).
 */
export async function readSecretString(
  secretId: string,
  sessionToken: string | undefined,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  const response = await fetchImpl(
    `http://localhost:${EXTENSION_PORT}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`,
    { headers: { "X-Aws-Parameters-Secrets-Token": sessionToken ?? "" } },
  );
  if (!response.ok) {
    throw new Error(
      `Secrets Manager (through the Lambda extension) answered ${response.status} for ${secretId}: check that the function may read the secret and that it holds the dashboard's private key`,
    );
  }
  const body = (await response.json()) as { SecretString?: unknown };
  if (typeof body.SecretString !== "string" || body.SecretString.length === 0) {
    throw new Error(`The secret ${secretId} holds no string: put the PEM private key in it`);
  }
  return body.SecretString;
}

/**
 * The dashboard store with CloudFront signed links when the stack made a distribution
 * (`links`; the distribution's origin path is the dashboard's prefix, so URLs start below
 * it), else as it is (S3 pre-signed links). The private key is read on the first link
 * (default: Secrets Manager through the Lambda extension).
 */
export function dashboardLinkStore(
  store: ArtifactStore,
  links: (DashboardLinkEnv & { readonly sessionToken?: string }) | undefined,
  now: () => Date,
  privateKey?: () => Promise<string>,
): ArtifactStore {
  if (!links) return store;
  return withCloudFrontLinks(store, {
    domain: links.domain,
    pathPrefix: "",
    keyPairId: links.keyPairId,
    privateKey: privateKey ?? (() => readSecretString(links.keySecret, links.sessionToken)),
    now,
  });
}

/** S3 pre-signed links die with the function's session: an index link works this long. */
const PRESIGNED_LINK_SECONDS = 12 * 3600;

/**
 * The link to the latest dashboard the runs publish (`openLambdaDeps`) in a language
 * (`index.zh-CN.html` for Chinese; a chat reply links the asker's): a CloudFront signed link for
 * the distribution's days when the stack made one (`OPSPULSE_DASHBOARD_*`, the key read
 * from Secrets Manager through the Lambda extension unless `privateKey` is given), else an
 * S3 pre-signed link.
 */
export function dashboardIndexLinks(
  store: ArtifactStore,
  env: EnvSource,
  options: { readonly privateKey?: () => Promise<string>; readonly now?: () => Date } = {},
): (locale: Locale) => Promise<string | undefined> {
  const links = readDashboardLinkEnv(env);
  const signed = dashboardLinkStore(
    store,
    links && {
      ...links,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
    options.now ?? (() => new Date()),
    options.privateKey,
  );
  return (locale) =>
    signed.link(dashboardIndexKey(locale), links?.linkSeconds ?? PRESIGNED_LINK_SECONDS);
}
