/**
 * The re-check of a report that waits for complete data, in AWS: a one-time EventBridge
 * Scheduler schedule (`at(…)`, deleted by Scheduler once it has fired) that invokes the
 * scheduled function again with the original schedule's event plus the check number. It
 * costs nothing while it waits.
 *
 * Idempotent under duplicate fires: the schedule's name is derived from report, period and
 * check number, so two runs of one check create the same schedule and the second gets a
 * `ConflictException` — one re-check chain, not two.
 *
 * `@aws-sdk/client-scheduler` is ported (`SchedulerSdk`): the adapter takes the module's
 * client and command classes, which the Lambda runtime ships (see
 * `adapters/scheduler-sdk.ts`), and tests pass a fake with Scheduler's semantics.
 */
import { createHash } from "node:crypto";
import type { ReportKind } from "../report/run-request.ts";

/** Every re-check schedule's name starts with this; the functions' IAM grant is limited to it. */
export const RECHECK_NAME_PREFIX = "opspulse-wait-";

/** Scheduler's limit on a schedule name. */
const MAX_NAME = 64;

/** What a re-check sends the scheduled function: the schedule's event and where it stands. */
export interface RecheckEvent {
  readonly report: ReportKind;
  readonly timeZone: string;
  /** The original schedule's time: the period and the deadline are counted from it. */
  readonly scheduledTime: string;
  readonly recheck: {
    /** The check this event asks for (2 or more; the scheduled run is check 1). */
    readonly check: number;
    /** Tables the earlier checks found incomplete. */
    readonly waitedFor: readonly string[];
  };
}

/** One re-check to schedule. */
export interface Recheck {
  readonly periodKey: string;
  readonly at: Date;
  readonly event: RecheckEvent;
}

/** Schedules re-checks (EventBridge Scheduler in AWS). */
export interface RecheckScheduler {
  /** `created`, or `already_scheduled` when a duplicate run of the same check got there first. */
  schedule(recheck: Recheck): Promise<"created" | "already_scheduled">;
  /** Removes the re-check `check` of a period if it is still pending; false: there was none. */
  cancel(report: ReportKind, periodKey: string, check: number): Promise<boolean>;
}

/**
 * `opspulse-wait-daily-2026-03-02-c3`: one name per report, period and check. Characters
 * Scheduler does not allow become `_`; a name past 64 characters keeps a hash of its middle.
 */
export function recheckScheduleName(report: string, periodKey: string, check: number): string {
  const key = periodKey.replaceAll(/[^0-9A-Za-z_.-]/g, "_");
  const name = `${RECHECK_NAME_PREFIX}${report}-${key}-c${check}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash("sha256").update(periodKey).digest("hex").slice(0, 16);
  return `${RECHECK_NAME_PREFIX}${report}-${hash}-c${check}`;
}

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
