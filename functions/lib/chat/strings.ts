/**
 * The words of chat messages (alert cards, the daily summary card, chat failure notices) in
 * English and Simplified Chinese. Metric names come from the metric registry and numbers from
 * the report emails' formatter; only the short sentences live here.
 */
import type { Locale } from "../kpi/registry.ts";

export interface ChatStrings {
  /** The tag before an alert card's title: `[PAGE]`, `【紧急】`. */
  readonly severity: Readonly<Record<"page" | "notify", string>>;
  readonly report: Readonly<Record<string, string>>;
  readonly alertTitle: (count: number, report: string, period: string) => string;
  readonly kind: {
    readonly new: string;
    readonly ongoing: (days: number) => string;
    readonly resolved: string;
    readonly error: string;
    readonly data: string;
  };
  readonly versus: (value: string, target: string) => string;
  readonly since: (period: string) => string;
  readonly driver: (text: string) => string;
  readonly acked: (by: string, at: string) => string;
  readonly more: (count: number) => string;
  readonly summaryTitle: (report: string, period: string) => string;
  readonly allMet: string;
  readonly dashboard: string;
  readonly rerun: string;
  readonly ack: string;
  readonly run: (runId: string) => string;
  readonly failureTitle: (contactPoint: string) => string;
  readonly failureIntro: (contactPoint: string, type: string, key: string) => string;
}

const EN: ChatStrings = {
  severity: { page: "[PAGE]", notify: "[Digest]" },
  report: { daily: "Daily report", weekly: "Weekly report", campaigns: "Campaigns report" },
  alertTitle: (count, report, period) =>
    `${count} alert${count === 1 ? "" : "s"} · ${report} · ${period}`,
  kind: {
    new: "new today",
    ongoing: (days) => `day ${days}`,
    resolved: "resolved",
    error: "could not be computed",
    data: "data incomplete",
  },
  versus: (value, target) => `${value} vs target ${target}`,
  since: (period) => `since ${period}`,
  driver: (text) => `top driver: ${text}`,
  acked: (by, at) => `acked by ${by} at ${at}`,
  more: (count) => `…and ${count} more (see the email)`,
  summaryTitle: (report, period) => `${report} · ${period}`,
  allMet: "Every judged KPI met its target.",
  dashboard: "Open the dashboard",
  rerun: "Re-run",
  ack: "Ack",
  run: (runId) => `OpsPulse · run ${runId}`,
  failureTitle: (contactPoint) => `Chat message refused by ${contactPoint}`,
  failureIntro: (contactPoint, type, key) =>
    `The ${type} contact point "${contactPoint}" refused message ${key} as malformed; it is not retried. Check the robot's settings (keywords, signing, IP allow-list) and the run log.`,
};

const ZH: ChatStrings = {
  severity: { page: "【紧急】", notify: "【汇总】" },
  report: { daily: "日报", weekly: "周报", campaigns: "活动报告" },
  alertTitle: (count, report, period) => `${count} 条告警 · ${report} · ${period}`,
  kind: {
    new: "今日新增",
    ongoing: (days) => `第 ${days} 天`,
    resolved: "已恢复",
    error: "无法计算",
    data: "数据不完整",
  },
  versus: (value, target) => `${value}，目标 ${target}`,
  since: (period) => `自 ${period} 起`,
  driver: (text) => `主要原因：${text}`,
  acked: (by, at) => `${by} 已于 ${at} 确认`,
  more: (count) => `……另有 ${count} 条（见邮件）`,
  summaryTitle: (report, period) => `${report} · ${period}`,
  allMet: "所有已评估指标均达标。",
  dashboard: "打开看板",
  rerun: "重新运行",
  ack: "确认",
  run: (runId) => `OpsPulse · 运行 ${runId}`,
  failureTitle: (contactPoint) => `聊天消息被 ${contactPoint} 拒收`,
  failureIntro: (contactPoint, type, key) =>
    `${type} 联系点“${contactPoint}”以格式错误拒收了消息 ${key}，不会重试。请检查机器人的设置（关键词、加签、IP 白名单）和运行日志。`,
};

export const CHAT_STRINGS: Readonly<Record<Locale, ChatStrings>> = { en: EN, "zh-CN": ZH };
