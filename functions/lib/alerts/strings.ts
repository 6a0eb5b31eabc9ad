/**
 * The words of on-call emails (alerts, data alerts, failure notices) in English and
 * Simplified Chinese. Metric names come from the metric registry, numbers from the report
 * emails' formatter; only the sentences live here.
 */
import type { CompletenessIssue } from "../kpi/completeness.ts";
import type { Locale } from "../kpi/registry.ts";
import type { Measure } from "./breakdown.ts";

/** A metric's latest figure, already formatted, for subjects and titles. */
export interface Figures {
  /** Metric label, with the scope when not report-wide: `Campaign ROI [spring-sale]`. */
  readonly metric: string;
  readonly value: string;
  /** `≥ ¥120.00` or `≤ 60 min`. */
  readonly target: string;
  /** First breached period, formatted. */
  readonly since: string;
}

export interface AlertStrings {
  readonly subject: {
    readonly start: (f: Figures) => string;
    readonly reminder: (f: Figures, reminder: number) => string;
    readonly resolved: (f: Figures) => string;
    readonly error: (metric: string, period: string) => string;
    readonly data: (report: string, period: string, table: string, first: string) => string;
    readonly failure: (report: string, period: string, error: string, runId: string) => string;
  };
  readonly badge: Readonly<
    Record<"start" | "reminder" | "resolved" | "error" | "data_incomplete" | "failure", string>
  >;
  readonly title: {
    readonly start: (metric: string) => string;
    readonly reminder: (metric: string, reminder: number) => string;
    readonly resolved: (metric: string) => string;
    readonly error: (metric: string) => string;
    readonly data: (table: string) => string;
    readonly failure: (report: string) => string;
  };
  readonly intro: {
    readonly start: (report: string, period: string) => string;
    readonly reminder: (report: string, period: string) => string;
    readonly resolved: (report: string, period: string) => string;
    readonly error: (report: string, period: string) => string;
    readonly data: (report: string, period: string) => string;
    readonly failure: (report: string, period: string) => string;
  };
  readonly fact: {
    readonly latest: string;
    readonly target: string;
    readonly since: string;
    readonly firstAlert: string;
    readonly scope: string;
    readonly error: string;
    readonly run: string;
    readonly stage: string;
    readonly runLog: string;
  };
  readonly reportTitle: Readonly<Record<"day" | "week", string>>;
  /** The campaigns report's name (a daily period, but not the daily report). */
  readonly campaignsReportTitle: string;
  readonly yoyGrowth: string;
  readonly trend: (count: number, kind: "day" | "week") => string;
  readonly trendColumns: {
    readonly period: string;
    readonly value: string;
    readonly status: string;
  };
  readonly breakdown: (measure: string, current: string, previous: string) => string;
  readonly breakdownColumns: {
    readonly channel: string;
    readonly current: string;
    readonly previous: string;
    readonly change: string;
  };
  readonly movedMost: (channel: string, change: string) => string;
  readonly noBreakdown: string;
  readonly measures: Readonly<Record<Measure, string>>;
  readonly issue: (issue: CompletenessIssue, count: (n: number) => string) => string;
  readonly dataNotJudged: string;
  /** For issues of partitions before the period only: which KPIs were not judged. */
  readonly dataNotJudgedWindow: string;
  /** The notice at the top of the managers' email for an incomplete period. */
  readonly managerNotice: (issues: string, command: string) => string;
  readonly failureNoEmail: string;
  readonly command: string;
  readonly footer: (key: string, runId: string) => string;
  readonly generatedBy: string;
}

