/**
 * The stack's part of waiting for complete data: the scheduled functions may create and
 * delete one-time schedules only in the re-check group under the `opspulse-wait-` prefix,
 * pass only the re-check role and only to Scheduler, and are told where; that role lets
 * Scheduler invoke only those two functions and write to the dead-letter queue.
 */

import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import type { DataWaitRechecks } from "../../infra/constructs/data-wait-rechecks.ts";
import type { OpsPulseStack } from "../../infra/opspulse-stack.ts";
import { synthOpsPulse } from "./helpers.ts";

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  Effect: string;
};

let template: Template;
let stack: OpsPulseStack;

beforeAll(() => {
  ({ template, stack } = synthOpsPulse());
});

const logicalId = (construct: unknown): string => {
  const node = (construct as { node: { defaultChild?: unknown } }).node;
  return stack.getLogicalId(
    (node.defaultChild ?? construct) as Parameters<OpsPulseStack["getLogicalId"]>[0],
  );
};
const rechecks = () => stack.node.findChild("Rechecks") as DataWaitRechecks;
/** The group's name as synthesized (CDK names it: no token). */
const groupName = () => stack.resolve(rechecks().group.scheduleGroupName) as string;

function statementsOf(roleLogicalId: string): Statement[] {
  const policies = template.findResources("AWS::IAM::Policy", {
    Properties: { Roles: [{ Ref: roleLogicalId }] },
  }) as Record<string, Resource>;
  return Object.values(policies).flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

const withAction = (statements: Statement[], action: string) =>
  statements.filter((s) => [s.Action].flat().includes(action));

describe("re-checks of reports waiting for complete data", () => {
  it.each(["scheduledReport", "campaigns"] as const)(
    "%s may create and delete schedules only in the re-check group, under the name prefix",
    (name) => {
      const role = logicalId(stack.functions.functions[name].role);
      const statements = withAction(statementsOf(role), "scheduler:CreateSchedule");
      expect(statements).toHaveLength(1);
      const [statement] = statements;
      expect([statement?.Action].flat().sort()).toEqual([
        "scheduler:CreateSchedule",
        "scheduler:DeleteSchedule",
      ]);
      expect(statement?.Resource).toEqual({
        "Fn::Join": [
          "",
          [
            "arn:",
            { Ref: "AWS::Partition" },
            ":scheduler:",
            { Ref: "AWS::Region" },
            ":",
            { Ref: "AWS::AccountId" },
            `:schedule/${groupName()}/opspulse-wait-*`,
          ],
        ],
      });
    },
  );

  it.each(["scheduledReport", "campaigns"] as const)(
    "%s may pass only the re-check role, and only to Scheduler",
    (name) => {
      const role = logicalId(stack.functions.functions[name].role);
      const passRole = withAction(statementsOf(role), "iam:PassRole");
      expect(passRole).toEqual([
        {
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: { "Fn::GetAtt": [logicalId(rechecks().node.findChild("InvokeRole")), "Arn"] },
          Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
          Sid: "PassRecheckRole",
        },
      ]);
    },
  );

  it("gives the ad-hoc function no scheduler rights", () => {
    const role = logicalId(stack.functions.functions.adhocRun.role);
    expect(withAction(statementsOf(role), "scheduler:CreateSchedule")).toEqual([]);
    expect(withAction(statementsOf(role), "iam:PassRole")).toEqual([]);
  });

  it("tells the scheduled functions the group, role and dead-letter queue", () => {
    for (const name of ["scheduledReport", "campaigns"] as const) {
      const fn = template.findResources("AWS::Lambda::Function")[
        logicalId(stack.functions.functions[name])
      ] as Resource;
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(variables).toMatchObject({
        OPSPULSE_RECHECK_GROUP: groupName(),
        OPSPULSE_RECHECK_ROLE_ARN: {
          "Fn::GetAtt": [logicalId(rechecks().node.findChild("InvokeRole")), "Arn"],
        },
        OPSPULSE_RECHECK_DEAD_LETTER_ARN: {
          "Fn::GetAtt": [logicalId(stack.node.findChild("DeadLetters")), "Arn"],
        },
      });
    }
  });

  it("lets Scheduler assume the re-check role for this account, to invoke the two functions and dead-letter", () => {
    const roleId = logicalId(rechecks().node.findChild("InvokeRole"));
    const role = template.findResources("AWS::IAM::Role")[roleId] as Resource;
    expect(role.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Principal: { Service: "scheduler.amazonaws.com" },
          Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
        },
      ],
    });
    const invoked = withAction(statementsOf(roleId), "lambda:InvokeFunction")
      .flatMap((s) => [s.Resource].flat())
      .map((r) => JSON.stringify(r));
    const scheduled = [
      logicalId(stack.functions.functions.scheduledReport),
      logicalId(stack.functions.functions.campaigns),
    ];
    expect(invoked.length).toBeGreaterThan(0);
    expect(invoked.every((r) => scheduled.some((id) => r.includes(id)))).toBe(true);
    expect(scheduled.every((id) => invoked.some((r) => r.includes(id)))).toBe(true);
    expect(withAction(statementsOf(roleId), "sqs:SendMessage").map((s) => s.Resource)).toEqual([
      { "Fn::GetAtt": [logicalId(stack.node.findChild("DeadLetters")), "Arn"] },
    ]);
  });
});
