import type { MetricDrivers } from "./dimensions.ts";

/**
 * The metric registry: the one place that says what each KPI is called (English and
 * Simplified Chinese), how its value is formatted, which direction is better, for which
 * periods it is reported, in which section, and its default target from the department's
 * plan (`shared/kpi-spec.md`). Emails, alerts, snapshots and the dashboard read it; no
 * other file repeats a label, a unit or a target.
 */

export type Unit = "count" | "percent" | "money" | "ratio" | "minutes";
export type Direction = "higher" | "lower";
export type Section = "users" | "orders" | "segments" | "content" | "campaigns" | "efficiency";
export type PeriodKind = "day" | "week";
export type Locale = "en" | "zh-CN";

/**
 * What a target is compared with:
 * - `value`: the metric's value;
 * - `yoy_growth`: the growth of the value vs the same period a year earlier;
 * - `monthly_prorated`: month-to-date value vs the monthly target × elapsed share of the month.
 */
export type TargetBasis = "value" | "yoy_growth" | "monthly_prorated";

export interface MetricDef {
  readonly id: string;
  readonly label: Readonly<Record<Locale, string>>;
  /** One sentence on what it measures, shown in emails' footnotes and the dashboard. */
  readonly description: string;
  readonly unit: Unit;
  readonly direction: Direction;
  readonly periods: readonly PeriodKind[];
  readonly section: Section;
  /** Default target from the plan; absent when the plan sets none (context metric). */
  readonly defaultTarget?: number;
  readonly targetBasis: TargetBasis;
  /** Shown first in the email. */
  readonly headline?: boolean;
  /** Per-campaign metrics are evaluated once per campaign (scope = campaign id). */
  readonly scope?: "campaign";
  /** The dimensions its anomalies and breaches are explained by (kpi/drivers.ts). */
  readonly drivers?: MetricDrivers;
  /**
   * The label and description of the weekly report, when the weekly value is computed
   * differently (dau: the mean of the week's days; arpu: GMV / WAU). See {@link metricForPeriod}.
   */
  readonly weekly?: Pick<MetricDef, "label" | "description">;
  /**
   * How a running campaign's daily snapshot judges it (kpi-spec "Pacing"): `prorated`, a
   * cumulative count against the whole-campaign target × elapsed share of its days;
   * `final`, a rate or ROI shown as "tracking" and judged only in the final snapshot.
   */
  readonly pacing?: "prorated" | "final";
}

type Def = Omit<MetricDef, "targetBasis" | "direction"> &
  Partial<Pick<MetricDef, "targetBasis" | "direction">>;

const DAY_WEEK: readonly PeriodKind[] = ["day", "week"];
const DAY: readonly PeriodKind[] = ["day"];
const WEEK: readonly PeriodKind[] = ["week"];

