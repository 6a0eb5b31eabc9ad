/**
 * `config/alerts.yaml`: the on-call alert rules and the data-completeness gate, as a strict
 * zod schema (read by `functions/lib/config/load.ts` with the other config files) and its
 * resolution into the pure core's types.
 */
import * as z from "zod";
import { type AlertRules, DEFAULT_ALERT_RULES } from "../kpi/alerts.ts";
import { type CompletenessRules, DEFAULT_COMPLETENESS_RULES } from "../kpi/completeness.ts";
import { isMetricId } from "../kpi/registry.ts";
import type { RoutingRules } from "../notify/policy.ts";

export type { RoutingRules } from "../notify/policy.ts";

const HOUR_MS = 3_600_000;
const FACT_TABLES = ["events", "orders"] as const;

const metricId = z.string().refine(isMetricId, {
  message: "expected a metric id from functions/lib/kpi/registry.ts",
});

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const instant = z
  .union([
    z.date(),
    z.string().regex(ISO_INSTANT, "expected a time with a zone, e.g. 2026-04-01T00:00:00+08:00"),
  ])
  .transform((value) => (value instanceof Date ? value : new Date(value)))
  .refine((date) => !Number.isNaN(date.getTime()), "expected a real date and time");

const share = z
  .number({ error: "expected a number between 0 and 1" })
  .gt(0, "expected a number between 0 and 1")
  .max(1, "expected a number between 0 and 1");

export const silenceSchema = z
  .object({
    /** A metric id, or "*" for every metric. */
    metric: z.union([z.literal("*"), metricId]),
    /** Only this scope (a campaign id); every scope when absent. */
    scope: z.string().min(1).optional(),
    until: instant,
    reason: z.string().optional(),
  })
  .strict();

const severity = z.enum(["page", "notify", "off"], {
  error: 'expected "page" (on-call, now), "notify" (the owner\'s digest) or "off"',
});

/** Who is alerted, per kind of alert and per metric (kpi-spec "Who is alerted"). */
const severitySchema = z
  .object({
    /** A KPI breach (its start, reminders, resolution): the owner's digest by default. */
    kpi_breach: severity.default("notify"),
    /** Data incomplete or stale (the completeness gate): on-call by default. */
    data: severity.default("page"),
    /** A metric that could not be computed: on-call by default. */
    metric_error: severity.default("page"),
    /** Per-metric overrides of `kpi_breach` (any metric can be set to page, or off). */
    metrics: z.record(metricId, severity).default({ data_freshness_minutes: "page" }),
  })
  .strict();

/** `config/alerts.yaml`. Every key is optional. */
export const alertsFileSchema = z
  .object({
    /** Hours between reminders while a KPI stays breached. */
    reminder_every_hours: z
      .number({ error: "expected a number of hours > 0" })
      .positive("expected a number of hours > 0")
      .default(DEFAULT_ALERT_RULES.reminderIntervalMs / HOUR_MS),
    /** How much earlier than the interval a reminder may go (scheduled runs drift). */
    reminder_slack_minutes: z
      .number({ error: "expected minutes ≥ 0" })
      .min(0, "expected minutes ≥ 0")
      .default(DEFAULT_ALERT_RULES.reminderSlackMs / 60_000),
    /** Consecutive breached periods before the start alert. */
    for_periods: z
      .int({ error: "expected a whole number ≥ 1" })
      .min(1, "expected a whole number ≥ 1")
      .default(DEFAULT_ALERT_RULES.forPeriods),
    for_periods_by_metric: z
      .record(metricId, z.int().min(1, "expected a whole number ≥ 1"))
      .default({}),
    silences: z.array(silenceSchema).default([]),
    /**
     * An acked alert sends no reminders unless its distance from the target grows past this
     * many times its distance when it was acked.
     */
    reack_factor: z
      .number({ error: "expected a number ≥ 1" })
      .min(1, "expected a number ≥ 1")
      .default(DEFAULT_ALERT_RULES.reackFactor ?? 1.5),
    severity: severitySchema.prefault({}),
    completeness: z
      .object({
        enabled: z.boolean({ error: "expected true or false" }).default(true),
        min_share_of_median: share.default(DEFAULT_COMPLETENESS_RULES.minShareOfMedian),
        baseline_weeks: z
          .int({ error: "expected a whole number from 1 to 12" })
          .min(1, "expected a whole number from 1 to 12")
          .max(12, "expected a whole number from 1 to 12")
          .default(DEFAULT_COMPLETENESS_RULES.baselineWeeks),
        min_baseline_rows: z
          .int({ error: "expected a whole number ≥ 0" })
          .min(0, "expected a whole number ≥ 0")
          .default(DEFAULT_COMPLETENESS_RULES.minBaselineRows),
        /** Per table; default: events at the data_freshness_minutes target. */
        freshness_minutes: z
          .record(z.enum(FACT_TABLES), z.number().positive("expected minutes > 0"))
          .optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type AlertsFile = z.output<typeof alertsFileSchema>;

export const DEFAULT_ROUTING: RoutingRules = {
  kpiBreach: "notify",
  data: "page",
  metricError: "page",
  metrics: { data_freshness_minutes: "page" },
};

/** The alert rules and gate settings of a deployment. */
export interface AlertSettings {
  readonly rules: AlertRules;
  /** Who gets which alert; default {@link DEFAULT_ROUTING}. */
  readonly routing?: RoutingRules;
  /** Null when the gate is switched off. */
  readonly completeness: CompletenessRules | null;
}

/** The settings with every file absent. */
export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  rules: DEFAULT_ALERT_RULES,
  routing: DEFAULT_ROUTING,
  completeness: DEFAULT_COMPLETENESS_RULES,
};

/**
 * Resolves the file; `freshnessTargetMinutes` (the data_freshness_minutes target) is the
 * events table's freshness target unless the file sets one.
 */
export function toAlertSettings(
  file: AlertsFile,
  freshnessTargetMinutes: number | undefined,
): AlertSettings {
  const gate = file.completeness;
  return {
    rules: {
      reminderIntervalMs: file.reminder_every_hours * HOUR_MS,
      reminderSlackMs: file.reminder_slack_minutes * 60_000,
      forPeriods: file.for_periods,
      forPeriodsByMetric: file.for_periods_by_metric,
      silences: file.silences.map((s) => ({
        metric: s.metric,
        until: s.until,
        ...(s.scope !== undefined ? { scope: s.scope } : {}),
        ...(s.reason !== undefined ? { reason: s.reason } : {}),
      })),
      reackFactor: file.reack_factor,
    },
    routing: {
      kpiBreach: file.severity.kpi_breach,
      data: file.severity.data,
      metricError: file.severity.metric_error,
      metrics: file.severity.metrics,
    },
    completeness: gate.enabled
      ? {
          ...DEFAULT_COMPLETENESS_RULES,
          minShareOfMedian: gate.min_share_of_median,
          baselineWeeks: gate.baseline_weeks,
          minBaselineRows: gate.min_baseline_rows,
          freshnessMinutes:
            gate.freshness_minutes ??
            (freshnessTargetMinutes !== undefined
              ? { events: freshnessTargetMinutes }
              : DEFAULT_COMPLETENESS_RULES.freshnessMinutes),
        }
      : null,
  };
}
