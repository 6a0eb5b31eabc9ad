/**
 * The dimensions a metric's change can be split by, to find its drivers (pure). The
 * registry declares, per metric, which of them apply and how the metric adds up over them
 * (see {@link MetricDrivers}); `queries/anomaly_drivers.sql` computes the splits.
 */
import type { MeasureKind } from "./drivers.ts";

export const DIMENSIONS = [
  "channel",
  "user_type",
  "domain",
  "campaign",
  "content_format",
  "order_channel",
] as const;
export type DimensionId = (typeof DIMENSIONS)[number];

/** How a metric is split for its drivers. */
export interface MetricDrivers {
  /** How the metric adds up over a dimension's elements (see kpi/drivers.ts). */
  readonly measure: MeasureKind;
  readonly dimensions: readonly DimensionId[];
  /** Dimensions whose elements overlap (a user on two channels): measured as `distinct`. */
  readonly overlapping?: readonly DimensionId[];
}

/** What a dimension is called, in a sentence: "app channel", "new users", "campaign X". */
export const DIMENSION_LABELS: Readonly<
  Record<DimensionId, { readonly en: string; readonly "zh-CN": string }>
> = {
  channel: { en: "channel", "zh-CN": "渠道" },
  user_type: { en: "users", "zh-CN": "用户" },
  domain: { en: "domain", "zh-CN": "域" },
  campaign: { en: "campaign", "zh-CN": "活动" },
  content_format: { en: "content", "zh-CN": "内容" },
  order_channel: { en: "order channel", "zh-CN": "下单渠道" },
};

/** The element as people read it: "app channel", "new users", "campaign cmp_0003". */
export function elementLabel(
  dimension: string,
  element: string,
  locale: "en" | "zh-CN",
  names: Readonly<Record<string, string>> = {},
): string {
  const label = DIMENSION_LABELS[dimension as DimensionId]?.[locale] ?? dimension;
  const value = names[element] ?? element;
  if (dimension === "campaign") return locale === "en" ? `campaign ${value}` : `活动 ${value}`;
  return locale === "en" ? `${value} ${label}` : `${label} ${value}`;
}
