/**
 * Reads `ssm:` and `secretsmanager:` references in AWS: SSM Parameter Store (`GetParameter`
 * with decryption, for a SecureString) and Secrets Manager (`GetSecretValue`, its string).
 *
 * The two calls sit behind {@link ParameterReader} and {@link SecretReader}. Their SDK clients
 * (`@aws-sdk/client-ssm`, `@aws-sdk/client-secrets-manager`) are not dependencies of this
 * repository yet: the Lambda Node.js runtime ships every AWS SDK v3 client, and the bundle
 * leaves `@aws-sdk/client-*` to the runtime, so {@link loadAwsSecretReaders} imports them
 * there at cold start. Locally, without them, an `ssm:` reference fails naming the package to
 * install (or use `env:` references). Powertools Parameters would cache and retry these
 * reads; it is not installed, and a read once per cold start needs neither.
 */
import type { SecretReference } from "./config.ts";
import { ContactPointError, type SecretSource } from "./secrets.ts";

/** SSM Parameter Store's one call: the decrypted value, or undefined when there is none. */
export interface ParameterReader {
  getParameter(name: string): Promise<string | undefined>;
}

/** Secrets Manager's one call: the secret's string, or undefined when there is none. */
export interface SecretReader {
  getSecretString(name: string): Promise<string | undefined>;
}

/** The source of `ssm:` and `secretsmanager:` references. */
export function awsSecretSource(readers: {
  readonly ssm: ParameterReader;
  readonly secretsManager: SecretReader;
}): SecretSource {
  return {
    read(reference: SecretReference) {
      if (reference.source === "ssm") return readers.ssm.getParameter(reference.name);
      if (reference.source === "secretsmanager") {
        return readers.secretsManager.getSecretString(reference.name);
      }
      return Promise.resolve(undefined);
    },
  };
}

/** The shape of an AWS SDK v3 client, as far as these reads use it. */
interface SdkClient {
  send(command: unknown): Promise<unknown>;
}
type SdkClientClass = new (config: Record<string, unknown>) => SdkClient;
type SdkCommandClass = new (input: Record<string, unknown>) => unknown;

/** Names of the errors that mean "no such parameter / secret". */
const NOT_FOUND = new Set(["ParameterNotFound", "ResourceNotFoundException"]);

/** A {@link ParameterReader} over an SSM client and its `GetParameterCommand`. */
export function sdkParameterReader(client: SdkClient, command: SdkCommandClass): ParameterReader {
  return {
    async getParameter(name) {
      try {
        const output = (await client.send(new command({ Name: name, WithDecryption: true }))) as {
          Parameter?: { Value?: string };
        };
        return output.Parameter?.Value;
      } catch (error) {
        if (NOT_FOUND.has((error as { name?: string }).name ?? "")) return undefined;
        throw error;
      }
    },
  };
}

/** A {@link SecretReader} over a Secrets Manager client and its `GetSecretValueCommand`. */
export function sdkSecretReader(client: SdkClient, command: SdkCommandClass): SecretReader {
  return {
    async getSecretString(name) {
      try {
        const output = (await client.send(new command({ SecretId: name }))) as {
          SecretString?: string;
        };
        return output.SecretString;
      } catch (error) {
        if (NOT_FOUND.has((error as { name?: string }).name ?? "")) return undefined;
        throw error;
      }
    },
  };
}

/**
 * Loads the SSM and Secrets Manager clients from the runtime (see the module comment) and
 * wraps them; `instrument` adds tracing. Throws a {@link ContactPointError} naming the missing
 * package when they cannot be loaded.
 */
export async function loadAwsSecretReaders(
  instrument: <T>(client: T) => T = (client) => client,
): Promise<{ ssm: ParameterReader; secretsManager: SecretReader }> {
  const ssm = await importClient("@aws-sdk/client-ssm", "SSMClient", "GetParameterCommand");
  const secrets = await importClient(
    "@aws-sdk/client-secrets-manager",
    "SecretsManagerClient",
    "GetSecretValueCommand",
  );
  return {
    ssm: sdkParameterReader(instrument(new ssm.Client({})), ssm.Command),
    secretsManager: sdkSecretReader(instrument(new secrets.Client({})), secrets.Command),
  };
}

async function importClient(
  specifier: string,
  client: string,
  command: string,
): Promise<{ Client: SdkClientClass; Command: SdkCommandClass }> {
  let module: Record<string, unknown>;
  try {
    // A specifier in a variable: the bundler leaves it to the runtime, and the type checker
    // does not ask for a package this repository does not install.
    const name: string = specifier;
    module = (await import(name)) as Record<string, unknown>;
  } catch (error) {
    throw new ContactPointError(
      `${specifier} cannot be loaded (${error instanceof Error ? error.message.split("\n")[0] : String(error)}): the Lambda runtime ships it; to read ssm:/secretsmanager: references elsewhere, install it (npm install ${specifier}), or use env: references locally.`,
      { cause: error },
    );
  }
  const Client = module[client];
  const Command = module[command];
  if (typeof Client !== "function" || typeof Command !== "function") {
    throw new ContactPointError(
      `${specifier} has no ${client} or ${command}: a newer SDK is needed.`,
    );
  }
  return { Client: Client as SdkClientClass, Command: Command as SdkCommandClass };
}
