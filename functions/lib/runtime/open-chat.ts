/**
 * Opens the chat channel of a process from the config's contact points, once (the CLI's
 * start, a Lambda's cold start): locally `env:` references come from the environment and
 * `ssm:` / `secretsmanager:` ones from AWS when the SDK clients can be loaded; in a Lambda
 * only SSM and Secrets Manager are read (its environment is no place for a token). Carries
 * no email or report code, so the lean pulse bundle opens chat with it too.
 */
import { awsSecretSource, loadAwsSecretReaders } from "../chat/aws-secret-source.ts";
import { type ChatChannel, openChatChannel } from "../chat/channel.ts";
import { envSecretSource, type SecretSource, secretSources } from "../chat/secrets.ts";
import type { OpsConfig } from "../config/load.ts";
import type { EnvSource } from "./env.ts";

/** Where references are read. */
export interface ChatSecretOptions {
  /** The process environment, for `env:` references (absent in a Lambda). */
  readonly env?: EnvSource;
  /** Wraps the AWS SDK clients (tracing). */
  readonly instrument?: <T>(client: T) => T;
  /** The SSM / Secrets Manager source, when the caller has one (tests). */
  readonly aws?: SecretSource;
}

/**
 * The chat channel, or undefined when the config has no contact points. Throws a
 * `ContactPointError` naming each reference that is missing, unreadable or not https.
 */
export async function openRuntimeChat(
  config: Pick<OpsConfig, "contactPoints" | "dir">,
  options: ChatSecretOptions,
): Promise<ChatChannel | undefined> {
  const points = config.contactPoints ?? [];
  if (points.length === 0) return undefined;
  const needsAws = points.some((point) =>
    [point.url, point.secret].some((ref) => ref !== undefined && ref.source !== "env"),
  );
  const aws =
    options.aws ??
    (needsAws ? awsSecretSource(await loadAwsSecretReaders(options.instrument)) : undefined);
  const source = secretSources({
    ...(options.env ? { env: envSecretSource(options.env) } : {}),
    ...(aws ? { ssm: aws, secretsmanager: aws } : {}),
  });
  return openChatChannel(config, source);
}
