/**
 * The re-check scheduler (`waiting/rechecks.ts`) over EventBridge Scheduler: a one-time
 * schedule per re-check (`at(…)` in UTC, deleted by Scheduler once it has fired), named by
 * report, period and check, so that a duplicate run's `ConflictException` means "already
 * scheduled".
 *
 * `@aws-sdk/client-scheduler` comes in through `SchedulerSdk`: the module's client and
 * command classes. The Lambda runtime ships every SDK v3 client and the bundles leave
 * `@aws-sdk/client-*` to it; {@link loadSchedulerSdk} imports the module by name at run
 * time, so that a checkout without it in node_modules still type-checks and bundles. Tests
 * pass a fake with Scheduler's semantics.
 */
import { type RecheckScheduler, recheckScheduleName } from "../waiting/rechecks.ts";

/** `at(2026-03-03T00:15:00)` in UTC, rounded up to the minute (Scheduler's resolution). */
export function atExpression(at: Date): string {
  const minute = Math.ceil(at.getTime() / 60_000) * 60_000;
  return `at(${new Date(minute).toISOString().slice(0, 19)})`;
}

/** The part of `CreateScheduleCommandInput` the re-checks send. */
export interface CreateScheduleInput {
  readonly Name: string;
  readonly GroupName: string;
  readonly Description: string;
  readonly ScheduleExpression: string;
  readonly ScheduleExpressionTimezone: "UTC";
  readonly FlexibleTimeWindow: { readonly Mode: "OFF" };
  readonly ActionAfterCompletion: "DELETE";
  readonly State: "ENABLED";
  readonly Target: {
    readonly Arn: string;
    readonly RoleArn: string;
    readonly Input: string;
    readonly RetryPolicy: {
      readonly MaximumRetryAttempts: number;
      readonly MaximumEventAgeInSeconds: number;
    };
    readonly DeadLetterConfig?: { readonly Arn: string };
  };
}

/** The part of `DeleteScheduleCommandInput` the re-checks send. */
export interface DeleteScheduleInput {
  readonly Name: string;
  readonly GroupName: string;
}

/** The part of `@aws-sdk/client-scheduler` the adapter uses. */
export interface SchedulerSdk {
  readonly client: { send(command: unknown): Promise<unknown> };
  readonly CreateScheduleCommand: new (input: CreateScheduleInput) => unknown;
  readonly DeleteScheduleCommand: new (input: DeleteScheduleInput) => unknown;
}

/** Where the re-check schedules go and what they invoke. */
export interface SchedulerRechecksOptions {
  readonly sdk: SchedulerSdk;
  /** The schedule group (the stack's re-check group). */
  readonly group: string;
  /** The role Scheduler assumes to invoke the function. */
  readonly roleArn: string;
  /** The function to invoke: the scheduled function itself (its invoked ARN). */
  readonly targetArn: string;
  /** Where Scheduler parks an invocation it could not deliver. */
  readonly deadLetterArn?: string;
}

/** Scheduler's retries of one re-check's invocation (as the report schedules'). */
const RETRY = { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 2 * 3600 } as const;

/** The re-check scheduler over EventBridge Scheduler. */
export function createSchedulerRechecks(options: SchedulerRechecksOptions): RecheckScheduler {
  const { sdk, group } = options;
  return {
    async schedule(recheck) {
      const { event } = recheck;
      const name = recheckScheduleName(event.report, recheck.periodKey, event.recheck.check);
      try {
        await sdk.client.send(
          new sdk.CreateScheduleCommand({
            Name: name,
            GroupName: group,
            Description: `opspulse ${event.report} ${recheck.periodKey}: check ${event.recheck.check} for complete data`,
            ScheduleExpression: atExpression(recheck.at),
            ScheduleExpressionTimezone: "UTC",
            FlexibleTimeWindow: { Mode: "OFF" },
            ActionAfterCompletion: "DELETE",
            State: "ENABLED",
            Target: {
              Arn: options.targetArn,
              RoleArn: options.roleArn,
              Input: JSON.stringify(event),
              RetryPolicy: RETRY,
              ...(options.deadLetterArn
                ? { DeadLetterConfig: { Arn: options.deadLetterArn } }
                : {}),
            },
          }),
        );
        return "created";
      } catch (error) {
        if (errorName(error) === "ConflictException") return "already_scheduled";
        throw error;
      }
    },
    async cancel(report, periodKey, check) {
      try {
        await sdk.client.send(
          new sdk.DeleteScheduleCommand({
            Name: recheckScheduleName(report, periodKey, check),
            GroupName: group,
          }),
        );
        return true;
      } catch (error) {
        if (errorName(error) === "ResourceNotFoundException") return false;
        throw error;
      }
    },
  };
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

const SCHEDULER_MODULE: string = "@aws-sdk/client-scheduler";

interface SchedulerModule {
  readonly SchedulerClient: new (config: object) => SchedulerSdk["client"];
  readonly CreateScheduleCommand: SchedulerSdk["CreateScheduleCommand"];
  readonly DeleteScheduleCommand: SchedulerSdk["DeleteScheduleCommand"];
}

/** Loads the Scheduler client (wrapped by `instrument`, e.g. X-Ray) and its commands. */
export async function loadSchedulerSdk(
  instrument: <T>(client: T) => T = (client) => client,
): Promise<SchedulerSdk> {
  const sdk = (await import(SCHEDULER_MODULE)) as SchedulerModule;
  return {
    client: instrument(new sdk.SchedulerClient({})),
    CreateScheduleCommand: sdk.CreateScheduleCommand,
    DeleteScheduleCommand: sdk.DeleteScheduleCommand,
  };
}
