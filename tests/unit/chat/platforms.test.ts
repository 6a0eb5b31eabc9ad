/**
 * The pure parts of the chat platforms: the cards (alert and daily summary, en and zh-CN),
 * each platform's rendering, and how each reads its answers (success, too fast, refused).
 */
import { describe, expect, it } from "vitest";
import {
  buildAlertCard,
  buildSummaryCard,
  type ChatCard,
  MAX_CARD_ITEMS,
} from "../../../functions/lib/chat/card.ts";
import { dingtalk } from "../../../functions/lib/chat/platforms/dingtalk.ts";
import { feishu } from "../../../functions/lib/chat/platforms/feishu.ts";
import type { ChatAnswer } from "../../../functions/lib/chat/platforms/index.ts";
import { slack } from "../../../functions/lib/chat/platforms/slack.ts";
import { webhook } from "../../../functions/lib/chat/platforms/webhook.ts";
import {
  WECOM_MAX_CONTENT_BYTES,
  wecom,
  wecomMarkdown,
} from "../../../functions/lib/chat/platforms/wecom.ts";
import { judgedMetrics } from "../../../functions/lib/kpi/judged.ts";
import { evaluatedMetric } from "../../support/evaluated.ts";

const evaluated = (id: string, value: number, target: number, previous?: number) =>
  evaluatedMetric(id, value, target, previous !== undefined ? { previous } : {});

const METRICS = [
  evaluated("dau", 950, 1000),
  evaluated("gmv", 12_000, 20_000, 15_000),
  evaluated("orders", 500, 100),
  evaluated("paying_users", 50, 100),
];

const summary = (locale: "en" | "zh-CN") =>
  buildSummaryCard({
    report: "daily",
    periodKey: "2026-11-22",
    locale,
    currency: "CNY",
    runId: "r1",
    metrics: judgedMetrics(METRICS, "day"),
    rerunCommand: "opspulse run daily --date 2026-11-22",
    dashboardUrl: "https://dashboard.example.com/",
  });

describe("cards", () => {
  it("the daily summary card counts statuses and lists what needs attention, worst first", () => {
    const card = summary("en");
    expect(card).toMatchObject({
      kind: "summary",
      severity: "report",
      tone: "breach",
      title: "Daily report · Nov 22, 2026",
      summary: "2 breaches · 1 warning · 1 met",
      commands: [{ label: "Re-run", command: "opspulse run daily --date 2026-11-22" }],
      footer: "OpsPulse · run r1",
    });
    // Breaches before warnings, the farther from the target first (GMV 40 % off after 50 %).
    expect(card.items.map((i) => [i.tone, i.headline, i.detail])).toEqual([
      ["breach", "Paying users", "50 vs target ≥ 100"],
      ["breach", "GMV", "CN¥12,000.00 vs target ≥ CN¥20,000.00 · -20.0%"],
      ["warning", "DAU", "950 vs target ≥ 1,000"],
    ]);
  });

  it("speaks Chinese to a zh-CN audience", () => {
    const card = summary("zh-CN");
    expect(card.title).toBe("日报 · 2026年11月22日");
    expect(card.summary).toBe("未达标 2 · 预警 1 · 达标 1");
    expect(card.items[1]?.detail).toContain("目标 ≥ ¥20,000.00");
  });

  it("an alert card says new vs day N, since when, the driver and the ack command; long lists are cut", () => {
    const card = buildAlertCard({
      severity: "page",
      locale: "en",
      currency: "CNY",
      report: "daily",
      periodKey: "2026-11-22",
      runId: "r1",
      rerunCommand: "opspulse run daily --date 2026-11-22",
      items: [
        {
          kind: "new",
          metricId: "gmv",
          value: 12_000,
          target: 20_000,
          driver: "app −18%",
          ackCommand: "opspulse alerts ack gmv",
        },
        {
          kind: "ongoing",
          metricId: "dau",
          value: 900,
          target: 1000,
          streakStart: "2026-11-09",
          streakLength: 14,
          ackedBy: "li.wei",
          ackedAt: "2026-11-20 09:12 UTC",
        },
        { kind: "resolved", metricId: "orders", value: 500, target: 100 },
        ...Array.from({ length: 4 }, () => ({ kind: "data" as const, table: "events" })),
      ],
    });
    expect(card.title).toBe("[PAGE] 7 alerts · Daily report · Nov 22, 2026");
    expect(card.items).toHaveLength(MAX_CARD_ITEMS);
    expect(card.more).toBe("…and 2 more (see the email)");
    expect(card.items.slice(0, 3).map((i) => [i.tone, i.headline, i.detail])).toEqual([
      ["breach", "GMV — new today", "CN¥12,000.00 vs target ≥ CN¥20,000.00 · top driver: app −18%"],
      [
        "breach",
        "DAU — day 14",
        "900 vs target ≥ 1,000 · since Nov 9, 2026 · acked by li.wei at 2026-11-20 09:12 UTC",
      ],
      ["ok", "Paid orders — resolved", "500 vs target ≥ 100"],
    ]);
    expect(card.commands.map((c) => c.command)).toEqual([
      "opspulse run daily --date 2026-11-22",
      "opspulse alerts ack gmv",
    ]);
  });
});

const CARD: ChatCard = summary("en");

