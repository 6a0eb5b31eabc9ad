/**
 * Resolving contact points: the references of `recipients.yaml` (`env:`, `ssm:`,
 * `secretsmanager:`) become the webhook URLs and signing secrets, once per process (the CLI's
 * start, a Lambda's cold start), and every URL is checked before anything is sent: `https`
 * only (plain `http` only on a loopback address, for tests).
 *
 * Where a reference is read is a {@link SecretSource}: the environment locally; in AWS, SSM
 * Parameter Store (SecureString, decrypted) and Secrets Manager through the SDK clients the
 * Lambda runtime ships (`aws-secret-source.ts`). A Lambda refuses `env:` references: a
 * function's environment is plain configuration, readable by anyone who can read the function.
 */
import type { ContactPointConfig, ContactPointType, SecretReference } from "./config.ts";

/** Reads referenced values; `undefined` when the reference names nothing. */
export interface SecretSource {
  read(reference: SecretReference): Promise<string | undefined>;
}

/** A contact point with its URL and secret in hand. */
export interface ResolvedContactPoint {
  readonly name: string;
  readonly type: ContactPointType;
  readonly url: string;
  readonly secret?: string;
  /** The reference of the URL, for messages (never the URL: it carries the token). */
  readonly urlReference: string;
}

/** A contact point cannot be used; the message names it, its reference and the fix. */
export class ContactPointError extends Error {
  override name = "ContactPointError";
}

/** Reads `env:` references from `env` (and no other kind). */
export function envSecretSource(env: Readonly<Record<string, string | undefined>>): SecretSource {
  return {
    async read(reference) {
      if (reference.source !== "env") return undefined;
      const value = env[reference.name]?.trim();
      return value ? value : undefined;
    },
  };
}

/** Reads each kind of reference from its own source. */
export function secretSources(
  byKind: Partial<Record<SecretReference["source"], SecretSource>>,
): SecretSource {
  return {
    async read(reference) {
      const source = byKind[reference.source];
      if (!source) {
        throw new ContactPointError(
          `${reference.source}: references cannot be read here (${
            reference.source === "env"
              ? "a Lambda reads chat URLs and secrets from SSM Parameter Store or Secrets Manager, not its environment: store the value there and write ssm:NAME or secretsmanager:NAME"
              : "only env: references are read locally: export the value and write env:NAME, or run against AWS"
          }).`,
        );
      }
      return source.read(reference);
    },
  };
}

/** Hosts a plain-http URL may point at (the tests' local server). */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Why `url` (read from `reference`) cannot be a webhook URL, or undefined when it can. */
export function webhookUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol === "http:" && LOOPBACK.has(parsed.hostname)) return undefined;
  return parsed.protocol === "http:"
    ? "is plain http: webhook URLs carry their token, so only https is allowed (http only on 127.0.0.1, for tests)"
    : `has the scheme ${parsed.protocol} where https was expected`;
}

/**
 * Reads the URL and secret of each contact point (in order) and checks the URLs. Throws a
 * {@link ContactPointError} listing every problem, each naming the contact point and the
 * reference, never the value.
 */
export async function resolveContactPoints(
  points: readonly ContactPointConfig[],
  source: SecretSource,
  file = "recipients.yaml",
): Promise<ReadonlyMap<string, ResolvedContactPoint>> {
  const problems: string[] = [];
  const resolved = new Map<string, ResolvedContactPoint>();
  const read = async (reference: SecretReference, what: string, point: string) => {
    try {
      const value = await source.read(reference);
      if (value === undefined) {
        problems.push(
          `${file}: contact point "${point}": ${what} reference ${reference.text} is not set${
            reference.source === "env" ? ` (export ${reference.name})` : ""
          }`,
        );
      }
      return value;
    } catch (error) {
      problems.push(
        `${file}: contact point "${point}": ${what} reference ${reference.text} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    }
  };
  for (const point of points) {
    const url = await read(point.url, "URL", point.name);
    const secret = point.secret ? await read(point.secret, "secret", point.name) : undefined;
    if (url === undefined || (point.secret && secret === undefined)) continue;
    const problem = webhookUrlProblem(url);
    if (problem) {
      problems.push(
        `${file}: contact point "${point.name}": the URL read from ${point.url.text} ${problem}`,
      );
      continue;
    }
    resolved.set(point.name, {
      name: point.name,
      type: point.type,
      url,
      urlReference: point.url.text,
      ...(secret ? { secret } : {}),
    });
  }
  if (problems.length > 0) throw new ContactPointError(problems.join("\n"));
  return resolved;
}
