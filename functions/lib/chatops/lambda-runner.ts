/**
 * The chat runner in AWS: a report is an asynchronous invocation of the ad-hoc Lambda
 * (`InvocationType: Event`, answered at once) carrying the chat context, whose result its
 * destination, the reply function, posts in the thread; status, ack and silence run here on
 * the alert state in S3.
 */
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { AlertStateStore, Clock } from "../ports.ts";
import { alertCommands } from "./alert-commands.ts";
import type { ChatContext } from "./context.ts";
import type { ChatRunner } from "./handle.ts";
import type { ReplyTarget } from "./inbound/verdict.ts";

export interface LambdaRunnerOptions {
  readonly lambda: Pick<LambdaClient, "send">;
  readonly adhocFunction: string;
  readonly alertState: AlertStateStore;
  readonly clock: Clock;
}

/** A runner for one message (its reply target and event id go with the run). */
export function lambdaChatRunner(
  options: LambdaRunnerOptions,
  message: { readonly reply: ReplyTarget; readonly eventId: string },
): ChatRunner {
  return {
    ...alertCommands(options.alertState, options.clock),
    async report(request) {
      const chat: ChatContext = {
        reply: message.reply,
        asker: request.asker,
        locale: request.locale,
        send: request.send,
        eventId: message.eventId,
      };
      const payload = {
        report: request.report,
        date: request.date,
        dryRun: !request.send,
        chat,
      };
      const answer = await options.lambda.send(
        new InvokeCommand({
          FunctionName: options.adhocFunction,
          InvocationType: "Event",
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
      if (answer.StatusCode !== 202) {
        return {
          kind: "failed",
          error: `${options.adhocFunction} did not take the run (HTTP ${answer.StatusCode})`,
        };
      }
      return { kind: "queued" };
    },
  };
}
