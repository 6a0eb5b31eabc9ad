import { describe, expect, it } from "vitest";
import {
  ChatParseError,
  MAX_SILENCE_MS,
  parseChatCommand,
  parseChatDate,
  parseDuration,
} from "../../../functions/lib/chatops/grammar.ts";

/** A Thursday. */
const TODAY = "2026-11-26";

describe("parseChatCommand", () => {
  it.each([
    ["report daily 2026-11-20", "daily", "2026-11-20", false, "en"],
    ["daily yesterday", "daily", "2026-11-25", false, "en"],
    ["Report Weekly last week", "weekly", "2026-11-19", false, "en"],
    ["report campaigns last tuesday", "campaigns", "2026-11-24", false, "en"],
    ["report daily last thursday", "daily", "2026-11-19", false, "en"],
    ["send daily today", "daily", "2026-11-26", true, "en"],
    ["send report weekly 2026-11-16", "weekly", "2026-11-16", true, "en"],
    ["/opspulse report daily yesterday", "daily", "2026-11-25", false, "en"],
    ["<@U0BOT> report daily yesterday", "daily", "2026-11-25", false, "en"],
    ["日报 2026-11-20", "daily", "2026-11-20", false, "zh-CN"],
    ["日报 昨天", "daily", "2026-11-25", false, "zh-CN"],
    ["日报昨天", "daily", "2026-11-25", false, "zh-CN"],
    ["周报 上周", "weekly", "2026-11-19", false, "zh-CN"],
    ["活动报告 上周二", "campaigns", "2026-11-17", false, "zh-CN"],
    ["日报 上周日", "daily", "2026-11-22", false, "zh-CN"],
    ["@OpsPulse 发送 日报 今天", "daily", "2026-11-26", true, "zh-CN"],
    ["发送日报昨天", "daily", "2026-11-25", true, "zh-CN"],
  ])("%s", (text, report, date, send, locale) => {
    expect(parseChatCommand(text, TODAY)).toEqual({ kind: "report", report, date, send, locale });
  });

  it("reads status, ack, silence and help in both languages", () => {
    expect(parseChatCommand("status", TODAY)).toEqual({ kind: "status", locale: "en" });
    expect(parseChatCommand("状态", TODAY)).toEqual({ kind: "status", locale: "zh-CN" });
    expect(parseChatCommand("ack gmv", TODAY)).toEqual({
      kind: "ack",
      metric: "gmv",
      locale: "en",
    });
    expect(parseChatCommand("确认 participants/spring-sale", TODAY)).toEqual({
      kind: "ack",
      metric: "participants/spring-sale",
      locale: "zh-CN",
    });
    expect(parseChatCommand("silence gmv 2h", TODAY)).toEqual({
      kind: "silence",
      metric: "gmv",
      durationMs: 2 * 3_600_000,
      duration: "2h",
      locale: "en",
    });
    expect(parseChatCommand("静默 gmv 30分钟", TODAY)).toMatchObject({
      kind: "silence",
      durationMs: 30 * 60_000,
      locale: "zh-CN",
    });
    expect(parseChatCommand("help", TODAY)).toEqual({ kind: "help", locale: "en" });
    expect(parseChatCommand("帮助", TODAY)).toEqual({ kind: "help", locale: "zh-CN" });
    expect(parseChatCommand("  ", TODAY)).toEqual({ kind: "help", locale: "en" });
  });

  it.each([
    ["report hourly yesterday", /"report hourly yesterday" is not a command\. Commands:/],
    ["report daily", /"daily" needs a date/],
    ["report daily 2026-02-30", /"2026-02-30" is not a date/],
    ["report daily last funday", /"last funday" is not a date/],
    ["ack", /"ack" takes one metric/],
    ["silence gmv", /"silence" takes a metric and a duration/],
    ["silence gmv forever", /"forever" is not a duration/],
    ["silence gmv 8d", /longer than 7 days/],
    ["status now", /"status" takes nothing/],
    ["日报 明年", /不是日期/],
    ["静默 gmv 一会儿", /不是时长/],
  ])("refuses %s with a message saying what was expected", (text, message) => {
    let error: unknown;
    try {
      parseChatCommand(text, TODAY);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ChatParseError);
    expect((error as Error).message).toMatch(message);
  });

  it("answers a Chinese mistake in Chinese", () => {
    expect(() => parseChatCommand("日报 明年", TODAY)).toThrow(/命令：/);
  });
});

describe("parseChatDate", () => {
  it("resolves last <weekday> to 1–7 days ago and 上周X to the previous calendar week", () => {
    // Monday 2026-11-23: "last monday" is a week ago, 上周一 too; "last sunday" is yesterday.
    expect(parseChatDate("last monday", "2026-11-23")).toBe("2026-11-16");
    expect(parseChatDate("last sun", "2026-11-23")).toBe("2026-11-22");
    expect(parseChatDate("上周一", "2026-11-23")).toBe("2026-11-16");
    expect(parseChatDate("上周日", "2026-11-23")).toBe("2026-11-22");
    // Sunday 2026-11-29: 上周二 is 11-17 (the week before this Monday-first week), "last tuesday" 11-24.
    expect(parseChatDate("上周二", "2026-11-29")).toBe("2026-11-17");
    expect(parseChatDate("last tuesday", "2026-11-29")).toBe("2026-11-24");
    expect(parseChatDate("yesterday", "2026-01-01")).toBe("2025-12-31");
  });
});

describe("parseDuration", () => {
  it("reads minutes, hours and days in both languages", () => {
    expect(parseDuration("45m")).toBe(45 * 60_000);
    expect(parseDuration("2小时")).toBe(2 * 3_600_000);
    expect(parseDuration("7d")).toBe(MAX_SILENCE_MS);
    expect(parseDuration("1天")).toBe(86_400_000);
    expect(parseDuration("0h")).toBeUndefined();
  });
});
