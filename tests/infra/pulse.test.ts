/**
 * The pulse in the stack: its function (scheduled: retries, dead-letter queue, alarms like
 * the others), its EventBridge Scheduler schedule in the report time zone (hourly by
 * default, down to 15 minutes from pulse.yaml). Its bundle (no templates, fonts or charts) is
 * checked with the others in app-synth.test.ts.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, describe, expect, it } from "vitest";
import { pulseEventSchema } from "../../functions/lib/runtime/pulse-lambda.ts";
import { pulseCron } from "../../infra/constructs/pulse-schedule.ts";
import { synthOpsPulse } from "./helpers.ts";

const { template, stack } = synthOpsPulse();
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as Parameters<typeof stack.getLogicalId>[0]);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the pulse function and its schedule", () => {
  const fn = stack.functions.functions.pulse;

  it("is scheduled hourly in the report time zone with retries and the dead-letter queue", () => {
    const queue = stack.getLogicalId(
      stack.node.findChild("DeadLetters").node.defaultChild as Parameters<
        typeof stack.getLogicalId
      >[0],
    );
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(0 * * * ? *)",
      ScheduleExpressionTimezone: "Asia/Shanghai",
      State: "ENABLED",
      Target: Match.objectLike({
        Arn: { "Fn::GetAtt": [logicalId(fn), "Arn"] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { "Fn::GetAtt": [queue, "Arn"] } },
        Input: JSON.stringify({ pulse: true, scheduledTime: "<aws.scheduler.scheduled-time>" }),
      }),
    });
    const input = JSON.parse(
      JSON.stringify({ pulse: true, scheduledTime: "2026-03-10T02:45:00Z" }),
    ) as unknown;
    expect(pulseEventSchema.safeParse(input).success).toBe(true);
  });

  it("parks failed invocations in the dead-letter queue and has error and timeout alarms", () => {
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: logicalId(fn) },
      MaximumRetryAttempts: 2,
    });
    const alarms = template.findResources("AWS::CloudWatch::Alarm", {
      Properties: { Dimensions: [{ Name: "FunctionName", Value: { Ref: logicalId(fn) } }] },
    });
    expect(
      Object.keys(alarms)
        .map((id) => id.replace(/[0-9A-F]{8}$/, ""))
        .sort(),
    ).toEqual(["OnCallPulseErrors", "OnCallPulseNearTimeout"]);
  });

  it("runs every 15, 20 or 30 minutes when pulse.yaml says so, and not at all when disabled", () => {
    expect(pulseCron(15)).toBe("cron(0/15 * * * ? *)");
    const config = mkdtempSync(join(tmpdir(), "opspulse-pulse-config-"));
    dirs.push(config);
    cpSync("config", config, { recursive: true });
    writeFileSync(join(config, "pulse.yaml"), "every_minutes: 15\nenabled: false\n");
    const other = synthOpsPulse({ context: { "opspulse:configDir": config } });
    other.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(0/15 * * * ? *)",
      State: "DISABLED",
    });
  });

  it("refuses a pulse.yaml every_minutes that is not 15, 20, 30 or 60, naming file and field", () => {
    const config = mkdtempSync(join(tmpdir(), "opspulse-pulse-config-"));
    dirs.push(config);
    cpSync("config", config, { recursive: true });
    writeFileSync(join(config, "pulse.yaml"), "every_minutes: 10\n");
    expect(() => synthOpsPulse({ context: { "opspulse:configDir": config } })).toThrow(
      /pulse\.yaml.*every_minutes.*15, 20, 30 or 60/,
    );
  });
});
