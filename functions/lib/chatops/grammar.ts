/**
 * The grammar of chat commands, in English and Chinese, as a pure parser: text in, a
 * {@link ChatCommand} or a {@link ChatParseError} out. Dates are resolved against `today`
 * (the report time zone's calendar day, given by the caller), so the parser reads no clock.
 *
 * ```
 * command   := report | send | status | ack | silence | help
 * report    := ["report"] kind date          | kindZh dateZh         preview to the asker
 * send      := "send" ["report"] kind date   | "发送" kindZh dateZh  to the report's lists
 * kind      := "daily" | "weekly" | "campaigns"
 * kindZh    := "日报" | "周报" | "活动报告"
 * date      := YYYY-MM-DD | "today" | "yesterday" | "last week" | "last" weekday
 * dateZh    := YYYY-MM-DD | "今天" | "昨天" | "上周" | "上周" ("一"…"日" | "天")
 * status    := "status" | "状态"
 * ack       := "ack" metric | "确认" metric                 metric: gmv or participants/spring-sale
 * silence   := "silence" metric duration | "静默" metric duration
 * duration  := N ("m" | "h" | "d") | N ("分钟" | "小时" | "天")   at most 7 days
 * help      := "help" | "帮助" | "?"
 * ```
 *
 * Words are case-insensitive; a leading bot mention (`@OpsPulse`, `<@U123>`) and a Slack
 * slash command name (`/opspulse`) are ignored. `last tuesday` is the latest Tuesday before
 * today (1–7 days ago); `上周二` is the Tuesday of the previous calendar week (Monday first),
 * as each language reads it. `last week` / `上周` is any day of the previous week (the weekly
 * report's period). The date is optional for `status`, required for a report.
 */
import type { Locale } from "../kpi/registry.ts";

/** The reports a command can run. */
export type ChatReportKind = "daily" | "weekly" | "campaigns";

/** A parsed command. `locale` is the language the command was written in (for the reply). */
export type ChatCommand =
  | {
      readonly kind: "report";
      readonly report: ChatReportKind;
      readonly date: string;
      /** `send`: to the report's configured lists; otherwise a preview for the asker. */
      readonly send: boolean;
      readonly locale: Locale;
    }
  | { readonly kind: "status"; readonly locale: Locale }
  | { readonly kind: "ack"; readonly metric: string; readonly locale: Locale }
  | {
      readonly kind: "silence";
      readonly metric: string;
      readonly durationMs: number;
      /** As written (`2h`, `2小时`), for the reason recorded with the silence. */
      readonly duration: string;
      readonly locale: Locale;
    }
  | { readonly kind: "help"; readonly locale: Locale };

/** The text is not a command; the message says what was expected. */
export class ChatParseError extends Error {
  override name = "ChatParseError";
  readonly locale: Locale;
  constructor(message: string, locale: Locale) {
    super(message);
    this.locale = locale;
  }
}

/** The longest silence a chat command may set (a longer one belongs in alerts.yaml). */
export const MAX_SILENCE_MS = 7 * 86_400_000;

const REPORTS_EN: Readonly<Record<string, ChatReportKind>> = {
  daily: "daily",
  weekly: "weekly",
  campaigns: "campaigns",
  campaign: "campaigns",
};
const REPORTS_ZH: Readonly<Record<string, ChatReportKind>> = {
  日报: "daily",
  周报: "weekly",
  活动报告: "campaigns",
  活动: "campaigns",
};
const WEEKDAYS_EN = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
] as const;
const WEEKDAYS_ZH = ["一", "二", "三", "四", "五", "六", "日"] as const;

/** One line each language's help reply starts with. */
export const USAGE: Readonly<Record<Locale, string>> = {
  en: "Commands: report daily|weekly|campaigns <date> (preview) · send daily|weekly|campaigns <date> · status · ack <metric> · silence <metric> <30m|2h|1d> · help. Dates: YYYY-MM-DD, today, yesterday, last week, last tuesday.",
  "zh-CN":
    "命令：日报|周报|活动报告 <日期>（预览）· 发送 日报|周报|活动报告 <日期> · 状态 · 确认 <指标> · 静默 <指标> <30分钟|2小时|1天> · 帮助。日期：YYYY-MM-DD、今天、昨天、上周、上周二。",
};

/**
 * Parses one chat message. `today` is `YYYY-MM-DD` in the report time zone.
 * @throws ChatParseError naming what was expected, in the message's language.
 */
