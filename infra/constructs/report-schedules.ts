/**
 * EventBridge Scheduler schedules, one per report of `config/schedules.yaml`, each firing in
 * its own time zone (so 08:00 Asia/Shanghai stays 08:00 across DST elsewhere), with a retry
 * policy and a dead-letter queue for invocations that could not be delivered.
 */
import { Duration, Stack, TimeZone } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as targets from "aws-cdk-lib/aws-scheduler-targets";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledgeWildcardResource } from "../nag.ts";
import { CronTranslationError, toSchedulerCron } from "../scheduler-cron.ts";

/** One scheduled run, as derived from the config. */
export interface ScheduledRun {
  /** Report name, e.g. `daily`; also the construct id of the schedule. */
  readonly report: string;
  /** Five-field crontab expression, local to `timeZone`. */
  readonly cron: string;
  /** IANA time zone the cron is read in. */
  readonly timeZone: string;
  readonly enabled: boolean;
  /** The function the schedule invokes. */
  readonly target: lambda.IFunction;
  /** Where the cron was written, for errors, e.g. `config/schedules.yaml: schedules.daily.cron`. */
  readonly origin: string;
}

export interface ReportSchedulesProps {
  readonly runs: readonly ScheduledRun[];
  /** Where Scheduler puts an event it could not deliver after its retries. */
  readonly deadLetters: sqs.IQueue;
}

/** Scheduler's own delivery retries (Lambda then retries a failed run on its side). */
export const SCHEDULE_RETRY = { attempts: 3, maxEventAge: Duration.hours(2) } as const;

/**
 * The event a schedule sends: the report, its time zone, and the time the run was due, so
 * that the handler derives the period from the schedule — not from when a retry happens.
 */
export function scheduledEvent(run: Pick<ScheduledRun, "report" | "timeZone">) {
  return {
    report: run.report,
    timeZone: run.timeZone,
    scheduledTime: scheduler.ContextAttribute.scheduledTime,
  };
}

export class ReportSchedules extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly schedules: Readonly<Record<string, scheduler.Schedule>>;

  constructor(scope: Construct, id: string, props: ReportSchedulesProps) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, "Group");
    const account = Stack.of(this).account;
    // One role for all schedules, assumable by Scheduler for this account's schedules only.
    const role = new iam.Role(this, "InvokeRole", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": account } },
      }),
      description: "EventBridge Scheduler invokes the opspulse report functions",
    });
    const targetsSeen = new Set<lambda.IFunction>();
    const schedules: Record<string, scheduler.Schedule> = {};
    for (const run of props.runs) {
      schedules[run.report] = new scheduler.Schedule(this, run.report, {
        description: `opspulse ${run.report} report at "${run.cron}" ${run.timeZone}`,
        scheduleGroup: this.group,
        schedule: scheduler.ScheduleExpression.expression(
          schedulerCron(run),
          TimeZone.of(run.timeZone),
        ),
        enabled: run.enabled,
        timeWindow: scheduler.TimeWindow.off(),
        target: new targets.LambdaInvoke(run.target, {
          role,
          input: scheduler.ScheduleTargetInput.fromObject(scheduledEvent(run)),
          retryAttempts: SCHEDULE_RETRY.attempts,
          maxEventAge: SCHEDULE_RETRY.maxEventAge,
          deadLetterQueue: props.deadLetters,
        }),
      });
      if (!targetsSeen.has(run.target)) {
        targetsSeen.add(run.target);
        acknowledgeWildcardResource(
          role,
          `${run.target.functionArn}:*`,
          "lambda.IFunction.grantInvoke also allows the function's versions and aliases (ARN:*); the role can invoke only the report functions.",
        );
      }
    }
    this.schedules = schedules;
  }
}

/** The run's cron in Scheduler syntax; an untranslatable cron fails synth naming its origin. */
function schedulerCron(run: ScheduledRun): string {
  try {
    return toSchedulerCron(run.cron);
  } catch (error) {
    if (!(error instanceof CronTranslationError)) throw error;
    throw new CronTranslationError(`${run.origin}: ${error.message}`, { cause: error });
  }
}
