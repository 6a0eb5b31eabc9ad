/**
 * The ad-hoc Lambda's destination: a run the chat asked for is posted in the asker's thread
 * (the run's summary card in the platform's format — the real card builder and renderers —
 * or the one-line error) and recorded in the run log (the real S3 run log on a fake bucket);
 * the dashboard link is the asker's language's index, CloudFront-signed when the stack made
 * a distribution; records no chat asked for post nothing.
 */
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { createChatReplyHandler } from "../../../functions/chat-reply/index.ts";
import { createS3ArtifactStore } from "../../../functions/lib/adapters/s3-artifacts.ts";
import { createS3RunLog } from "../../../functions/lib/adapters/s3-store.ts";
import { judgedMetrics } from "../../../functions/lib/kpi/judged.ts";
import { dashboardIndexLinks } from "../../../functions/lib/runtime/dashboard-links.ts";
import { createObservability } from "../../../functions/lib/runtime/observability.ts";
import { cloudFrontSignatureValid } from "../../support/cloudfront.ts";
import { evaluatedMetric } from "../../support/evaluated.ts";
import { fakeBucket } from "../adapters/fake-s3.ts";
import { lambdaContext } from "./aws-world.ts";

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

const chat = {
  reply: { platform: "slack", responseUrl: "https://hooks.slack.com/commands/T1/1/abc" },
  asker: "slack:UVIEW",
  locale: "en",
  send: false,
  eventId: "trig-1",
};

function setup() {
  const bucket = fakeBucket();
  const posted: { url: string; body: Record<string, unknown> }[] = [];
  const handler = createChatReplyHandler({
    observability: createObservability("opspulse-chat-reply-test"),
    deps: async () => ({
      secrets: {
        feishu: {
          appId: "cli_example",
          appSecret: "feishu-app-secret",
          verificationToken: "v",
          encryptKey: "e",
        },
        wecom: {
          corpId: "ww-example",
          corpSecret: "wecom-secret",
          token: "t",
          encodingAesKey: "k",
        },
      },
      runLog: createS3RunLog({ client: bucket.client, bucket: "opspulse-state.example.com" }),
      // The platforms' APIs: token endpoints answer a token, message endpoints code 0.
      fetch: async (url, init) => {
        if (init.body) posted.push({ url, body: JSON.parse(String(init.body)) });
        return new Response(
          url.includes("tenant_access_token")
            ? JSON.stringify({ code: 0, tenant_access_token: "t-feishu" })
            : url.includes("gettoken")
              ? JSON.stringify({ errcode: 0, access_token: "t-wecom" })
              : url.includes("open.feishu.cn")
                ? JSON.stringify({ code: 0 })
                : url.includes("qyapi.weixin.qq.com")
                  ? JSON.stringify({ errcode: 0 })
                  : "ok",
          { status: 200 },
        );
      },
      clock: { now: () => new Date("2026-11-21T02:00:10Z") },
      dashboardLink: async (locale) =>
        `https://d111111abcdef8.cloudfront.net/${locale === "en" ? "index.html" : `index.${locale}.html`}?Signature=abc`,
    }),
  });
  const run = (record: unknown) =>
    handler(record as never, lambdaContext("opspulse-chat-reply")) as Promise<{ posted: boolean }>;
  const log = () =>
    bucket
      .keys("runs/")
      .map((key) => JSON.parse(bucket.objects.get(key)?.body ?? "{}") as Record<string, unknown>);
  return { run, posted, log };
}

const view = {
  runId: "run-42",
  report: "daily",
  periodKey: "2026-11-20",
  outcome: "dry_run",
  statusCounts: { breach: 1, warning: 0, met: 1 },
  // What the run's summary carries for its card (report/card-facts.ts).
  card: {
    currency: "CNY",
    rerunCommand: "opspulse run daily --date 2026-11-20",
    metrics: judgedMetrics(
      [
        evaluatedMetric("gmv", 12_000, 20_000, { previous: 15_000 }),
        evaluatedMetric("dau", 1200, 1000),
      ],
      "day",
    ),
  },
  emails: [{ list: "managers", status: "preview", to: ["ops-director@example.com"] }],
};

const record = (reply: Record<string, unknown>, locale: "en" | "zh-CN" = "en") => ({
  requestPayload: {
    report: "daily",
    date: "2026-11-20",
    dryRun: true,
    chat: { ...chat, reply, locale },
  },
  responsePayload: { ok: true, statusCode: 200, runs: [view] },
  requestContext: { condition: "Success" },
});

