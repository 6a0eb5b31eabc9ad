import { describe, expect, it } from "vitest";
import { parseSecretReference } from "../../../functions/lib/chat/config.ts";
import { ConfigError, type ConfigSource, parseConfig } from "../../../functions/lib/config/load.ts";

function parse(recipients: string) {
  const sources: ConfigSource[] = [{ file: "recipients.yaml", text: recipients }];
  return parseConfig(sources, "config");
}

function problemsOf(recipients: string): readonly string[] {
  try {
    parse(recipients);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const VALID = [
  "contact_points:",
  "  - { name: oncall-dingtalk, type: dingtalk, url: 'env:DINGTALK_URL', secret: 'env:DINGTALK_SECRET' }",
  "  - { name: ops-feishu, type: feishu, url: 'ssm:/opspulse/feishu/url', secret: 'secretsmanager:opspulse/feishu-secret' }",
  "  - { name: ops-wecom, type: wecom, url: 'env:WECOM_URL' }",
  "  - { name: ops-slack, type: slack, url: 'secretsmanager:opspulse/slack-url' }",
  "  - { name: pager, type: webhook, url: 'env:PAGER_URL' }",
  "reports:",
  "  daily:",
  "    - name: managers",
  "      locale: zh-CN",
  "      to: [boss@example.com]",
  "      chat: [ops-feishu, ops-wecom]",
  "on_call:",
  "  to: [oncall@example.com]",
  "  chat: [oncall-dingtalk, ops-slack, pager]",
  "",
].join("\n");

describe("contact points in recipients.yaml", () => {
  it("reads every type, its references, and audiences with email and chat together", () => {
    const config = parse(VALID);
    expect(config.contactPoints?.map((p) => [p.name, p.type, p.url.source, p.url.name])).toEqual([
      ["oncall-dingtalk", "dingtalk", "env", "DINGTALK_URL"],
      ["ops-feishu", "feishu", "ssm", "/opspulse/feishu/url"],
      ["ops-wecom", "wecom", "env", "WECOM_URL"],
      ["ops-slack", "slack", "secretsmanager", "opspulse/slack-url"],
      ["pager", "webhook", "env", "PAGER_URL"],
    ]);
    expect(config.recipients.daily[0]).toMatchObject({
      to: ["boss@example.com"],
      chat: ["ops-feishu", "ops-wecom"],
    });
    expect(config.onCall?.chat).toEqual(["oncall-dingtalk", "ops-slack", "pager"]);
  });

  it("refuses an unknown type, a missing or malformed reference and a URL in place of one, naming file and path", () => {
    const problems = problemsOf(
      [
        "contact_points:",
        "  - { name: a, type: teams, url: 'env:A_URL' }",
        "  - { name: b, type: slack }",
        "  - { name: c, type: wecom, url: 'vault:wecom' }",
        "  - { name: d, type: dingtalk, url: 'env:D URL', secret: 'ssm:bad name' }",
        "  - { name: e, type: feishu, url: 'https://open.feishu.cn/open-apis/bot/v2/hook/x' }",
        "  - { name: f, type: slack, url: 'env:F_URL', secret: 'env:F_SECRET' }",
        "on_call:",
        "  to: [oncall@example.com]",
        "  chat: [nobody]",
        "",
      ].join("\n"),
    );
    expect(problems).toEqual([
      "config/recipients.yaml: contact_points[0].type: expected a contact point type: one of wecom, dingtalk, feishu, slack, webhook (line 2)",
      'config/recipients.yaml: contact_points[1].url: expected a reference such as "env:OPSPULSE_WECOM_URL", "ssm:/opspulse/wecom/url" or "secretsmanager:opspulse/wecom", but it is missing (line 3)',
      'config/recipients.yaml: contact_points[2].url: expected a reference such as "env:OPSPULSE_WECOM_URL", "ssm:/opspulse/wecom/url" or "secretsmanager:opspulse/wecom" (line 4)',
      'config/recipients.yaml: contact_points[3].url: expected an environment variable name such as OPSPULSE_WECOM_URL after "env:", got "D URL" (line 5)',
      'config/recipients.yaml: contact_points[3].secret: expected an SSM parameter name such as /opspulse/wecom/url after "ssm:", got "bad name" (line 5)',
      expect.stringMatching(
        /^config\/recipients\.yaml: contact_points\[4\]\.url: expected a reference, not the URL itself: .* \(line 6\)$/,
      ),
      "config/recipients.yaml: contact_points[5].secret: expected no secret: slack webhooks are not signed (only dingtalk and feishu robots are) (line 7)",
      'config/recipients.yaml: on_call.chat[0]: unknown contact point "nobody": name one of contact_points (a, b, c, d, e, f) (line 10)',
    ]);
  });

  it("refuses two contact points of one name", () => {
    expect(
      problemsOf(
        "contact_points:\n  - { name: a, type: slack, url: 'env:A' }\n  - { name: a, type: wecom, url: 'env:B' }\n",
      ),
    ).toEqual([
      'config/recipients.yaml: contact_points[1].name: expected a unique contact point name, "a" appears twice (line 3)',
    ]);
  });

  it("parses references of the three sources", () => {
    expect(parseSecretReference(" env:X_1 ")).toEqual({
      source: "env",
      name: "X_1",
      text: "env:X_1",
    });
    expect(parseSecretReference("ssm:opspulse/x")).toMatchObject({ source: "ssm" });
    expect(parseSecretReference("secretsmanager:ops/x+y=z@a")).toMatchObject({
      source: "secretsmanager",
    });
    expect(parseSecretReference("env:")).toMatch(/^expected an environment variable name/);
  });
});