const defs: readonly Def[] = [
  // User operations (AARRR)
  {
    id: "new_users",
    label: { en: "New users", "zh-CN": "新增用户" },
    description:
      "Distinct users whose first signup ever recorded falls in the period (a later signup does not make a user new again).",
    unit: "count",
    periods: DAY_WEEK,
    section: "users",
    defaultTarget: 0.3,
    targetBasis: "yoy_growth",
    headline: true,
    drivers: { measure: "additive", dimensions: ["channel"] },
  },
  {
    id: "dau",
    label: { en: "DAU", "zh-CN": "日活跃用户" },
    description:
      "Distinct active users on the day: users with a valid event (a user id and a known event type).",
    weekly: {
      label: { en: "DAU (mean of the week's days)", "zh-CN": "日活跃用户（周内日均）" },
      description: "Mean of the week's seven daily active-user counts (Monday to Sunday).",
    },
    unit: "count",
    periods: DAY_WEEK,
    section: "users",
    headline: true,
    drivers: {
      measure: "additive",
      dimensions: ["channel", "user_type", "domain"],
      overlapping: ["channel"],
    },
  },
  {
    id: "wau",
    label: { en: "WAU", "zh-CN": "周活跃用户" },
    description: "Distinct active users in the 7 days ending the day (weekly: the ISO week).",
    unit: "count",
    periods: DAY_WEEK,
    section: "users",
  },
  {
    id: "mau",
    label: { en: "MAU", "zh-CN": "月活跃用户" },
    description: "Distinct active users in the 30 days ending the day (weekly: ending its Sunday).",
    unit: "count",
    periods: DAY_WEEK,
    section: "users",
  },
  {
    id: "stickiness",
    label: { en: "Stickiness (DAU/MAU)", "zh-CN": "粘性 (DAU/MAU)" },
    description: "DAU divided by MAU.",
    unit: "percent",
    periods: DAY,
    section: "users",
    defaultTarget: 0.3,
  },
  {
    id: "retention_d1",
    label: { en: "D1 retention", "zh-CN": "次日留存率" },
    description: "Of users who signed up the day before, the share active on the day.",
    unit: "percent",
    periods: DAY,
    section: "users",
    defaultTarget: 0.55,
    headline: true,
  },
  {
    id: "retention_d7",
    label: { en: "D7 retention", "zh-CN": "7日留存率" },
    description: "Of users who signed up 7 days before, the share active on the day.",
    unit: "percent",
    periods: DAY,
    section: "users",
    defaultTarget: 0.4,
  },
  {
    id: "retention_d30",
    label: { en: "D30 retention", "zh-CN": "30日留存率" },
    description: "Of users who signed up 30 days before, the share active on the day.",
    unit: "percent",
    periods: DAY,
    section: "users",
    defaultTarget: 0.25,
  },
  {
    id: "first_order_conversion",
    label: { en: "First-order conversion (7d)", "zh-CN": "首单转化率 (7日)" },
    description:
      "Of users who signed up 7 days before, the share with a paid order within 7×24 h of signup.",
    unit: "percent",
    periods: DAY,
    section: "users",
    defaultTarget: 0.08,
    headline: true,
  },
  {
    id: "private_domain_share",
    label: { en: "Private-domain share", "zh-CN": "私域用户占比" },
    description:
      "Of the users active in the 30 days ending the day, the share seen on a private-domain channel.",
    unit: "percent",
    periods: DAY_WEEK,
    section: "users",
    defaultTarget: 0.3,
  },
  {
    id: "private_domain_repurchase_multiple",
    label: { en: "Private-domain repurchase multiple", "zh-CN": "私域复购倍数" },
    description: "Repurchase rate of private-domain customers divided by that of the others.",
    unit: "ratio",
    periods: WEEK,
    section: "users",
    defaultTarget: 3,
  },
  // Orders
  {
    id: "orders",
    label: { en: "Paid orders", "zh-CN": "支付订单数" },
    description: "Orders whose latest record is paid.",
    unit: "count",
    periods: DAY_WEEK,
    section: "orders",
    drivers: { measure: "additive", dimensions: ["order_channel", "campaign", "content_format"] },
  },
  {
    id: "gmv",
    label: { en: "GMV", "zh-CN": "成交额 (GMV)" },
    description: "Revenue of paid orders.",
    unit: "money",
    periods: DAY_WEEK,
    section: "orders",
    headline: true,
    drivers: { measure: "additive", dimensions: ["order_channel", "campaign", "content_format"] },
  },
  {
    id: "aov",
    label: { en: "AOV", "zh-CN": "客单价" },
    description: "GMV divided by paid orders.",
    unit: "money",
    periods: DAY_WEEK,
    section: "orders",
    drivers: { measure: "ratio", dimensions: ["order_channel"] },
  },
  {
    id: "paying_users",
    label: { en: "Paying users", "zh-CN": "付费用户数" },
    description: "Distinct buyers of paid orders.",
    unit: "count",
    periods: DAY_WEEK,
    section: "orders",
    drivers: { measure: "distinct", dimensions: ["order_channel"] },
  },
  {
    id: "arpu",
    label: { en: "ARPU", "zh-CN": "人均收入 (ARPU)" },
    description: "GMV divided by DAU.",
    weekly: {
      label: { en: "ARPU (GMV ÷ WAU)", "zh-CN": "人均收入（GMV ÷ 周活）" },
      description: "The week's GMV divided by WAU, the week's distinct active users.",
    },
    unit: "money",
    periods: DAY_WEEK,
    section: "orders",
  },
  {
    id: "repurchase_rate",
    label: { en: "Repurchase rate (90d)", "zh-CN": "复购率 (90日)" },
    description:
      "Customers with 2+ paid orders in the 90 days ending the day, over customers with 1+.",
    unit: "percent",
    periods: DAY_WEEK,
    section: "orders",
    defaultTarget: 0.3,
    headline: true,
  },
  {
    id: "ltv_30",
    label: { en: "LTV (30d)", "zh-CN": "30日生命周期价值 (LTV)" },
    description: "Revenue in the first 30×24 h after signup per user of the matured cohort.",
    unit: "money",
    periods: DAY_WEEK,
    section: "orders",
  },
  // Segments (weekly)
  {
    id: "rfm_customers",
    label: { en: "RFM customers (365d)", "zh-CN": "RFM 客户数 (365日)" },
    description: "Customers with a paid order in the 365 days ending the week.",
    unit: "count",
    periods: WEEK,
    section: "segments",
  },
  {
    id: "lifecycle_new",
    label: { en: "Lifecycle: new", "zh-CN": "生命周期：新用户" },
    description: "Users who signed up in the last 7 days.",
    unit: "count",
    periods: WEEK,
    section: "segments",
  },
  {
    id: "lifecycle_active",
    label: { en: "Lifecycle: active", "zh-CN": "生命周期：活跃" },
    description: "Active in the last 7 days, not new.",
    unit: "count",
    periods: WEEK,
    section: "segments",
  },
  {
    id: "lifecycle_dormant",
    label: { en: "Lifecycle: dormant", "zh-CN": "生命周期：沉默" },
    description: "Active in the last 30 days but not the last 7.",
    unit: "count",
    periods: WEEK,
    section: "segments",
  },
  {
    id: "lifecycle_churned",
    label: { en: "Lifecycle: churned", "zh-CN": "生命周期：流失" },
    description: "Active in the 90 days ending the week but not the last 30.",
    unit: "count",
    periods: WEEK,
    section: "segments",
  },
  {
    id: "lifecycle_high_value",
    label: { en: "Lifecycle: high value", "zh-CN": "生命周期：高价值" },
    description: "Customers in the important-value RFM segment.",
    unit: "count",
    periods: WEEK,
    section: "segments",
  },
  // Content
  {
    id: "content_published_article",
    label: { en: "Articles published (MTD)", "zh-CN": "本月发布文章数" },
    description: "Articles published month to date vs the pro-rated monthly target.",
    unit: "count",
    periods: WEEK,
    section: "content",
    defaultTarget: 100,
    targetBasis: "monthly_prorated",
  },
  {
    id: "content_published_video",
    label: { en: "Videos published (MTD)", "zh-CN": "本月发布视频数" },
    description: "Videos published month to date vs the pro-rated monthly target.",
    unit: "count",
    periods: WEEK,
    section: "content",
    defaultTarget: 50,
    targetBasis: "monthly_prorated",
  },
  {
    id: "avg_reach",
    label: { en: "Average 7-day reach", "zh-CN": "平均7日触达" },
    description: "Mean content_view events in the first 7×24 h of items published the week before.",
    unit: "count",
    periods: WEEK,
    section: "content",
    defaultTarget: 10_000,
  },
  {
    id: "interaction_rate",
    label: { en: "Interaction rate", "zh-CN": "互动率" },
    description: "(Likes + comments + shares) / views.",
    unit: "percent",
    periods: DAY_WEEK,
    section: "content",
    defaultTarget: 0.05,
  },
  {
    id: "content_conversion_rate",
    label: { en: "Content conversion", "zh-CN": "内容转化率" },
    description: "Paid orders attributed to content / content views.",
    unit: "percent",
    periods: DAY_WEEK,
    section: "content",
    defaultTarget: 0.02,
  },
  {
    id: "content_roi",
    label: { en: "Content ROI", "zh-CN": "内容投资回报率" },
    description:
      "Revenue of paid orders carrying a content id / production cost of the content published in the period.",
    unit: "ratio",
    periods: WEEK,
    section: "content",
    defaultTarget: 5,
  },
  // Campaigns (per campaign, daily cumulative snapshots)
  {
    id: "campaign_participants",
    label: { en: "Campaign joins (day)", "zh-CN": "当日活动参与人数" },
    description: "Distinct users who joined a campaign on the day (no campaign running: no value).",
    unit: "count",
    periods: DAY,
    section: "campaigns",
    drivers: { measure: "distinct", dimensions: ["campaign"] },
  },
  {
    id: "participants",
    label: { en: "Participants", "zh-CN": "参与人数" },
    description: "Distinct users who joined the campaign.",
    unit: "count",
    periods: DAY,
    section: "campaigns",
    defaultTarget: 10_000,
    scope: "campaign",
    pacing: "prorated",
  },
  {
    id: "campaign_conversion",
    label: { en: "Campaign conversion", "zh-CN": "活动转化率" },
    description: "Participants with an attributed paid order / participants.",
    unit: "percent",
    periods: DAY,
    section: "campaigns",
    defaultTarget: 0.1,
    scope: "campaign",
    pacing: "final",
  },
  {
    id: "campaign_aov_lift",
    label: { en: "AOV lift", "zh-CN": "客单价提升" },
    description:
      "AOV of attributed orders vs unattributed orders in the 28 days before the start, minus 1.",
    unit: "percent",
    periods: DAY,
    section: "campaigns",
    defaultTarget: 0.2,
    scope: "campaign",
    pacing: "final",
  },
  {
    id: "viral_k",
    label: { en: "Viral K-factor", "zh-CN": "裂变系数 K" },
    description: "Accepted invites attributed to the campaign / participants.",
    unit: "ratio",
    periods: DAY,
    section: "campaigns",
    defaultTarget: 1.5,
    scope: "campaign",
    pacing: "final",
  },
  {
    id: "campaign_revenue",
    label: { en: "Attributed revenue", "zh-CN": "归因收入" },
    description: "Revenue of paid orders attributed to the campaign.",
    unit: "money",
    periods: DAY,
    section: "campaigns",
    scope: "campaign",
  },
  {
    id: "campaign_cost",
    label: { en: "Campaign cost", "zh-CN": "活动成本" },
    description: "The campaign's whole cost.",
    unit: "money",
    periods: DAY,
    section: "campaigns",
    scope: "campaign",
  },
  {
    id: "campaign_roi",
    label: { en: "Campaign ROI", "zh-CN": "活动投资回报率" },
    description: "Attributed revenue / cost.",
    unit: "ratio",
    periods: DAY,
    section: "campaigns",
    defaultTarget: 3,
    scope: "campaign",
    pacing: "final",
  },
  // Efficiency and data operations
  {
    id: "data_freshness_minutes",
    label: { en: "Data freshness", "zh-CN": "数据新鲜度" },
    description: "Minutes between the run and the newest event in the lake.",
    unit: "minutes",
    direction: "lower",
    periods: DAY_WEEK,
    section: "efficiency",
    defaultTarget: 60,
  },
  {
    id: "data_quality",
    label: { en: "Data quality", "zh-CN": "数据质量" },
    description: "Share of the period's records that pass validation.",
    unit: "percent",
    periods: DAY_WEEK,
    section: "efficiency",
    defaultTarget: 0.95,
  },
  {
    id: "identity_coverage",
    label: { en: "Identity coverage", "zh-CN": "统一身份覆盖率" },
    description:
      "Share of the period's active ids and paid orders that the identity map resolves to a person.",
    unit: "percent",
    periods: DAY_WEEK,
    section: "efficiency",
    defaultTarget: 0.3,
  },
  {
    id: "automation_rate",
    label: { en: "Automation rate", "zh-CN": "自动化率" },
    description: "Share of message_sent events sent by automation.",
    unit: "percent",
    periods: DAY_WEEK,
    section: "efficiency",
    defaultTarget: 0.7,
  },
  {
    id: "ops_cost_ratio",
    label: { en: "Ops cost ratio", "zh-CN": "运营成本占比" },
    description: "(Campaign + content + pro-rated team cost) / revenue.",
    unit: "percent",
    direction: "lower",
    periods: DAY_WEEK,
    section: "efficiency",
    defaultTarget: 0.15,
  },
  {
    id: "users_per_ops_head",
    label: { en: "Users per ops head", "zh-CN": "人均运营用户数" },
    description: "MAU / operations headcount.",
    unit: "count",
    periods: DAY_WEEK,
    section: "efficiency",
    defaultTarget: 30_000,
  },
];