describe("chat reply", () => {
  it("posts the run's summary card in the thread and logs the outcome", async () => {
    const { run, posted, log } = setup();
    const answer = await run(record(chat.reply));
    expect(answer).toEqual({ posted: true });
    expect(posted.map((p) => p.url)).toEqual([chat.reply.responseUrl]);
    const body = posted[0]?.body as { response_type: string; text: string; blocks: unknown[] };
    expect(body.response_type).toBe("in_channel");
    // The text stays for the notification; the blocks are the summary card.
    expect(body.text).toBe(
      "Daily report 2026-11-20 (preview)\n1 breach · 1 met\nOpen: https://d111111abcdef8.cloudfront.net/index.html?Signature=abc\nrun run-42",
    );
    expect(body.blocks).toEqual([
      { type: "header", text: { type: "plain_text", text: "🔴 Daily report · Nov 20, 2026" } },
      { type: "section", text: { type: "mrkdwn", text: "1 breach · 1 met" } },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "🔴 *GMV*\nCN¥12,000.00 vs target ≥ CN¥20,000.00 · -20.0%",
        },
      },
      {
        type: "section",
        text: { type: "mrkdwn", text: "Re-run: `opspulse run daily --date 2026-11-20`" },
      },
      {
        type: "actions",
        elements: [
          {
            type: "button",
            text: { type: "plain_text", text: "Open the dashboard" },
            url: "https://d111111abcdef8.cloudfront.net/index.html?Signature=abc",
            style: "danger",
          },
        ],
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: "preview · OpsPulse · run run-42" }],
      },
    ]);
    expect(log()).toEqual([
      expect.objectContaining({
        user: "slack:UVIEW",
        outcome: "ran",
        posted: true,
        report: "daily",
      }),
    ]);
  });

  it("posts the card in each platform's format, in the asker's language", async () => {
    const { run, posted } = setup();
    await run(
      record(
        { platform: "dingtalk", sessionWebhook: "https://oapi.dingtalk.com/robot/s?x=1" },
        "zh-CN",
      ),
    );
    await run(record({ platform: "feishu", messageId: "om_example1" }, "zh-CN"));
    await run(record({ platform: "wecom", user: "zhangsan", agentId: "1000002" }, "zh-CN"));
    const zhLink = "https://d111111abcdef8.cloudfront.net/index.zh-CN.html?Signature=abc";
    // Feishu's token request is a POST too; WeCom's is a GET.
    const [ding, , feishu, wecom] = posted;
    expect(ding?.body).toMatchObject({
      msgtype: "actionCard",
      actionCard: { title: "日报 · 2026年11月20日", singleURL: zhLink },
    });
    expect(String((ding?.body.actionCard as { text: string } | undefined)?.text)).toContain(
      "**成交额 (GMV)**",
    );
    expect(feishu?.url).toBe("https://open.feishu.cn/open-apis/im/v1/messages/om_example1/reply");
    expect(feishu?.body.msg_type).toBe("interactive");
    const card = JSON.parse(String(feishu?.body.content)) as {
      header: { title: { content: string }; template: string };
      elements: { tag: string; actions?: { url: string }[] }[];
    };
    expect(card.header).toEqual({
      title: { tag: "plain_text", content: "日报 · 2026年11月20日" },
      template: "red",
    });
    expect(card.elements.find((e) => e.tag === "action")?.actions?.[0]?.url).toBe(zhLink);
    expect(wecom?.body).toMatchObject({
      touser: "zhangsan",
      agentid: 1000002,
      msgtype: "markdown",
    });
    const markdown = (wecom?.body.markdown as { content: string } | undefined)?.content;
    expect(markdown).toContain("### 🔴 日报 · 2026年11月20日");
    expect(markdown).toContain(`(${zhLink})`);
    expect(markdown).toContain("预览 · OpsPulse · 运行 run-42");
  });

  it("posts the one-line error of a failed run, as the CLI prints it", async () => {
    const { run, posted, log } = setup();
    await run({
      requestPayload: { report: "daily", date: "2025-01-01", chat: { ...chat, locale: "zh-CN" } },
      responsePayload: {
        ok: false,
        statusCode: 400,
        error:
          "The daily report of 2025-01-01 reads dt=2024-12-31, before the lake's first day 2026-01-01.\nmore",
        runs: [],
      },
    });
    expect(posted[0]?.body).toEqual({ response_type: "in_channel", text: expect.any(String) });
    expect(posted[0]?.body.text).toBe(
      "The daily report of 2025-01-01 reads dt=2024-12-31, before the lake's first day 2026-01-01.",
    );
    expect(log()[0]).toMatchObject({ outcome: "failed" });
  });

  it("links the dashboard index of the asker's language, CloudFront-signed for the stack's days", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const bucket = fakeBucket();
    const store = createS3ArtifactStore({
      client: bucket.client,
      bucket: "opspulse-state.example.com",
      prefix: "dashboard",
    });
    const env = {
      OPSPULSE_DASHBOARD_DOMAIN: "d111111abcdef8.cloudfront.net",
      OPSPULSE_DASHBOARD_KEY_PAIR_ID: "K2JCJMDEHXQW5F",
      OPSPULSE_DASHBOARD_KEY_SECRET: "opspulse/dashboard-signing-key",
      OPSPULSE_DASHBOARD_LINK_DAYS: "10",
    };
    const now = () => new Date("2026-11-21T02:00:00Z");
    const link = dashboardIndexLinks(store, env, { privateKey: async () => pem, now });
    const zh = new URL((await link("zh-CN")) ?? "");
    expect(`${zh.origin}${zh.pathname}`).toBe(
      "https://d111111abcdef8.cloudfront.net/index.zh-CN.html",
    );
    const expires = Number(zh.searchParams.get("Expires"));
    expect(expires).toBe(Date.parse("2026-12-01T02:00:00Z") / 1000);
    expect(cloudFrontSignatureValid(zh, publicKey)).toBe(true);
    expect(new URL((await link("en")) ?? "").pathname).toBe("/index.html");
    // Without a distribution: the store's own (pre-signed) link of the same page, for 12 hours.
    const asked: [string, number][] = [];
    const plain = dashboardIndexLinks(
      {
        put: store.put,
        link: async (key, seconds) => {
          asked.push([key, seconds]);
          return `https://opspulse-state.example.com/dashboard/${key}?X-Amz-Signature=abc`;
        },
      },
      {},
    );
    expect(await plain("zh-CN")).toBe(
      "https://opspulse-state.example.com/dashboard/index.zh-CN.html?X-Amz-Signature=abc",
    );
    expect(asked).toEqual([["index.zh-CN.html", 12 * 3600]]);
  });

  it("ignores an invocation no chat asked for", async () => {
    const { run, posted, log } = setup();
    expect(
      await run({ requestPayload: { report: "daily", date: "2026-11-20" }, responsePayload: {} }),
    ).toEqual({
      posted: false,
    });
    expect(posted).toEqual([]);
    expect(log()).toEqual([]);
  });
});
