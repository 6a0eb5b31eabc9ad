/**
 * A chat command's reply in each platform's format, with the real card builder and
 * renderers: the card when there is one, else the text; WeCom's application message within
 * its 2048-byte markdown limit (half the group robot's).
 */
import { describe, expect, it } from "vitest";
import { buildSummaryCard } from "../../../functions/lib/chat/card.ts";
import {
  dingtalkReply,
  feishuReply,
  slackReply,
  WECOM_APP_MARKDOWN_BYTES,
  wecomReply,
} from "../../../functions/lib/chatops/reply-message.ts";
import type { JudgedMetric } from "../../../functions/lib/kpi/judged.ts";
import { METRICS } from "../../../functions/lib/kpi/registry.ts";

// Every daily metric breached: more items than any card shows.
const breached: JudgedMetric[] = METRICS.filter((m) => m.periods.includes("day")).map((m) => ({
  id: m.id,
  period: "day",
  status: "breach",
  value: 1,
  measured: 1,
  threshold: 1_000_000,
  vsPrevious: -0.5,
}));
const card = buildSummaryCard({
  locale: "zh-CN",
  currency: "CNY",
  report: "daily",
  periodKey: "2026-11-20",
  runId: "20261121T020000Z-daily-1a2b3c4d",
  rerunCommand: "opspulse run daily --date 2026-11-20",
  dashboardUrl: `https://d111111abcdef8.cloudfront.net/index.zh-CN.html?Signature=${"a".repeat(1500)}`,
  metrics: breached,
});

describe("chat command replies per platform", () => {
  it("a text reply stays text", () => {
    const text = { text: "正在运行…" };
    expect(slackReply(text, "ephemeral")).toEqual({
      response_type: "ephemeral",
      text: "正在运行…",
    });
    expect(dingtalkReply(text)).toEqual({ msgtype: "text", text: { content: "正在运行…" } });
    expect(feishuReply(text)).toEqual({
      msg_type: "text",
      content: JSON.stringify({ text: "正在运行…" }),
    });
    expect(wecomReply(text, "zhangsan", "1000002")).toEqual({
      touser: "zhangsan",
      agentid: 1000002,
      msgtype: "text",
      text: { content: "正在运行…" },
    });
  });

  it("a card goes in the platform's card format; WeCom's within its application limit", () => {
    const message = { text: "日报 2026-11-20 (预览)", card };
    expect(slackReply(message, "in_channel")).toMatchObject({
      response_type: "in_channel",
      text: message.text,
      blocks: expect.arrayContaining([{ type: "header", text: expect.anything() }]),
    });
    expect(dingtalkReply(message)).toMatchObject({ msgtype: "actionCard" });
    const feishu = feishuReply(message) as { msg_type: string; content: string };
    expect(feishu.msg_type).toBe("interactive");
    expect(JSON.parse(feishu.content)).toMatchObject({ header: { template: "red" } });
    const wecom = wecomReply(message, "zhangsan", "1000002") as {
      markdown: { content: string };
    };
    expect(wecom.markdown.content).toContain("### 🔴 日报");
    expect(Buffer.byteLength(wecom.markdown.content)).toBeLessThanOrEqual(WECOM_APP_MARKDOWN_BYTES);
  });
});