const EN: AlertStrings = {
  subject: {
    start: (f) =>
      `[OpsPulse alert] ${f.metric} breached: ${f.value} vs target ${f.target} since ${f.since}`,
    reminder: (f, n) =>
      `[OpsPulse alert] Still breached (reminder ${n}): ${f.metric} ${f.value} vs target ${f.target} since ${f.since}`,
    resolved: (f) =>
      `[OpsPulse alert] Resolved: ${f.metric} ${f.value} vs target ${f.target} (breached since ${f.since})`,
    error: (metric, period) => `[OpsPulse alert] ${metric} could not be computed for ${period}`,
    data: (report, period, table, first) =>
      `[OpsPulse data alert] ${report} ${period}: ${table} data incomplete (${first})`,
    failure: (report, period, error, runId) =>
      `[OpsPulse failure] ${report} ${period} failed: ${error} (run ${runId})`,
  },
  badge: {
    start: "BREACH",
    reminder: "STILL BREACHED",
    resolved: "RESOLVED",
    error: "METRIC ERROR",
    data_incomplete: "DATA INCOMPLETE",
    failure: "RUN FAILED",
  },
  title: {
    start: (metric) => `${metric} missed its target`,
    reminder: (metric, n) => `${metric} still misses its target (reminder ${n})`,
    resolved: (metric) => `${metric} is back on target`,
    error: (metric) => `${metric} could not be computed`,
    data: (table) => `Incomplete data in ${table}`,
    failure: (report) => `The ${report} failed`,
  },
  intro: {
    start: (report, period) => `The ${report} for ${period} judged this KPI as breached.`,
    reminder: (report, period) => `The ${report} for ${period} still judges this KPI as breached.`,
    resolved: (report, period) => `The ${report} for ${period} judges this KPI as met again.`,
    error: (report, period) => `The ${report} for ${period} could not compute this KPI.`,
    data: (report, period) =>
      `The ${report} for ${period} did not judge its KPIs: its input data failed the completeness check. Managers were told so in their email.`,
    failure: (report, period) => `The ${report} for ${period} stopped with an error.`,
  },
  fact: {
    latest: "Latest value",
    target: "Target",
    since: "Breached since",
    firstAlert: "First alert",
    scope: "Scope",
    error: "Error",
    run: "Run",
    stage: "Stage",
    runLog: "Run log",
  },
  reportTitle: { day: "daily report", week: "weekly report" },
  campaignsReportTitle: "campaigns report",
  yoyGrowth: "growth vs a year earlier",
  trend: (count, kind) => `Trend, last ${count} ${kind === "day" ? "days" : "weeks"}`,
  trendColumns: { period: "Period", value: "Value", status: "Status" },
  breakdown: (measure, current, previous) => `${measure} by channel, ${current} vs ${previous}`,
  breakdownColumns: { channel: "Channel", current: "Now", previous: "Before", change: "Change" },
  movedMost: (channel, change) => `Moved most: ${channel} (${change}).`,
  noBreakdown: "No channel activity in either period.",
  measures: {
    active_users: "Active users",
    new_users: "New users",
    events: "Events",
    paid_orders: "Paid orders",
    gmv: "GMV",
  },
  issue: (issue, count) => {
    const where = `${issue.table} dt=${issue.partition}`;
    const expected =
      issue.expectedRows === undefined ? "" : `, median of past weeks ${count(issue.expectedRows)}`;
    const readBy = issue.readBy
      ? ` (read by ${listed(issue.readBy, (n) => ` and ${n} more`)})`
      : "";
    switch (issue.kind) {
      case "missing_partition":
        return `${where} missing: 0 rows${expected}${readBy}`;
      case "thin_partition":
        return `${where} thin: ${count(issue.rows)} rows${expected}${readBy}`;
      case "stale_data":
        return `${where} stale: newest record ${issue.newestTime ?? "none"}`;
    }
  },
  dataNotJudged: "No KPI of this period raised a breach alert: it was not judged.",
  dataNotJudgedWindow:
    "The KPIs whose windows read this partition were marked data incomplete and raised no breach alert; the others were judged as usual.",
  managerNotice: (issues, command) =>
    `Data incomplete: ${issues}. The KPIs marked "data incomplete" read this data: they may be understated and were not judged against their targets; on-call has been told. Re-run once the data has arrived: ${command}`,
  failureNoEmail:
    "No report email was sent for this period. Fix the cause, then re-run the report with the command below.",
  command: "Re-run the report for this period",
  footer: (key, runId) => `Alert ${key} · run ${runId}`,
  generatedBy: "Sent by OpsPulse to on-call. Each alert is sent once; replies are not read.",
};

