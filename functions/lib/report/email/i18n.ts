/**
 * The words and number formats of the report emails, in English and Simplified Chinese.
 * Metric and section names are not here: they come from the metric registry.
 */
import { elementLabel } from "../../kpi/dimensions.ts";
import type { Driver } from "../../kpi/drivers.ts";
import type { InsufficientReason, Status } from "../../kpi/evaluate.ts";
import type { Locale } from "../../kpi/registry.ts";
import { UNIT_WORDS, type ValueFormatter } from "../value-format.ts";

// The value formats live beside the report (chat cards use them without the email strings).
export { EMPTY_VALUE, type ValueFormatter, valueFormatter } from "../value-format.ts";

/** The fixed texts of an email, per locale. */
export interface EmailStrings {
  readonly reportTitle: Readonly<Record<"day" | "week", string>>;
  readonly campaignsReportTitle: string;
  readonly status: Readonly<Record<Status, string>>;
  readonly statusCount: (status: Status, count: number) => string;
  readonly subject: (parts: {
    readonly title: string;
    readonly period: string;
    readonly breaches: number;
    /** Some metrics were not judged: their input data is incomplete. */
    readonly dataIncomplete: boolean;
    readonly correction: boolean;
  }) => string;
  readonly needsAttention: string;
  readonly allClear: string;
  readonly headline: string;
  readonly metric: string;
  readonly value: string;
  readonly vsPrevious: Readonly<Record<"day" | "week", string>>;
  readonly vsYearEarlier: string;
  /** In place of a delta whose comparison window starts before the lake's first day. */
  readonly noFullBaseline: string;
  readonly statusHeader: string;
  readonly target: string;
  readonly targetPerMonth: (threshold: string, monthly: string) => string;
  readonly yearOnYear: string;
  /** A `yoy_growth` target's measure: "YoY growth". */
  readonly yoyGrowth: string;
  readonly insufficient: (
    reason: InsufficientReason | "no_data",
    sample?: string,
    min?: string,
  ) => string;
  /** Why a metric was not judged: the incomplete tables it reads. */
  readonly dataIncomplete: (tables: string) => string;
  readonly moreDetails: string;
  readonly moreRows: (count: number) => string;
  readonly moreAttention: (count: number) => string;
  readonly scope: string;
  readonly week: string;
  readonly footnotes: {
    readonly window: (
      period: string,
      zone: string,
      from: string,
      to: string,
      partitions: string,
    ) => string;
    readonly comparisons: (previous: string, yearEarlier: string) => string;
    readonly storedAs: (key: string, revision: number) => string;
    readonly none: string;
    readonly targets: (configVersion: string, minSample: string, currency: string) => string;
    readonly run: (runId: string, snapshot: string, command: string) => string;
    readonly dryRun: string;
  };
  readonly correction: (revision: number) => string;
  /** "unusual for a Tuesday: normal 340–381" (`when`: an English weekday, week, recent days). */
  readonly unusual: (when: string, value: string, lower: string, upper: string) => string;
  /** "app channel: −41 % and 78 % of the drop". */
  /**
   * One driver: its own change and its share of the metric's change; `share` undefined:
   * it moved more than the whole change (other elements moved the other way), where a
   * share above 100 % would read as an error.
   */
  readonly driver: (
    element: string,
    change: string,
    share: string | undefined,
    fell: boolean,
  ) => string;
  /** A segment with no baseline (its change is not a percentage). */
  readonly newSegment: string;
  readonly generatedBy: (listName: string) => string;
  readonly units: {
    readonly minutes: string;
    readonly percentPoints: string;
    readonly times: string;
  };
}

const ZH_WHEN: Readonly<Record<string, string>> = {
  Monday: "周一",
  Tuesday: "周二",
  Wednesday: "周三",
  Thursday: "周四",
  Friday: "周五",
  Saturday: "周六",
  Sunday: "周日",
  week: "近几周",
  "recent days": "近几日",
};

