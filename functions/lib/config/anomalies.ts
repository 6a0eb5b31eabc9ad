/**
 * `config/anomalies.yaml`: the baseline bands of the metrics (kpi/baseline-band.ts) and the
 * calendar of holidays and promotions, as a strict zod schema (read by `load.ts` with the
 * other config files) and its resolution into the pure core's {@link AnomalySettings}.
 *
 * ```yaml
 * calendar: [2026-10-01, 2026-11-11]   # local days: skipped in bands, not judged
 * metrics:
 *   orders: { k: 4 }                  # over the metric's defaults
 *   mau: { enabled: true, method: trailing, periods: 14, direction: drops }
 *   data_freshness_minutes: { enabled: false }
 *   aov: { typical_mad_floor: false, sampling_floor: false, level_adjust: false }   # the bare median ± k · 1.4826 · MAD
 * ```
 */
import * as z from "zod";
import { type AnomalySettings, defaultBaselineSettings } from "../kpi/anomaly.ts";
import type { BaselineSettings } from "../kpi/baseline-band.ts";
import { isMetricId, METRICS } from "../kpi/registry.ts";
import { parseIsoDate } from "../kpi/windows.ts";

const localDay = z
  .union([z.date(), z.string()])
  .transform((value) => (value instanceof Date ? value.toISOString().slice(0, 10) : value))
  .refine(
    (text) => {
      try {
        parseIsoDate(text);
        return true;
      } catch {
        return false;
      }
    },
    { message: "expected a local day YYYY-MM-DD, e.g. 2026-10-01" },
  );

const metricBaseline = z
  .object({
    enabled: z.boolean({ error: "expected true or false" }).optional(),
    method: z
      .enum(["same_weekday", "trailing"], { error: "expected same_weekday or trailing" })
      .optional(),
    periods: z
      .int({ error: "expected a whole number from 3 to 52" })
      .min(3, "expected a whole number from 3 to 52")
      .max(52, "expected a whole number from 3 to 52")
      .optional(),
    k: z.number({ error: "expected a number > 0" }).positive("expected a number > 0").optional(),
    min_history: z
      .int({ error: "expected a whole number ≥ 1" })
      .min(1, "expected a whole number ≥ 1")
      .optional(),
    min_width: z
      .number({ error: "expected a share of the median from 0 to 1, e.g. 0.02" })
      .min(0, "expected a share of the median from 0 to 1, e.g. 0.02")
      .max(1, "expected a share of the median from 0 to 1, e.g. 0.02")
      .optional(),
    direction: z
      .enum(["drops", "rises", "both"], { error: "expected drops, rises or both" })
      .optional(),
    typical_mad_floor: z.boolean({ error: "expected true or false" }).optional(),
    sampling_floor: z.boolean({ error: "expected true or false" }).optional(),
    level_adjust: z.boolean({ error: "expected true or false" }).optional(),
    campaign_aware: z.boolean({ error: "expected true or false" }).optional(),
  })
  .strict();

/** `config/anomalies.yaml`. Every key is optional. */
export const anomaliesFileSchema = z
  .object({
    calendar: z.array(localDay).default([]),
    metrics: z
      .record(
        z.string().refine(isMetricId, {
          message: "expected a metric id from functions/lib/kpi/registry.ts",
        }),
        metricBaseline,
      )
      .default({}),
  })
  .strict();

export type AnomaliesFile = z.output<typeof anomaliesFileSchema>;

/** The file resolved over the defaults: every metric's settings. */
export function toAnomalySettings(file: AnomaliesFile): AnomalySettings {
  const metrics: Record<string, BaselineSettings> = {};
  for (const def of METRICS) {
    const base = defaultBaselineSettings(def.id);
    const own = file.metrics[def.id];
    metrics[def.id] = own
      ? {
          ...base,
          // Configuring a metric watches it unless the file says `enabled: false`.
          enabled: own.enabled ?? true,
          ...(own.method ? { method: own.method } : {}),
          ...(own.periods !== undefined ? { periods: own.periods } : {}),
          ...(own.k !== undefined ? { k: own.k } : {}),
          ...(own.min_history !== undefined ? { minHistory: own.min_history } : {}),
          ...(own.min_width !== undefined ? { minWidthShare: own.min_width } : {}),
          ...(own.direction ? { direction: own.direction } : {}),
          ...(own.typical_mad_floor !== undefined
            ? { typicalMadFloor: own.typical_mad_floor }
            : {}),
          ...(own.sampling_floor !== undefined ? { samplingFloor: own.sampling_floor } : {}),
          ...(own.level_adjust !== undefined ? { levelAdjust: own.level_adjust } : {}),
          ...(own.campaign_aware !== undefined ? { campaignAware: own.campaign_aware } : {}),
        }
      : base;
  }
  return { calendar: [...new Set(file.calendar)].sort(), metrics };
}
