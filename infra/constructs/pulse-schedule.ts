/**
 * The pulse's EventBridge Scheduler schedule: every `every_minutes` of `config/pulse.yaml`
 * (60 by default, down to 15), on the hour, in the report time zone, invoking the pulse
 * function with `{ pulse: true, scheduledTime }` (the pulse judges as of the scheduled time,
 * not of a retry), with Scheduler's retries and the stack's dead-letter queue.
 */
import { TimeZone } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as targets from "aws-cdk-lib/aws-scheduler-targets";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledgeWildcardResource } from "../nag.ts";
import { SCHEDULE_RETRY } from "./report-schedules.ts";

export interface PulseScheduleProps {
  readonly target: lambda.IFunction;
  readonly everyMinutes: 15 | 20 | 30 | 60;
  readonly timeZone: string;
  readonly enabled: boolean;
  readonly deadLetters: sqs.IQueue;
}

/** The schedule's cron (Scheduler's six fields): minute 0, then every N minutes. */
export function pulseCron(everyMinutes: PulseScheduleProps["everyMinutes"]): string {
  return everyMinutes === 60 ? "cron(0 * * * ? *)" : `cron(0/${everyMinutes} * * * ? *)`;
}

export class PulseSchedule extends Construct {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: PulseScheduleProps) {
    super(scope, id);
    const role = new iam.Role(this, "InvokeRole", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com"),
      description: "EventBridge Scheduler invokes the opspulse pulse function",
    });
    this.schedule = new scheduler.Schedule(this, "Schedule", {
      description: `opspulse pulse every ${props.everyMinutes} min, ${props.timeZone}`,
      schedule: scheduler.ScheduleExpression.expression(
        pulseCron(props.everyMinutes),
        TimeZone.of(props.timeZone),
      ),
      enabled: props.enabled,
      timeWindow: scheduler.TimeWindow.off(),
      target: new targets.LambdaInvoke(props.target, {
        role,
        input: scheduler.ScheduleTargetInput.fromObject({
          pulse: true,
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        retryAttempts: SCHEDULE_RETRY.attempts,
        maxEventAge: SCHEDULE_RETRY.maxEventAge,
        deadLetterQueue: props.deadLetters,
      }),
    });
    acknowledgeWildcardResource(
      role,
      `${props.target.functionArn}:*`,
      "lambda.IFunction.grantInvoke also allows the function's versions and aliases (ARN:*); the role can invoke only the pulse function.",
    );
  }
}
