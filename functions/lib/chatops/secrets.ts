/**
 * The chat apps' credentials, one JSON secret (Secrets Manager, referenced by the stack,
 * never in config): for each platform the bot is registered on, what verifies its requests
 * and what posts replies. A platform left out is refused at the endpoint.
 *
 * ```json
 * { "slack":    { "signingSecret": "…" },
 *   "feishu":   { "appId": "cli_…", "appSecret": "…", "verificationToken": "…", "encryptKey": "…" },
 *   "dingtalk": { "appSecret": "…" },
 *   "wecom":    { "corpId": "ww…", "corpSecret": "…", "token": "…", "encodingAesKey": "…(43)" } }
 * ```
 */
import * as z from "zod";

const secret = z.string().min(1);

export const chatSecretsSchema = z.strictObject({
  slack: z.strictObject({ signingSecret: secret }).optional(),
  feishu: z
    .strictObject({
      appId: secret,
      appSecret: secret,
      verificationToken: secret,
      encryptKey: secret,
    })
    .optional(),
  dingtalk: z.strictObject({ appSecret: secret }).optional(),
  wecom: z
    .strictObject({
      corpId: secret,
      corpSecret: secret,
      token: secret,
      encodingAesKey: z.string().length(43, "expected the 43-character EncodingAESKey"),
    })
    .optional(),
});

export type ChatSecrets = z.output<typeof chatSecretsSchema>;

/** The secret is missing or not the document above; the message names the secret and the path. */
export class ChatSecretsError extends Error {
  override name = "ChatSecretsError";
}

/** Parses the secret's text; the error names the path inside it, never a value. */
export function parseChatSecrets(name: string, text: string): ChatSecrets {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ChatSecretsError(
      `secret ${name} is not JSON: store the document of README "Chat commands"`,
    );
  }
  const parsed = chatSecretsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ChatSecretsError(
      `secret ${name}: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`,
    );
  }
  return parsed.data;
}

/**
 * Reads a Secrets Manager secret's string with the SDK client the Lambda runtime ships
 * (not a dependency of this repository: the bundles leave `@aws-sdk/*` to the runtime).
 */
export async function readSecretsManagerString(secretId: string): Promise<string> {
  const specifier: string = "@aws-sdk/client-secrets-manager";
  const sdk = (await import(specifier)) as {
    SecretsManagerClient: new (
      config: object,
    ) => { send(command: unknown): Promise<{ SecretString?: string }> };
    GetSecretValueCommand: new (input: { SecretId: string }) => unknown;
  };
  const client = new sdk.SecretsManagerClient({});
  const answer = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
  if (!answer.SecretString) throw new ChatSecretsError(`secret ${secretId} has no string value`);
  return answer.SecretString;
}
