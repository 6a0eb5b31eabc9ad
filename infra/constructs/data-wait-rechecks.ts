/**
 * What the scheduled functions need to wait for complete data (`wait_for_complete_data`,
 * functions/lib/waiting/): a schedule group for their one-time re-check schedules, the role
 * EventBridge Scheduler assumes to invoke them again, and the right to create and delete
 * re-check schedules — only in that group, only under the `opspulse-wait-` name prefix —
 * and to pass that role to Scheduler alone.
 */
import { ArnFormat, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { RECHECK_NAME_PREFIX } from "../../functions/lib/waiting/rechecks.ts";
import { acknowledgeWildcardResource } from "../nag.ts";

export interface DataWaitRechecksProps {
  /** The scheduled functions: each may schedule re-checks of itself. */
  readonly functions: readonly lambda.Function[];
  /** Where Scheduler parks a re-check it could not deliver. */
  readonly deadLetters: sqs.IQueue;
}

/** The environment variables the functions read (functions/lib/runtime/scheduled-wait.ts). */
export const RECHECK_ENV = {
  group: "OPSPULSE_RECHECK_GROUP",
  role: "OPSPULSE_RECHECK_ROLE_ARN",
  deadLetters: "OPSPULSE_RECHECK_DEAD_LETTER_ARN",
} as const;

export class DataWaitRechecks extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: DataWaitRechecksProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.group = new scheduler.ScheduleGroup(this, "Group");
    this.role = new iam.Role(this, "InvokeRole", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
      }),
      description: "EventBridge Scheduler re-invokes an opspulse report waiting for complete data",
    });
    props.deadLetters.grantSendMessages(this.role);
    const schedules = stack.formatArn({
      service: "scheduler",
      resource: "schedule",
      resourceName: `${this.group.scheduleGroupName}/${RECHECK_NAME_PREFIX}*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    for (const fn of props.functions) {
      fn.grantInvoke(this.role);
      acknowledgeWildcardResource(
        this.role,
        `${fn.functionArn}:*`,
        "lambda.IFunction.grantInvoke also allows the function's versions and aliases (ARN:*); the role can invoke only the scheduled report functions.",
      );
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: "ScheduleRechecks",
          actions: ["scheduler:CreateSchedule", "scheduler:DeleteSchedule"],
          resources: [schedules],
        }),
      );
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: "PassRecheckRole",
          actions: ["iam:PassRole"],
          resources: [this.role.roleArn],
          conditions: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
        }),
      );
      if (fn.role) {
        acknowledgeWildcardResource(
          fn.role,
          schedules,
          `Re-check schedules are one-time schedules the function creates per report, period and check; the grant is limited to its own group and the ${RECHECK_NAME_PREFIX} name prefix.`,
        );
      }
      fn.addEnvironment(RECHECK_ENV.group, this.group.scheduleGroupName);
      fn.addEnvironment(RECHECK_ENV.role, this.role.roleArn);
      fn.addEnvironment(RECHECK_ENV.deadLetters, props.deadLetters.queueArn);
    }
  }
}
