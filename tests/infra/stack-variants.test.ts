/**
 * The stack under other settings and configs: an existing lake bucket, other schedules and
 * time zones, and configs that must stop `cdk synth` with the message `opspulse validate` gives.
 */

import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { CfnElement } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { main } from "../../functions/cli/main.ts";
import { ConfigError } from "../../functions/lib/config/load.ts";
import { synthOpsPulse } from "./helpers.ts";

/** A copy of config/ in a temp dir, with `files` replaced; its path relative to the cwd. */
function configWith(files: Record<string, string>): string {
  const dir = join(mkdtempSync(join(tmpdir(), "opspulse-")), "config");
  cpSync("config", dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return relative(process.cwd(), dir);
}

describe("an existing lake bucket", () => {
  const { template, app } = synthOpsPulse({
    context: {
      "opspulse:lakeBucketName": "acme-data-lake",
      "opspulse:lakePrefix": "warehouse/opspulse",
    },
  });

  it("creates no lake bucket and points the tables at the bucket and prefix", () => {
    template.resourceCountIs("AWS::S3::Bucket", 3);
    template.hasResourceProperties("AWS::Glue::Table", {
      TableInput: Match.objectLike({
        Name: "events",
        Parameters: Match.objectLike({
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's placeholder, not JS.
          "storage.location.template": "s3://acme-data-lake/warehouse/opspulse/events/dt=${dt}/",
        }),
        StorageDescriptor: Match.objectLike({
          Location: "s3://acme-data-lake/warehouse/opspulse/events/",
        }),
      }),
    });
  });

  it("grants read on that prefix only", () => {
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: "ReadLakeObjects",
            Action: "s3:GetObject",
            Resource: {
              "Fn::Join": [
                "",
                ["arn:", { Ref: "AWS::Partition" }, ":s3:::acme-data-lake/warehouse/opspulse/*"],
              ],
            },
          }),
          Match.objectLike({
            Sid: "ListLakePrefix",
            Condition: { StringLike: { "s3:prefix": ["warehouse/opspulse/*"] } },
          }),
        ]),
      },
    });
  });

  it("stays cdk-nag clean", () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });
});

describe("an existing lake bucket encrypted with SSE-KMS", () => {
  const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const { template, app, stack } = synthOpsPulse({
    context: {
      "opspulse:lakeBucketName": "acme-data-lake",
      "opspulse:lakePrefix": "warehouse/opspulse",
      "opspulse:lakeKmsKeyArn": key,
    },
  });

  it("lets every function decrypt the lake and encrypt its rollups with that key, through S3 only", () => {
    for (const fn of Object.values(stack.functions.functions)) {
      const role = stack.getLogicalId(fn.role?.node.defaultChild as CfnElement);
      const policies = template.findResources("AWS::IAM::Policy", {
        Properties: { Roles: [{ Ref: role }] },
      });
      const statements = Object.values(policies).flatMap(
        (p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      );
      const viaS3 = {
        StringEquals: {
          "kms:ViaService": { "Fn::Join": ["", ["s3.", { Ref: "AWS::Region" }, ".amazonaws.com"]] },
        },
      };
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Action: "kms:Decrypt", Resource: key, Condition: viaS3 }),
          expect.objectContaining({
            Action: "kms:GenerateDataKey",
            Resource: key,
            Condition: viaS3,
          }),
        ]),
      );
    }
  });

  it("stays cdk-nag clean", () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it("is refused for the bucket the stack creates, and an existing bucket needs a prefix", () => {
    expect(() => synthOpsPulse({ context: { "opspulse:lakeKmsKeyArn": key } })).toThrow(
      /opspulse:lakeKmsKeyArn: a KMS key is for an existing lake bucket/,
    );
    expect(() =>
      synthOpsPulse({ context: { "opspulse:lakeBucketName": "acme-data-lake" } }),
    ).toThrow(
      /context opspulse:lakePrefix: an existing lake bucket \(acme-data-lake\) needs the key prefix/,
    );
  });
});

