/**
 * The counts line of a run, one wording for every place that shows it: `opspulse run`
 * (and `demo`) and `opspulse invoke`, the chat summary card and a chat command's reply,
 * e.g. `1 breach · 2 warnings · 30 met` (zh-CN: `未达标 1 · 预警 2 · 达标 30`).
 */

import { STATUS_ORDER, type Status } from "../kpi/evaluate.ts";
import type { Locale } from "../kpi/registry.ts";

type Label = (count: number) => string;

/** How each judged status reads with its count; context metrics (`no_target`) are not listed. */
const LABELS: Readonly<Record<Locale, Partial<Record<Status, Label>>>> = {
  en: {
    breach: (n) => `${n} breach${n === 1 ? "" : "es"}`,
    anomaly: (n) => `${n} unusual`,
    warning: (n) => `${n} warning${n === 1 ? "" : "s"}`,
    data_incomplete: (n) => `${n} data incomplete`,
    insufficient_data: (n) => `${n} insufficient data`,
    met: (n) => `${n} met`,
    tracking: (n) => `${n} tracking`,
  },
  "zh-CN": {
    breach: (n) => `未达标 ${n}`,
    anomaly: (n) => `异常 ${n}`,
    warning: (n) => `预警 ${n}`,
    data_incomplete: (n) => `数据不完整 ${n}`,
    insufficient_data: (n) => `数据不足 ${n}`,
    met: (n) => `达标 ${n}`,
    tracking: (n) => `跟踪中 ${n}`,
  },
};

/**
 * The non-zero counts of a run's statuses, worst first, joined by ` · `; empty when nothing
 * was judged. Takes a partial record: a summary read back from JSON (the ad-hoc Lambda's)
 * may lack a status.
 */
export function describeStatusCounts(
  counts: Readonly<Partial<Record<Status, number>>> | undefined,
  locale: Locale = "en",
): string {
  return STATUS_ORDER.flatMap((status) => {
    const count = counts?.[status] ?? 0;
    const label = LABELS[locale][status];
    return label && count > 0 ? [label(count)] : [];
  }).join(" · ");
}