const EN: EmailStrings = {
  unusual: (when, value, lower, upper) =>
    `unusual for ${when === "recent days" ? "the recent days" : `a ${when}`}: ${value}, normal ${lower}–${upper}`,
  driver: (element, change, share, fell) =>
    share === undefined
      ? `${element}: ${change}, more than the whole ${fell ? "drop" : "rise"} (others moved the other way)`
      : `${element}: ${change} and ${share} of the ${fell ? "drop" : "rise"}`,
  newSegment: "new",
  reportTitle: { day: "Daily KPI report", week: "Weekly KPI report" },
  campaignsReportTitle: "Campaign ROI report",
  status: {
    met: "Met",
    warning: "Warning",
    breach: "Breach",
    anomaly: "Unusual",
    data_incomplete: "Data incomplete",
    insufficient_data: "Insufficient data",
    no_target: "",
    tracking: "Tracking",
  },
  statusCount: (status, count) => {
    const noun: Record<Status, [string, string]> = {
      breach: ["breach", "breaches"],
      warning: ["warning", "warnings"],
      anomaly: ["unusual", "unusual"],
      met: ["met", "met"],
      data_incomplete: ["data incomplete", "data incomplete"],
      insufficient_data: ["insufficient data", "insufficient data"],
      no_target: ["without target", "without target"],
      tracking: ["tracking", "tracking"],
    };
    return `${count} ${noun[status][count === 1 ? 0 : 1]}`;
  },
  subject: ({ title, period, breaches, dataIncomplete, correction }) =>
    `[OpsPulse] ${correction ? "Correction: " : ""}${title} · ${period} · ${
      breaches === 0 ? "no breaches" : `${breaches} ${breaches === 1 ? "breach" : "breaches"}`
    }${dataIncomplete ? " · data incomplete" : ""}`,
  needsAttention: "NEEDS ATTENTION",
  allClear: "Every KPI with a target is on track.",
  headline: "HEADLINE KPIS",
  metric: "Metric",
  value: "Value",
  vsPrevious: { day: "vs prev. day", week: "vs prev. week" },
  vsYearEarlier: "vs last year",
  noFullBaseline: "no full baseline",
  statusHeader: "Status",
  target: "Target",
  targetPerMonth: (threshold, monthly) => `Target ${threshold} to date (${monthly} a month)`,
  yearOnYear: "YoY",
  yoyGrowth: "YoY growth",
  insufficient: (reason, sample, min) => {
    switch (reason) {
      case "below_min_sample":
        return `sample ${sample ?? "?"} below the minimum ${min ?? "?"}`;
      case "no_year_earlier_value":
        return "no value a year earlier to compare with";
      case "no_full_baseline":
        return "no full baseline a year earlier (the lake starts inside that window)";
      case "no_month_share":
        return "no month-to-date basis";
      default:
        return sample !== undefined
          ? `sample ${sample} below the minimum ${min ?? "?"}`
          : "no data";
    }
  },
  dataIncomplete: (tables) =>
    `not judged: its input data (${tables}) is incomplete for this period`,
  moreDetails: "More details",
  moreRows: (count) => `… and ${count} more on the dashboard`,
  moreAttention: (count) => `… and ${count} more in the tables below`,
  scope: "Scope",
  week: "Week",
  footnotes: {
    window: (period, zone, from, to, partitions) =>
      `Period ${period} in ${zone}: UTC ${from} to ${to} (partitions ${partitions}).`,
    comparisons: (previous, yearEarlier) =>
      `Changes compare with the stored snapshots of the previous period (${previous}) and of the same period a year earlier (${yearEarlier}).`,
    storedAs: (key, revision) => `${key}, revision ${revision}`,
    none: "none stored",
    targets: (configVersion, minSample, currency) =>
      `Targets from config ${configVersion}; a ratio whose denominator is below ${minSample} is shown as insufficient data. Money in ${currency}.`,
    run: (runId, snapshot, command) => `Run ${runId} · snapshot ${snapshot} · re-run: ${command}`,
    dryRun: "not stored (dry run)",
  },
  correction: (revision) =>
    `Correction: this report replaces the one sent earlier for this period (snapshot revision ${revision}).`,
  generatedBy: (listName) =>
    `Sent by OpsPulse to the "${listName}" list. This is an automated report; please do not reply.`,
  units: UNIT_WORDS.en,
};

