/**
 * The chat contact points' secrets in the stack: each function may read exactly the SSM
 * parameters and Secrets Manager secrets recipients.yaml references (least privilege), the
 * policy passes cdk-nag, and a local `env:` reference stops synth naming the contact point.
 */
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Match } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { synthOpsPulse } from "./helpers.ts";

function configWith(recipients: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), "opspulse-")), "config");
  cpSync("config", dir, { recursive: true });
  writeFileSync(join(dir, "recipients.yaml"), recipients);
  return relative(process.cwd(), dir);
}

const RECIPIENTS = [
  "contact_points:",
  "  - { name: oncall-dingtalk, type: dingtalk, url: 'ssm:/opspulse/dingtalk/url', secret: 'secretsmanager:opspulse/dingtalk-secret' }",
  "  - { name: ops-slack, type: slack, url: 'secretsmanager:opspulse/slack-url' }",
  "  - { name: ops-wecom, type: wecom, url: 'ssm:opspulse-wecom-url' }",
  "reports:",
  "  daily:",
  "    - { name: managers, to: [ops-director@example.com], chat: [ops-wecom, ops-slack] }",
  "  weekly: [{ name: managers, to: [ops-director@example.com] }]",
  "  campaigns: [{ name: campaign-team, to: [campaigns@example.com] }]",
  "on_call:",
  "  to: [oncall@example.com]",
  "  chat: [oncall-dingtalk]",
  "",
].join("\n");

describe("chat secrets in the stack", () => {
  const { template, app } = synthOpsPulse({
    context: { "opspulse:configDir": configWith(RECIPIENTS) },
  });

  it("lets the functions read exactly the referenced parameters and secrets", () => {
    const param = (name: string) =>
      Match.objectLike({
        "Fn::Join": ["", Match.arrayWith([Match.stringLikeRegexp(`:parameter/${name}$`)])],
      });
    const secret = (name: string) =>
      Match.objectLike({
        "Fn::Join": [
          "",
          Match.arrayWith([Match.stringLikeRegexp(`:secret:${name}-\\?\\?\\?\\?\\?\\?$`)]),
        ],
      });
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: [
          {
            Action: "ssm:GetParameter",
            Effect: "Allow",
            Resource: [param("opspulse-wecom-url"), param("opspulse/dingtalk/url")],
          },
          {
            Action: "secretsmanager:GetSecretValue",
            Effect: "Allow",
            Resource: [secret("opspulse/dingtalk-secret"), secret("opspulse/slack-url")],
          },
        ],
      },
    });
    const policies = template.findResources("AWS::IAM::Policy", {
      Properties: { PolicyName: Match.stringLikeRegexp("ChatSecrets") },
    });
    expect(Object.keys(policies)).toHaveLength(1);
    const roles = (Object.values(policies)[0] as { Properties: { Roles: unknown[] } }).Properties
      .Roles;
    // The scheduled report, campaigns, ad-hoc and pulse functions.
    expect(roles).toHaveLength(4);
  });

  it("grants no wildcard read of parameters or secrets anywhere", () => {
    const text = JSON.stringify(template.findResources("AWS::IAM::Policy"));
    expect(text).not.toMatch(/"ssm:\*"|"secretsmanager:\*"|parameter\/\*|secret:\*/);
  });

  it("passes cdk-nag", () => {
    const findings = new AwsSolutionsChecks()
      .validateScope(app)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
      );
    expect(findings).toEqual([]);
  });

  it("adds no policy when no contact point is configured", () => {
    const plain = synthOpsPulse();
    expect(
      Object.keys(
        plain.template.findResources("AWS::IAM::Policy", {
          Properties: { PolicyName: Match.stringLikeRegexp("ChatSecrets") },
        }),
      ),
    ).toEqual([]);
  });

  it("stops synth on a local env: reference, naming the contact point", () => {
    const configDir = configWith(
      RECIPIENTS.replace("url: 'secretsmanager:opspulse/slack-url'", "url: 'env:SLACK_URL'"),
    );
    expect(() => synthOpsPulse({ context: { "opspulse:configDir": configDir } })).toThrow(
      /recipients\.yaml: contact point "ops-slack": env:SLACK_URL is a local reference; a deployment reads chat URLs and secrets from SSM Parameter Store or Secrets Manager/,
    );
  });
});
