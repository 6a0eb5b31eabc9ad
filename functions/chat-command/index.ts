/**
 * The chat commands' endpoint (a Lambda function URL): `/slack`, `/feishu`, `/dingtalk`,
 * `/wecom`. Verifies the platform's signature and timestamp before anything else, drops a
 * retried delivery, answers within the platform's deadline ("running…" for a report, which
 * the ad-hoc Lambda runs asynchronously) — see lib/chatops/endpoint.ts.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from "aws-lambda";
import {
  createS3AlertStateStore,
  createS3DeliveryLog,
  createS3RunLog,
} from "../lib/adapters/s3-store.ts";
import { answerInbound, type EndpointDeps } from "../lib/chatops/endpoint.ts";
import { readChatLambdaEnv } from "../lib/chatops/lambda-env.ts";
import { lambdaChatRunner } from "../lib/chatops/lambda-runner.ts";
import { parseChatSecrets, readSecretsManagerString } from "../lib/chatops/secrets.ts";
import { systemClock } from "../lib/ports.ts";
import {
  createObservability,
  type Observability,
  observedHandler,
} from "../lib/runtime/observability.ts";

export interface ChatCommandHandlerOptions {
  /** Opened once, on the first request. */
  readonly deps: () => Promise<EndpointDeps>;
  readonly observability: Observability;
}

export function createChatCommandHandler(options: ChatCommandHandlerOptions) {
  let opened: Promise<EndpointDeps> | undefined;
  return observedHandler(
    options.observability,
    async (event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> => {
      opened ??= options.deps();
      const deps = await opened;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(event.headers ?? {})) {
        if (value !== undefined) headers[name.toLowerCase()] = value;
      }
      return answerInbound(deps, event.rawPath, {
        method: event.requestContext.http.method,
        headers,
        query: event.queryStringParameters ?? {},
        body: event.isBase64Encoded
          ? Buffer.from(event.body ?? "", "base64").toString("utf8")
          : (event.body ?? ""),
      });
    },
  );
}

const observability = createObservability("opspulse-chat-command");

/** The Lambda entry point: environment, clients and the secret are read on the first request. */
export const handler = createChatCommandHandler({
  observability,
  deps: async () => {
    const env = readChatLambdaEnv(process.env);
    const s3 = { client: new S3Client({}), bucket: env.stateBucket };
    const alertState = createS3AlertStateStore(s3);
    const lambda = new LambdaClient({});
    return {
      secrets: parseChatSecrets(env.secretId, await readSecretsManagerString(env.secretId)),
      access: env.access,
      deliveries: createS3DeliveryLog(s3),
      runLog: createS3RunLog(s3),
      clock: systemClock,
      timeZone: env.timeZone,
      fetch: (url, init) => fetch(url, init),
      runner: (message) =>
        lambdaChatRunner(
          { lambda, adhocFunction: env.adhocFunction, alertState, clock: systemClock },
          message,
        ),
      note: (event, detail) => observability.logger.warn(event, detail),
    };
  },
});