/** Every metric, in report order. */
export const METRICS: readonly MetricDef[] = defs.map((d) => ({
  direction: "higher",
  targetBasis: "value",
  ...d,
}));

const byId = new Map(METRICS.map((m) => [m.id, m]));

/** The metric `id`; throws for an unknown id (a typo in config or code). */
export function metric(id: string): MetricDef {
  const def = byId.get(id);
  if (!def)
    throw new Error(
      `Unknown metric "${id}": known metrics are ${METRICS.map((m) => m.id).join(", ")}.`,
    );
  return def;
}

/**
 * The metric as a report of `period` shows it: its weekly label and description in a
 * weekly report when it has them, else itself.
 */
export function metricForPeriod(def: MetricDef, period: PeriodKind): MetricDef {
  return period === "week" && def.weekly ? { ...def, ...def.weekly } : def;
}

export function isMetricId(id: string): boolean {
  return byId.has(id);
}

/** The metrics reported for a period kind, optionally of one section, in registry order. */
export function metricsFor(period: PeriodKind, section?: Section): MetricDef[] {
  return METRICS.filter((m) => m.periods.includes(period) && (!section || m.section === section));
}

export const SECTION_LABELS: Readonly<Record<Section, Readonly<Record<Locale, string>>>> = {
  users: { en: "Users", "zh-CN": "用户运营" },
  orders: { en: "Orders and revenue", "zh-CN": "订单与收入" },
  segments: { en: "Segments", "zh-CN": "用户分层" },
  content: { en: "Content", "zh-CN": "内容运营" },
  campaigns: { en: "Campaigns", "zh-CN": "活动运营" },
  efficiency: { en: "Efficiency and data", "zh-CN": "效率与数据运营" },
};

