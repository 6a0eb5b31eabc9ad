/**
 * The chat command endpoint in the stack (opspulse:chatSecretName set): a function URL
 * without IAM auth (requests are verified in code), a role that may invoke the ad-hoc
 * function and read exactly the named secret, the ad-hoc function's asynchronous results
 * sent to the reply function without retries, the allow-lists from config, and cdk-nag clean.
 */
import { generateKeyPairSync } from "node:crypto";
import type { CfnElement } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { synthOpsPulse } from "./helpers.ts";

const SECRET = "opspulse/chat-commands";

describe("chat commands in the stack", () => {
  const { app, stack, template } = synthOpsPulse({
    context: { "opspulse:chatSecretName": SECRET },
  });
  const idOf = (element: unknown) => stack.getLogicalId(element as CfnElement);
  const endpointId = () => idOf(stack.chat?.endpoint.node.defaultChild);
  const replyId = () => idOf(stack.chat?.reply.node.defaultChild);
  const adhocId = () => idOf(stack.functions.functions.adhocRun.node.defaultChild);

  it("is absent without a chat secret", () => {
    const plain = synthOpsPulse();
    expect(plain.stack.chat).toBeUndefined();
    plain.template.resourceCountIs("AWS::Lambda::Url", 0);
  });

  it("exposes the endpoint as a function URL verified in code, with the allow-lists and zone", () => {
    template.hasResourceProperties("AWS::Lambda::Url", {
      AuthType: "NONE",
      TargetFunctionArn: { "Fn::GetAtt": [endpointId(), "Arn"] },
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          OPSPULSE_CHAT_SECRET: SECRET,
          OPSPULSE_ADHOC_FUNCTION: { Ref: adhocId() },
          OPSPULSE_CHAT_ACCESS: JSON.stringify({
            viewers: [
              "slack:U0VIEWER01",
              "feishu:ou_viewer01",
              "dingtalk:viewer01",
              "wecom:viewer01",
            ],
            senders: [
              "slack:U0SENDER01",
              "feishu:ou_sender01",
              "dingtalk:sender01",
              "wecom:sender01",
            ],
          }),
          OPSPULSE_TIME_ZONE: "Asia/Shanghai",
        }),
      },
      Timeout: 10,
    });
  });

  it("lets the endpoint invoke the ad-hoc function and read the named secret only", () => {
    const policies = template.findResources("AWS::IAM::Policy");
    const statementsOf = (role: string) =>
      Object.values(policies)
        .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(role))
        .flatMap(
          (policy) =>
            policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[],
        );
    const endpointRole = idOf(stack.chat?.endpoint.role?.node.defaultChild);
    const statements = statementsOf(endpointRole);
    const invoke = statements.filter((s) =>
      JSON.stringify(s.Action).includes("lambda:InvokeFunction"),
    );
    expect(JSON.stringify(invoke)).toContain(adhocId());
    expect(JSON.stringify(invoke)).not.toContain('"*"');
    const secret = statements.filter((s) =>
      JSON.stringify(s.Action).includes("secretsmanager:GetSecretValue"),
    );
    expect(secret).toHaveLength(1);
    expect(JSON.stringify(secret[0]?.Resource)).toContain(`:secret:${SECRET}-??????`);
    // The reply function may not invoke anything.
    const replyRole = idOf(stack.chat?.reply.role?.node.defaultChild);
    expect(JSON.stringify(statementsOf(replyRole))).not.toContain("lambda:InvokeFunction");
    // The stack creates no secret: the value never passes through CloudFormation.
    template.resourceCountIs("AWS::SecretsManager::Secret", 0);
  });

  it("outputs the endpoint as ChatCommandUrl", () => {
    template.hasOutput("ChatCommandUrl", {
      Value: { "Fn::GetAtt": [Match.stringLikeRegexp("^ChatEndpointFunctionUrl"), "FunctionUrl"] },
    });
  });

  it("sends the ad-hoc function's asynchronous results to the reply function, without retries", () => {
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: adhocId() },
      MaximumRetryAttempts: 0,
      DestinationConfig: {
        OnSuccess: { Destination: { "Fn::GetAtt": [replyId(), "Arn"] } },
        OnFailure: { Destination: { "Fn::GetAtt": [replyId(), "Arn"] } },
      },
    });
  });

  it("is cdk-nag clean", () => {
    const violations = new AwsSolutionsChecks()
      .validateScope(app)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
      );
    expect(violations).toEqual([]);
  });

  it("lets the reply function sign dashboard links when the stack makes a distribution", () => {
    expect(
      template.findResources("AWS::Lambda::Function", {
        Properties: { Environment: { Variables: { OPSPULSE_DASHBOARD_DOMAIN: Match.anyValue() } } },
      }),
    ).toEqual({});
    const publicKeyPem = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .publicKey.export({ type: "spki", format: "pem" })
      .toString()
      .trim();
    const signed = synthOpsPulse({
      context: { "opspulse:chatSecretName": SECRET, "opspulse:dashboardPublicKey": publicKeyPem },
    });
    const reply = signed.stack.getLogicalId(
      signed.stack.chat?.reply.node.defaultChild as CfnElement,
    );
    const fn = signed.template.findResources("AWS::Lambda::Function")[reply]?.Properties as {
      Environment: { Variables: Record<string, unknown> };
      Layers?: unknown[];
    };
    expect(Object.keys(fn.Environment.Variables)).toEqual(
      expect.arrayContaining([
        "OPSPULSE_DASHBOARD_DOMAIN",
        "OPSPULSE_DASHBOARD_KEY_PAIR_ID",
        "OPSPULSE_DASHBOARD_KEY_SECRET",
        "OPSPULSE_DASHBOARD_LINK_DAYS",
      ]),
    );
    // The Parameters and Secrets extension reads the key; the role may read that secret.
    expect(JSON.stringify(fn.Layers)).toMatch(/Paramsandsecrets/i);
    const role = signed.stack.getLogicalId(
      signed.stack.chat?.reply.role?.node.defaultChild as CfnElement,
    );
    const statements = Object.values(signed.template.findResources("AWS::IAM::Policy"))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(role))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Resource: unknown }[]);
    expect(JSON.stringify(statements)).toMatch(/DashboardSigningKey/);
    const violations = new AwsSolutionsChecks()
      .validateScope(signed.app)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
      );
    expect(violations).toEqual([]);
  });
});