describe("renderers", () => {
  it("WeCom: markdown with coloured items, within 4096 bytes however many items", () => {
    const payload = wecom.render(CARD) as { msgtype: string; markdown: { content: string } };
    expect(payload.msgtype).toBe("markdown");
    expect(payload.markdown.content).toContain('<font color="warning">**GMV**</font>');
    const long: ChatCard = {
      ...CARD,
      items: Array.from({ length: 40 }, (_, i) => ({
        tone: "breach",
        headline: `KPI ${i} ${"指标".repeat(40)}`,
        detail: "x".repeat(100),
      })),
    };
    const content = wecomMarkdown(long);
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(WECOM_MAX_CONTENT_BYTES);
    expect(content).toContain("OpsPulse · run r1");
  });

  it("WeCom and DingTalk markdown neutralise markup in names from data", () => {
    const hostile: ChatCard = {
      ...CARD,
      items: [{ tone: "breach", headline: '<font color="info">*x*</font>', detail: "`y`" }],
    };
    const content = wecomMarkdown(hostile);
    expect(content).not.toContain('<font color="info">*x*');
    expect(content).toContain('＜font color="info"＞∗x∗＜/font＞');
  });

  it("DingTalk: an actionCard with the dashboard button, markdown without a link", () => {
    expect(dingtalk.render(CARD)).toMatchObject({
      msgtype: "actionCard",
      actionCard: {
        title: CARD.title,
        singleTitle: "Open the dashboard",
        singleURL: "https://dashboard.example.com/",
      },
    });
    const { link: _link, ...unlinked } = CARD;
    expect(dingtalk.render(unlinked)).toMatchObject({
      msgtype: "markdown",
      markdown: { title: CARD.title },
    });
  });

  it("Feishu: an interactive card with a red header, lark_md items, a button and a note", () => {
    const payload = feishu.render(CARD) as {
      msg_type: string;
      card: { header: unknown; elements: { tag: string }[] };
    };
    expect(payload.msg_type).toBe("interactive");
    expect(payload.card.header).toEqual({
      title: { tag: "plain_text", content: CARD.title },
      template: "red",
    });
    expect(payload.card.elements.map((e) => e.tag)).toEqual([
      "div",
      "div",
      "div",
      "div",
      "div",
      "action",
      "note",
    ]);
  });

  it("Slack: Block Kit with a fallback text, a header within 150 characters and a button", () => {
    const payload = slack.render({ ...CARD, title: "x".repeat(200) }) as {
      text: string;
      blocks: { type: string; text?: { text: string } }[];
    };
    expect(payload.blocks.map((b) => b.type)).toEqual([
      "header",
      "section",
      "section",
      "section",
      "section",
      "section",
      "actions",
      "context",
    ]);
    expect(payload.blocks[0]?.text?.text.length).toBe(150);
  });

  it("webhook: the versioned document with the delivery key as dedup_key", () => {
    const request = webhook.request("https://events.example.com/x", webhook.render(CARD), {
      now: new Date(0),
      key: "k1",
    });
    expect(JSON.parse(request.body)).toMatchObject({
      schema: "opspulse.chat/v1",
      kind: "summary",
      severity: "report",
      status: "breach",
      dedup_key: "k1",
    });
  });
});

const answer = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ChatAnswer => ({
  status,
  headers,
  body: typeof body === "string" ? body : JSON.stringify(body),
});

describe("reading the platforms' answers", () => {
  it.each([
    ["wecom", answer(200, { errcode: 0, errmsg: "ok" }), "delivered"],
    ["wecom", answer(200, { errcode: 45009, errmsg: "api freq out of limit" }), "rate_limited"],
    ["wecom", answer(200, { errcode: 93000, errmsg: "invalid webhook url" }), "rejected"],
    ["dingtalk", answer(200, { errcode: 0, errmsg: "ok" }), "delivered"],
    ["dingtalk", answer(200, { errcode: 130101, errmsg: "send too fast" }), "rate_limited"],
    ["dingtalk", answer(200, { errcode: 310000, errmsg: "sign not match" }), "rejected"],
    ["dingtalk", answer(200, "<html>gateway</html>"), "rejected"],
    ["dingtalk", answer(502, "bad gateway"), "server_error"],
    ["feishu", answer(200, { code: 0, msg: "success" }), "delivered"],
    ["feishu", answer(200, { code: 11232, msg: "frequency limited" }), "rate_limited"],
    ["feishu", answer(200, { code: 9499, msg: "too many request" }), "rate_limited"],
    ["feishu", answer(200, { code: 9499, msg: "Bad Request" }), "rejected"],
    ["feishu", answer(429, "", { "retry-after": "3" }), "rate_limited"],
    ["slack", answer(200, "ok"), "delivered"],
    ["slack", answer(429, "rate_limited", { "retry-after": "30" }), "rate_limited"],
    ["slack", answer(400, "invalid_payload"), "rejected"],
    ["slack", answer(410, "channel_is_archived"), "rejected"],
    ["slack", answer(500, "rollup_error"), "server_error"],
    ["webhook", answer(202, ""), "delivered"],
    ["webhook", answer(404, ""), "rejected"],
  ] as const)("%s %j → %s", (type, given, outcome) => {
    const platform = { wecom, dingtalk, feishu, slack, webhook }[type];
    expect(platform.classify(given).outcome).toBe(outcome);
  });

  it("honours Retry-After", () => {
    expect(slack.classify(answer(429, "rate_limited", { "retry-after": "30" }))).toMatchObject({
      retryAfterMs: 30_000,
    });
  });
});