/**
 * What can explain a metric's move, the "why" of an alert: activity by `channel`, `user_type`
 * (new vs returning users), `campaign`, `content_format`, `order_channel` (orders and revenue
 * by channel) or `cost_component` (campaigns, content, team). An alert shows the first one
 * it can draw; a metric with none listed shows no breakdown rather than an unrelated one.
 */
export type Breakdown =
  | "channel"
  | "user_type"
  | "campaign"
  | "content_format"
  | "order_channel"
  | "cost_component";

const USERS: readonly Breakdown[] = ["channel", "user_type"];
const ORDERS: readonly Breakdown[] = ["order_channel", "campaign"];
const CONTENT: readonly Breakdown[] = ["content_format", "channel"];

const BREAKDOWNS: Readonly<Record<string, readonly Breakdown[]>> = {
  new_users: ["channel", "campaign"],
  dau: USERS,
  wau: USERS,
  mau: USERS,
  stickiness: ["user_type", "channel"],
  retention_d1: ["channel"],
  retention_d7: ["channel"],
  retention_d30: ["channel"],
  first_order_conversion: ["channel", "campaign"],
  private_domain_share: ["channel"],
  private_domain_repurchase_multiple: ["order_channel"],
  orders: ORDERS,
  gmv: ORDERS,
  aov: ORDERS,
  paying_users: ORDERS,
  arpu: ORDERS,
  repurchase_rate: ["order_channel"],
  ltv_30: ["order_channel"],
  content_published_article: ["content_format"],
  content_published_video: ["content_format"],
  avg_reach: CONTENT,
  interaction_rate: CONTENT,
  content_conversion_rate: CONTENT,
  content_roi: ["content_format", "cost_component"],
  participants: ["channel"],
  campaign_conversion: ["order_channel"],
  campaign_aov_lift: ["order_channel"],
  viral_k: ["channel"],
  campaign_roi: ["order_channel", "cost_component"],
  data_freshness_minutes: ["channel"],
  data_quality: ["channel"],
  ops_cost_ratio: ["cost_component"],
  users_per_ops_head: ["user_type"],
};

/** The breakdowns that explain a metric, most telling first (none: show no breakdown). */
export function breakdownsOf(id: string): readonly Breakdown[] {
  return BREAKDOWNS[id] ?? [];
}