const ZH: AlertStrings = {
  subject: {
    start: (f) =>
      `[OpsPulse 告警] ${f.metric} 未达标：${f.value}，目标 ${f.target}，自 ${f.since} 起`,
    reminder: (f, n) =>
      `[OpsPulse 告警] 持续未达标（第 ${n} 次提醒）：${f.metric} ${f.value}，目标 ${f.target}，自 ${f.since} 起`,
    resolved: (f) =>
      `[OpsPulse 告警] 已恢复：${f.metric} ${f.value}，目标 ${f.target}（自 ${f.since} 起未达标）`,
    error: (metric, period) => `[OpsPulse 告警] ${metric} 无法计算（${period}）`,
    data: (report, period, table, first) =>
      `[OpsPulse 数据告警] ${report} ${period}：${table} 数据不完整（${first}）`,
    failure: (report, period, error, runId) =>
      `[OpsPulse 运行失败] ${report} ${period}：${error}（运行 ${runId}）`,
  },
  badge: {
    start: "未达标",
    reminder: "持续未达标",
    resolved: "已恢复",
    error: "指标错误",
    data_incomplete: "数据不完整",
    failure: "运行失败",
  },
  title: {
    start: (metric) => `${metric} 未达到目标`,
    reminder: (metric, n) => `${metric} 仍未达到目标（第 ${n} 次提醒）`,
    resolved: (metric) => `${metric} 已恢复达标`,
    error: (metric) => `${metric} 无法计算`,
    data: (table) => `${table} 数据不完整`,
    failure: (report) => `${report}运行失败`,
  },
  intro: {
    start: (report, period) => `${period} 的${report}判定该指标未达标。`,
    reminder: (report, period) => `${period} 的${report}判定该指标仍未达标。`,
    resolved: (report, period) => `${period} 的${report}判定该指标已恢复达标。`,
    error: (report, period) => `${period} 的${report}无法计算该指标。`,
    data: (report, period) =>
      `${period} 的${report}未对指标作出判定：输入数据未通过完整性检查。管理者邮件中已注明。`,
    failure: (report, period) => `${period} 的${report}因错误中止。`,
  },
  fact: {
    latest: "最新值",
    target: "目标",
    since: "未达标起始",
    firstAlert: "首次告警",
    scope: "范围",
    error: "错误",
    run: "运行",
    stage: "阶段",
    runLog: "运行日志",
  },
  reportTitle: { day: "每日报告", week: "每周报告" },
  campaignsReportTitle: "活动报告",
  yoyGrowth: "同比增长",
  trend: (count, kind) => `近 ${count} ${kind === "day" ? "天" : "周"}趋势`,
  trendColumns: { period: "周期", value: "数值", status: "状态" },
  breakdown: (measure, current, previous) => `各渠道${measure}：${current} 对比 ${previous}`,
  breakdownColumns: { channel: "渠道", current: "本期", previous: "上期", change: "变化" },
  movedMost: (channel, change) => `变化最大：${channel}（${change}）。`,
  noBreakdown: "两个周期均无渠道数据。",
  measures: {
    active_users: "活跃用户",
    new_users: "新增用户",
    events: "事件数",
    paid_orders: "支付订单数",
    gmv: "成交额",
  },
  issue: (issue, count) => {
    const where = `${issue.table} dt=${issue.partition}`;
    const expected =
      issue.expectedRows === undefined ? "" : `，前几周中位数 ${count(issue.expectedRows)}`;
    const readBy = issue.readBy ? `（影响 ${listed(issue.readBy, (n) => ` 等另外 ${n} 项`)}）` : "";
    switch (issue.kind) {
      case "missing_partition":
        return `${where} 缺失：0 行${expected}${readBy}`;
      case "thin_partition":
        return `${where} 数据过少：${count(issue.rows)} 行${expected}${readBy}`;
      case "stale_data":
        return `${where} 数据滞后：最新记录 ${issue.newestTime ?? "无"}`;
    }
  },
  dataNotJudged: "本周期未作判定，因此没有任何指标触发未达标告警。",
  dataNotJudgedWindow:
    "窗口读取了该分区的指标已标为“数据不完整”，未触发未达标告警；其他指标照常评判。",
  managerNotice: (issues, command) =>
    `数据不完整：${issues}。标为“数据不完整”的指标读取了这些数据，可能偏低，未按目标评判；已通知值班人员。数据补齐后请重新运行：${command}`,
  failureNoEmail: "本周期未发送报告邮件。请排除原因后，用下方命令重新运行报告。",
  command: "重新运行本周期报告",
  footer: (key, runId) => `告警 ${key} · 运行 ${runId}`,
  generatedBy: "由 OpsPulse 发送给值班人员。每条告警只发送一次；请勿回复。",
};

export const ALERT_STRINGS: Readonly<Record<Locale, AlertStrings>> = { en: EN, "zh-CN": ZH };

/** At most six metric ids, then how many more (`wau, mau, … and 4 more`). */
function listed(ids: readonly string[], more: (n: number) => string): string {
  const shown = ids.slice(0, 6).join(", ");
  return ids.length > 6 ? `${shown}${more(ids.length - 6)}` : shown;
}

/** What people call a report: the campaigns report is daily, but not "the daily report". */
export function reportTitleOf(
  strings: AlertStrings,
  report: string | undefined,
  kind: "day" | "week",
): string {
  return report === "campaigns" ? strings.campaignsReportTitle : strings.reportTitle[kind];
}