const ZH: EmailStrings = {
  unusual: (when, value, lower, upper) =>
    `${ZH_WHEN[when] ?? when}异常：${value}，正常范围 ${lower}–${upper}`,
  driver: (element, change, share, fell) =>
    share === undefined
      ? `${element}：${change}，超过全部${fell ? "降幅" : "增幅"}（其余反向变动）`
      : `${element}：${change}，占${fell ? "降幅" : "增幅"} ${share}`,
  newSegment: "新增",
  reportTitle: { day: "每日 KPI 报告", week: "每周 KPI 报告" },
  campaignsReportTitle: "活动 ROI 报告",
  status: {
    met: "达标",
    warning: "预警",
    breach: "未达标",
    anomaly: "异常",
    data_incomplete: "数据不完整",
    insufficient_data: "数据不足",
    no_target: "",
    tracking: "跟踪中",
  },
  statusCount: (status, count) => {
    const noun: Record<Status, string> = {
      breach: "未达标",
      warning: "预警",
      anomaly: "异常",
      met: "达标",
      data_incomplete: "数据不完整",
      insufficient_data: "数据不足",
      no_target: "无目标",
      tracking: "跟踪中",
    };
    return `${count} 项${noun[status]}`;
  },
  subject: ({ title, period, breaches, dataIncomplete, correction }) =>
    `[OpsPulse] ${correction ? "更正：" : ""}${title} · ${period} · ${
      breaches === 0 ? "无未达标指标" : `${breaches} 项未达标`
    }${dataIncomplete ? " · 数据不完整" : ""}`,
  needsAttention: "需要关注",
  allClear: "所有设定目标的指标均在正常范围内。",
  headline: "核心指标",
  metric: "指标",
  value: "数值",
  vsPrevious: { day: "较前一日", week: "较上周" },
  vsYearEarlier: "较去年同期",
  noFullBaseline: "无完整基期",
  statusHeader: "状态",
  target: "目标",
  targetPerMonth: (threshold, monthly) => `目标 截至当日 ${threshold}（每月 ${monthly}）`,
  yearOnYear: "同比",
  yoyGrowth: "同比增长",
  insufficient: (reason, sample, min) => {
    switch (reason) {
      case "below_min_sample":
        return `样本量 ${sample ?? "?"} 低于最低要求 ${min ?? "?"}`;
      case "no_year_earlier_value":
        return "无去年同期数据可比";
      case "no_full_baseline":
        return "去年同期无完整基期（数据湖始于该窗口之内）";
      case "no_month_share":
        return "无本月累计基准";
      default:
        return sample !== undefined ? `样本量 ${sample} 低于最低要求 ${min ?? "?"}` : "无数据";
    }
  },
  dataIncomplete: (tables) => `未评判：本周期输入数据（${tables}）不完整`,
  moreDetails: "更多明细",
  moreRows: (count) => `… 另有 ${count} 行，见运营看板`,
  moreAttention: (count) => `… 另有 ${count} 项，见下方表格`,
  scope: "范围",
  week: "周",
  footnotes: {
    window: (period, zone, from, to, partitions) =>
      `统计周期 ${period}（${zone}）：UTC ${from} 至 ${to}（分区 ${partitions}）。`,
    comparisons: (previous, yearEarlier) =>
      `环比与同比数据取自已存储的上一周期快照（${previous}）和去年同期快照（${yearEarlier}）。`,
    storedAs: (key, revision) => `${key}，第 ${revision} 版`,
    none: "无",
    targets: (configVersion, minSample, currency) =>
      `目标取自配置 ${configVersion}；分母低于 ${minSample} 的比率显示为数据不足。金额单位 ${currency}。`,
    run: (runId, snapshot, command) => `运行 ${runId} · 快照 ${snapshot} · 重新运行：${command}`,
    dryRun: "未存储（试运行）",
  },
  correction: (revision) => `更正：本报告替换此前发送的同期报告（快照第 ${revision} 版）。`,
  generatedBy: (listName) => `由 OpsPulse 自动发送至「${listName}」列表，请勿直接回复。`,
  units: UNIT_WORDS["zh-CN"],
};

export const STRINGS: Readonly<Record<Locale, EmailStrings>> = { en: EN, "zh-CN": ZH };

/** Colours of each status: text/dot colour and a light background. */
export const STATUS_COLORS: Readonly<Record<Status, { color: string; background: string }>> = {
  met: { color: "#15803d", background: "#dcfce7" },
  warning: { color: "#b45309", background: "#fef3c7" },
  breach: { color: "#b91c1c", background: "#fee2e2" },
  // Outside the baseline band: orange, between a breach and a warning.
  anomaly: { color: "#c2410c", background: "#ffedd5" },
  // Not a judgement of the KPI: a colour of its own, apart from the red-amber-green scale.
  data_incomplete: { color: "#6d28d9", background: "#ede9fe" },
  insufficient_data: { color: "#64748b", background: "#f1f5f9" },
  no_target: { color: "#94a3b8", background: "#f1f5f9" },
  tracking: { color: "#0369a1", background: "#e0f2fe" },
};

/** Colours of a change: good news, bad news, neither. */
export const CHANGE_COLORS = { better: "#15803d", worse: "#b91c1c", neutral: "#64748b" } as const;

/** "app channel: −41 % and 78 % of the drop": one driver, in emails, alerts and the dashboard. */
export function driverText(
  driver: Driver,
  locale: Locale,
  format: Pick<ValueFormatter, "signedPercent">,
  names: Readonly<Record<string, string>> = {},
): string {
  const strings = STRINGS[locale];
  const change =
    driver.relative === null ? strings.newSegment : format.signedPercent(driver.relative);
  return strings.driver(
    elementLabel(driver.dimension, driver.element, locale, names),
    change,
    driver.share > 1 ? undefined : format.signedPercent(driver.share).replace(/^\+/, ""),
    driver.actual < driver.forecast,
  );
}
