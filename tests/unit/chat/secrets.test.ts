import { describe, expect, it } from "vitest";
import {
  awsSecretSource,
  sdkParameterReader,
  sdkSecretReader,
} from "../../../functions/lib/chat/aws-secret-source.ts";
import {
  type ContactPointConfig,
  parseSecretReference,
} from "../../../functions/lib/chat/config.ts";
import {
  envSecretSource,
  resolveContactPoints,
  secretSources,
  webhookUrlProblem,
} from "../../../functions/lib/chat/secrets.ts";

function point(name: string, type: ContactPointConfig["type"], url: string, secret?: string) {
  const ref = (text: string) => {
    const parsed = parseSecretReference(text);
    if (typeof parsed === "string") throw new Error(parsed);
    return parsed;
  };
  return {
    name,
    type,
    url: ref(url),
    ...(secret ? { secret: ref(secret) } : {}),
  } as ContactPointConfig;
}

const TOKEN_URL = "https://oapi.dingtalk.com/robot/send?access_token=s3cr3t-token";

describe("resolving contact points at start", () => {
  it("reads URLs and secrets from the environment", async () => {
    const resolved = await resolveContactPoints(
      [
        point("ops", "dingtalk", "env:DT_URL", "env:DT_SECRET"),
        point("local", "slack", "env:SLACK"),
      ],
      envSecretSource({ DT_URL: TOKEN_URL, DT_SECRET: "SECx", SLACK: "http://127.0.0.1:8080/s" }),
    );
    expect(resolved.get("ops")).toEqual({
      name: "ops",
      type: "dingtalk",
      url: TOKEN_URL,
      secret: "SECx",
      urlReference: "env:DT_URL",
    });
    expect(resolved.get("local")?.url).toBe("http://127.0.0.1:8080/s");
  });

  it("refuses a missing variable and a URL that is not https, naming the reference but never the URL", async () => {
    const run = resolveContactPoints(
      [
        point("a", "wecom", "env:A_URL"),
        point("b", "feishu", "env:B_URL", "env:B_SECRET"),
        point("c", "slack", "env:C_URL"),
        point("d", "webhook", "env:D_URL"),
      ],
      envSecretSource({
        B_URL: "https://open.feishu.cn/open-apis/bot/v2/hook/x",
        C_URL: "http://hooks.example.com/services/s3cr3t-token",
        D_URL: "ftp://example.com/s3cr3t-token",
      }),
      "config/recipients.yaml",
    );
    await expect(run).rejects.toThrow(
      [
        'config/recipients.yaml: contact point "a": URL reference env:A_URL is not set (export A_URL)',
        'config/recipients.yaml: contact point "b": secret reference env:B_SECRET is not set (export B_SECRET)',
        'config/recipients.yaml: contact point "c": the URL read from env:C_URL is plain http: webhook URLs carry their token, so only https is allowed (http only on 127.0.0.1, for tests)',
        'config/recipients.yaml: contact point "d": the URL read from env:D_URL has the scheme ftp: where https was expected',
      ].join("\n"),
    );
    await expect(run).rejects.not.toThrow(/s3cr3t/);
  });

  it("allows plain http on loopback only", () => {
    expect(webhookUrlProblem("http://127.0.0.1:1234/x")).toBeUndefined();
    expect(webhookUrlProblem("http://localhost/x")).toBeUndefined();
    expect(webhookUrlProblem("http://[::1]:80/x")).toBeUndefined();
    expect(webhookUrlProblem("http://127.0.0.1.example.com/x")).toMatch(/plain http/);
    expect(webhookUrlProblem("not a url")).toBe("is not a URL");
  });

  it("in a Lambda (no env source) refuses env: references with the fix", async () => {
    const lambda = secretSources({ ssm: envSecretSource({}) });
    await expect(resolveContactPoints([point("a", "wecom", "env:A_URL")], lambda)).rejects.toThrow(
      /a Lambda reads chat URLs and secrets from SSM Parameter Store or Secrets Manager/,
    );
  });
});

/** An SDK v3 client as far as `send` goes: answers by command input, records the calls. */
class FakeClient {
  readonly sent: unknown[] = [];
  private readonly answer: (input: Record<string, unknown>) => unknown;
  constructor(answer: (input: Record<string, unknown>) => unknown) {
    this.answer = answer;
  }
  async send(command: { input: Record<string, unknown> }) {
    this.sent.push(command.input);
    const result = this.answer(command.input);
    if (result instanceof Error) throw result;
    return result;
  }
}
class Command {
  readonly input: Record<string, unknown>;
  constructor(input: Record<string, unknown>) {
    this.input = input;
  }
}
const named = (name: string) => Object.assign(new Error(name), { name });

describe("reading ssm: and secretsmanager: references", () => {
  const ssm = new FakeClient((input) =>
    input.Name === "/opspulse/wecom/url"
      ? { Parameter: { Value: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k" } }
      : input.Name === "/opspulse/denied"
        ? named("AccessDeniedException")
        : named("ParameterNotFound"),
  );
  const secrets = new FakeClient((input) =>
    input.SecretId === "opspulse/feishu"
      ? { SecretString: "feishu-secret" }
      : named("ResourceNotFoundException"),
  );
  const source = awsSecretSource({
    ssm: sdkParameterReader(ssm, Command),
    secretsManager: sdkSecretReader(secrets, Command),
  });

  it("reads SecureString parameters decrypted and secrets' strings, once each", async () => {
    const resolved = await resolveContactPoints(
      [point("ops", "feishu", "ssm:/opspulse/wecom/url", "secretsmanager:opspulse/feishu")],
      source,
    );
    expect(resolved.get("ops")).toMatchObject({
      url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
      secret: "feishu-secret",
    });
    expect(ssm.sent).toEqual([{ Name: "/opspulse/wecom/url", WithDecryption: true }]);
    expect(secrets.sent).toEqual([{ SecretId: "opspulse/feishu" }]);
  });

  it("names a missing parameter as not set and an access error as unreadable", async () => {
    await expect(
      resolveContactPoints(
        [point("a", "slack", "ssm:/opspulse/none"), point("b", "slack", "ssm:/opspulse/denied")],
        source,
      ),
    ).rejects.toThrow(
      'recipients.yaml: contact point "a": URL reference ssm:/opspulse/none is not set\nrecipients.yaml: contact point "b": URL reference ssm:/opspulse/denied cannot be read: AccessDeniedException',
    );
  });
});
