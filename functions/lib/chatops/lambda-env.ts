/**
 * The chat functions' environment, read once at the edge: the state bucket (delivery log,
 * run log, alert state), the ad-hoc function, the chat secret's name, the allow-lists and
 * the report time zone (both from config at synth). Each missing variable is named.
 */
import * as z from "zod";
import { requireEnv } from "../runtime/env.ts";
import { type ChatCommandsConfig, chatCommandsSchema } from "./access.ts";

export interface ChatLambdaEnv {
  readonly stateBucket: string;
  readonly adhocFunction: string;
  readonly secretId: string;
  readonly access: ChatCommandsConfig;
  readonly timeZone: string;
}

type EnvSource = Readonly<Record<string, string | undefined>>;

export function readChatLambdaEnv(env: EnvSource): ChatLambdaEnv {
  const access = chatCommandsSchema.safeParse(
    JSON.parse(
      requireEnv(
        env,
        "OPSPULSE_CHAT_ACCESS",
        "holds the chat allow-lists (viewers, senders) as JSON",
      ),
    ),
  );
  if (!access.success) {
    throw new Error(
      `OPSPULSE_CHAT_ACCESS is not the chat_commands of recipients.yaml: ${z.prettifyError(access.error)}`,
    );
  }
  return {
    stateBucket: requireEnv(
      env,
      "OPSPULSE_STATE_BUCKET",
      "names the bucket of the delivery log and alert state",
    ),
    adhocFunction: requireEnv(
      env,
      "OPSPULSE_ADHOC_FUNCTION",
      "names the ad-hoc Lambda that runs the reports",
    ),
    secretId: requireEnv(
      env,
      "OPSPULSE_CHAT_SECRET",
      "names the Secrets Manager secret of the chat apps",
    ),
    access: access.data,
    timeZone: requireEnv(
      env,
      "OPSPULSE_TIME_ZONE",
      "is the report time zone (relative dates in commands)",
    ),
  };
}