export function parseChatCommand(text: string, today: string): ChatCommand {
  const words = tokens(text);
  const locale: Locale = /[\u4e00-\u9fff]/.test(text) ? "zh-CN" : "en";
  const fail = (en: string, zh: string): never => {
    throw new ChatParseError(
      locale === "zh-CN" ? `${zh}。${USAGE[locale]}` : `${en}. ${USAGE.en}`,
      locale,
    );
  };
  const [first, ...rest] = words;
  if (first === undefined) return { kind: "help", locale };
  switch (first) {
    case "help":
    case "帮助":
    case "?":
    case "？":
      return { kind: "help", locale };
    case "status":
    case "状态":
      if (rest.length > 0) fail(`"status" takes nothing after it`, "“状态”后面不需要参数");
      return { kind: "status", locale };
    case "ack":
    case "确认": {
      const [metric, ...extra] = rest;
      if (!metric || extra.length > 0)
        fail(`"ack" takes one metric, e.g. "ack gmv"`, "“确认”后面跟一个指标，例如“确认 gmv”");
      return { kind: "ack", metric: metric as string, locale };
    }
    case "silence":
    case "静默": {
      const [metric, duration, ...extra] = rest;
      if (!metric || !duration || extra.length > 0)
        fail(
          `"silence" takes a metric and a duration, e.g. "silence gmv 2h"`,
          "“静默”后面跟指标和时长，例如“静默 gmv 2小时”",
        );
      const durationMs = parseDuration(duration as string);
      if (durationMs === undefined)
        fail(
          `"${duration}" is not a duration: write 30m, 2h or 1d`,
          `“${duration}”不是时长：请写 30分钟、2小时 或 1天`,
        );
      if ((durationMs as number) > MAX_SILENCE_MS)
        fail(
          `"${duration}" is longer than 7 days: silence for at most 7d, or set it in alerts.yaml`,
          `“${duration}”超过 7 天：最多静默 7天，更长请改 alerts.yaml`,
        );
      return {
        kind: "silence",
        metric: metric as string,
        durationMs: durationMs as number,
        duration: duration as string,
        locale,
      };
    }
    default:
      return parseReport(words, today, locale, fail);
  }
}

function parseReport(
  words: readonly string[],
  today: string,
  locale: Locale,
  fail: (en: string, zh: string) => never,
): ChatCommand {
  let rest = [...words];
  let send = false;
  if (rest[0] === "send" || rest[0] === "发送") {
    send = true;
    rest = rest.slice(1);
  }
  if (rest[0] === "report" || rest[0] === "报告") rest = rest.slice(1);
  const [kindWord, ...dateWords] = rest;
  const report = kindWord ? (REPORTS_EN[kindWord] ?? REPORTS_ZH[kindWord]) : undefined;
  if (!report) {
    return fail(`"${words.join(" ")}" is not a command`, `“${words.join(" ")}”不是命令`);
  }
  if (dateWords.length === 0)
    fail(
      `"${kindWord}" needs a date, e.g. "report ${report} yesterday"`,
      `“${kindWord}”需要日期，例如“${kindWord} 昨天”`,
    );
  const date = parseChatDate(dateWords.join(" "), today);
  if (!date)
    fail(
      `"${dateWords.join(" ")}" is not a date: write YYYY-MM-DD, yesterday, last week or last tuesday`,
      `“${dateWords.join("")}”不是日期：请写 YYYY-MM-DD、昨天、上周 或 上周二`,
    );
  return { kind: "report", report, date: date as string, send, locale };
}

/** Resolves a date phrase against `today` (`YYYY-MM-DD`); undefined when it is none. */
export function parseChatDate(phrase: string, today: string): string | undefined {
  const text = phrase.trim().toLowerCase().replace(/\s+/g, " ");
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text
      ? text
      : undefined;
  }
  const base = new Date(`${today}T00:00:00Z`);
  const shift = (days: number) =>
    new Date(base.getTime() + days * 86_400_000).toISOString().slice(0, 10);
  // 0 = Monday … 6 = Sunday
  const todayIndex = (base.getUTCDay() + 6) % 7;
  switch (text) {
    case "today":
    case "今天":
      return today;
    case "yesterday":
    case "昨天":
      return shift(-1);
    case "last week":
    case "上周":
      return shift(-7);
  }
  const english = /^last (\w+)$/.exec(text);
  if (english) {
    const index = WEEKDAYS_EN.findIndex(
      (name) => name === english[1] || name.slice(0, 3) === english[1],
    );
    if (index < 0) return undefined;
    const back = (todayIndex - index + 7) % 7 || 7;
    return shift(-back);
  }
  const chinese = /^(?:上周|上星期|上礼拜)([一二三四五六日天])$/.exec(text);
  if (chinese) {
    const index = chinese[1] === "天" ? 6 : WEEKDAYS_ZH.indexOf(chinese[1] as "一");
    return shift(-todayIndex - 7 + index);
  }
  return undefined;
}

/** `30m`, `2h`, `1d`, `30分钟`, `2小时`, `1天` → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,4})\s*(m|min|h|d|分钟|小时|天)$/.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const amount = Number(match[1]);
  if (amount <= 0) return undefined;
  const unit = match[2] as string;
  const minutes =
    unit === "m" || unit === "min" || unit === "分钟"
      ? 1
      : unit === "h" || unit === "小时"
        ? 60
        : 1440;
  return amount * minutes * 60_000;
}

/** Lower-cased words, without a bot mention or slash command; Chinese words split from a date. */
function tokens(text: string): string[] {
  const cleaned = text
    .replace(/<@[^>]+>/g, " ") // Slack mention
    .replace(/^\s*\/\S+/, " ") // slash command name
    .replace(/@\S+/g, " ") // Feishu/DingTalk/WeCom mention
    .replace(/\u00a0|\u3000/g, " ")
    .trim()
    .toLowerCase();
  const words = cleaned.split(/\s+/).filter((word) => word.length > 0);
  // "日报昨天" → "日报", "昨天": a Chinese command word may be written without a space.
  const split: string[] = [];
  for (let word of words) {
    for (;;) {
      const prefix = ["发送", "活动报告", "日报", "周报", "确认", "静默"].find(
        (known) => word.startsWith(known) && word.length > known.length,
      );
      if (!prefix) break;
      split.push(prefix);
      word = word.slice(prefix.length);
    }
    split.push(word);
  }
  // "last week" and "last tuesday" stay two words: the date parser joins them.
  return split;
}
