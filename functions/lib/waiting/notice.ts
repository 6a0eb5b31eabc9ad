/**
 * What waiting for complete data says to people: on-call's one "waiting for data" notice
 * (the alert template, at the first check that found the data incomplete) and the line that
 * heads the managers' email when the report waited ("sent at 09:10 after waiting 70 min for
 * orders data").
 */
import { type AlertViewModel, renderAlertText } from "../alerts/render.ts";
import { ALERT_STRINGS } from "../alerts/strings.ts";
import type { CompletenessIssue } from "../kpi/completeness.ts";
import type { Locale } from "../kpi/registry.ts";
import type { Period } from "../kpi/windows.ts";
import type { ReportNotice } from "../report/email/model.ts";
import type { CompiledTemplate } from "../report/email/template.ts";
import { formatDuration } from "./policy.ts";

/** What the waiting notice tells on-call. */
export interface WaitingNoticeInput {
  readonly report: string;
  readonly period: Period;
  readonly periodKey: string;
  readonly runId: string;
  readonly missing: readonly CompletenessIssue[];
  readonly nextCheckAt: Date;
  readonly deadline: Date;
  readonly intervalMs: number;
  readonly locale: Locale;
  readonly rerunCommand: string;
}

interface WaitingStrings {
  subject(report: string, period: string, tables: string, deadline: string): string;
  badge: string;
  title(report: string): string;
  intro(report: string, period: string): string;
  missing: string;
  nextCheck: string;
  deadline: string;
  interval: string;
  note: string;
  /** `tables` empty: which data is not known (a late duplicate of the first check). */
  waited(sentAt: string, minutes: number, tables: string): string;
}

const STRINGS: Readonly<Record<Locale, WaitingStrings>> = {
  en: {
    subject: (report, period, tables, deadline) =>
      `[OpsPulse] Waiting for ${tables} data: ${report} ${period} held until it is complete (at the latest ${deadline})`,
    badge: "WAITING FOR DATA",
    title: (report) => `The ${report} is waiting for complete data`,
    intro: (report, period) =>
      `The ${report} for ${period} found its data incomplete at the scheduled time. Managers get nothing yet: the run checks again until the data is complete, then sends the report as usual.`,
    missing: "Still missing",
    nextCheck: "Next check",
    deadline: "Sent anyway at",
    interval: "Checks every",
    note: "You get this notice once per period. If the data is still incomplete at the deadline, the report goes out marked incomplete and you are paged with what is missing.",
    waited: (sentAt, minutes, tables) =>
      `Sent at ${sentAt} after waiting ${minutes} min for ${tables || "complete"} data.`,
  },
  "zh-CN": {
    subject: (report, period, tables, deadline) =>
      `[OpsPulse] 等待 ${tables} 数据：${period} ${report}暂缓发送，数据完整后发出（最迟 ${deadline}）`,
    badge: "等待数据",
    title: (report) => `${report}正在等待完整数据`,
    intro: (report, period) =>
      `${period} 的${report}在计划时间发现数据不完整。管理层暂不会收到报告：系统会定时重新检查，数据完整后照常发送。`,
    missing: "仍缺少",
    nextCheck: "下次检查",
    deadline: "最迟发送时间",
    interval: "检查间隔",
    note: "每个周期只发送一次此通知。若截止时数据仍不完整，报告将标注“数据不完整”发出，并向值班人员发送缺失内容的告警。",
    waited: (sentAt, minutes, tables) =>
      `因等待${tables ? ` ${tables} ` : "完整"}数据 ${minutes} 分钟，于 ${sentAt} 发送。`,
  },
};

const BADGE = { color: "#1e293b", background: "#bae6fd" };
const NOTE = { color: "#64748b", background: "#f8fafc" };

/** `HH:mm` of `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(at);
}

/** `orders` or `orders, events`: the tables of `issues`, each once, in order. */
export function tablesOf(issues: readonly { readonly table: string }[]): string[] {
  return [...new Set(issues.map((issue) => issue.table))];
}

/** The view model of on-call's "waiting for data" notice (the alert template's). */
export function buildWaitingModel(input: WaitingNoticeInput): AlertViewModel {
  const strings = STRINGS[input.locale];
  const alerts = ALERT_STRINGS[input.locale];
  const report = alerts.reportTitle[input.period.kind];
  const zone = input.period.timeZone;
  const at = (date: Date) => `${localTime(date, zone)} ${zone}`;
  const key = waitingNoticeKey(input.report, input.periodKey);
  return {
    lang: input.locale,
    subject: strings.subject(
      report,
      input.periodKey,
      tablesOf(input.missing).join(", "),
      at(input.deadline),
    ),
    preview: input.missing.map((issue) => issue.message).join("; "),
    badge: { text: strings.badge, ...BADGE },
    title: strings.title(report),
    intro: strings.intro(report, input.periodKey),
    facts: [
      ...input.missing.map((issue) => ({ label: strings.missing, value: issue.message })),
      { label: strings.nextCheck, value: at(input.nextCheckAt) },
      { label: strings.interval, value: formatDuration(input.intervalMs) },
      { label: strings.deadline, value: at(input.deadline) },
      { label: alerts.fact.run, value: input.runId },
    ],
    notes: [{ text: strings.note, ...NOTE }],
    trend: null,
    breakdown: null,
    command: { heading: alerts.command, text: input.rerunCommand },
    footer: alerts.footer(key, input.runId),
    generatedBy: alerts.generatedBy,
  };
}

/** Renders the waiting notice with the compiled alert template. */
export function renderWaitingNotice(input: WaitingNoticeInput, template: CompiledTemplate) {
  const model = buildWaitingModel(input);
  return { subject: model.subject, html: template.render(model), text: renderAlertText(model) };
}

/** The delivery key of the period's one waiting notice: `waiting:daily:2026-03-02`. */
export function waitingNoticeKey(report: string, periodKey: string): string {
  return `waiting:${report}:${periodKey}`;
}

/** The managers' line when the report waited: sent at HH:mm after N min for T data. */
export function waitedNotice(
  sentAt: Date,
  scheduledAt: Date,
  tables: readonly string[],
  timeZone: string,
): ReportNotice {
  const minutes = Math.max(0, Math.round((sentAt.getTime() - scheduledAt.getTime()) / 60_000));
  const time = localTime(sentAt, timeZone);
  const text = (locale: Locale) => STRINGS[locale].waited(time, minutes, tables.join(", "));
  return { level: "info", text: { en: text("en"), "zh-CN": text("zh-CN") } };
}