describe("SES in the sandbox", () => {
  const { template, app } = synthOpsPulse({ context: { "opspulse:sesSandbox": "true" } });

  it("grants sends to any verified identity, only From the configured sender", () => {
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: "SendReportMailSandbox",
            Action: ["ses:SendEmail", "ses:SendRawEmail"],
            Resource: Match.arrayWith([
              {
                "Fn::Join": ["", Match.arrayWith([Match.stringLikeRegexp(":identity/\\*$")])],
              },
            ]),
            Condition: { StringEquals: { "ses:FromAddress": "reports@example.com" } },
          }),
        ]),
      },
    });
  });

  it("stays cdk-nag clean", () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });
});

describe("schedules from another config", () => {
  const configDir = configWith({
    "schedules.yaml": [
      "time_zone: Europe/Berlin",
      "schedules:",
      "  daily: { cron: '15 7 * * 1-5' }",
      "  weekly: { cron: '0 9 * * 1', time_zone: America/New_York }",
      "  campaigns: { cron: '0 8 * * *', enabled: false }",
      "",
    ].join("\n"),
    "recipients.yaml": [
      "sender: Reports <kpi@reports.example.com>",
      "reports:",
      "  daily: [{ name: managers, to: [boss@example.com] }]",
      "  weekly: [{ name: managers, to: [boss@example.com] }]",
      "on_call: { to: [oncall@example.com] }",
      "",
    ].join("\n"),
  });
  const { template } = synthOpsPulse({
    context: { "opspulse:configDir": configDir, "opspulse:onCallEmail": "oncall@example.com" },
  });

  it("uses each schedule's own time zone, weekdays by name, and keeps a disabled one disabled", () => {
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(15 7 ? * MON,TUE,WED,THU,FRI *)",
      ScheduleExpressionTimezone: "Europe/Berlin",
      State: "ENABLED",
    });
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(0 9 ? * MON *)",
      ScheduleExpressionTimezone: "America/New_York",
      Target: Match.objectLike({
        Input: Match.stringLikeRegexp('"report":"weekly","timeZone":"America/New_York"'),
      }),
    });
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpressionTimezone: "Europe/Berlin",
      State: "DISABLED",
      Target: Match.objectLike({ Input: Match.stringLikeRegexp('"report":"campaigns"') }),
    });
  });

  it("sends from the sender's domain and subscribes on-call by email", () => {
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: "SendReportMail",
            Resource: Match.arrayWith([
              { "Fn::Join": ["", Match.arrayWith([":identity/reports.example.com"])] },
            ]),
          }),
        ]),
      },
    });
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "oncall@example.com",
    });
  });
});

describe("a config that cannot be deployed", () => {
  const badTargets = () =>
    configWith({ "targets.yaml": "targets:\n  retention_d1:\n    target: 7\n" });

  /** The problem lines `opspulse validate --config dir` prints. */
  async function validateProblems(dir: string): Promise<string[]> {
    const printed: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      printed.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await main(["validate", "--config", dir])).not.toBe(0);
    } finally {
      process.stderr.write = write;
    }
    return printed
      .join("")
      .split("\n")
      .filter((line) => line && !line.startsWith("opspulse:"));
  }

  it("throws from the app builder with exactly the problem lines of opspulse validate", async () => {
    const configDir = badTargets();
    const expected = await validateProblems(configDir);
    expect(expected).toEqual([
      expect.stringMatching(/targets\.yaml: targets\.retention_d1\.target: /),
    ]);
    let thrown: unknown;
    try {
      synthOpsPulse({ context: { "opspulse:configDir": configDir } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual(expected);
  });

  it("makes `node infra/app.ts` (what cdk synth runs) print those lines and exit 1, no stack trace", async () => {
    const configDir = badTargets();
    const expected = await validateProblems(configDir);
    const run = spawnSync(process.execPath, ["infra/app.ts"], {
      encoding: "utf8",
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ "opspulse:configDir": configDir }),
        CDK_OUTDIR: mkdtempSync(join(tmpdir(), "opspulse-")),
      },
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual(expected);
  });

  it("fails synth naming the file and schedule when Scheduler cannot express a cron", () => {
    const configDir = configWith({
      "schedules.yaml": "schedules:\n  daily: { cron: '0 8 1 * 1' }\n",
    });
    expect(() => synthOpsPulse({ context: { "opspulse:configDir": configDir } })).toThrow(
      `${join(configDir, "schedules.yaml")}: schedules.daily.cron: "0 8 1 * 1" restricts both the day of month and the day of week`,
    );
  });
});
