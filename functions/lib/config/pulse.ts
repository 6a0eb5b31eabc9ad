/**
 * `config/pulse.yaml`: the intra-day pulse (docs/pulse.md) — how often it runs, its stall
 * and pace rules and who they alert — as a strict zod schema (read by `load.ts` with the
 * other config files) and its resolution into the pure core's {@link PulseSettings}.
 */
import * as z from "zod";
import { DEFAULT_PULSE_SETTINGS, type PulseSettings } from "../kpi/pulse.ts";

const severity = z.enum(["page", "notify", "off"], {
  error: 'expected "page" (on-call, now), "notify" (the data team\'s digest) or "off"',
});
const count = (what: string) =>
  z.number({ error: `expected ${what} ≥ 0` }).min(0, `expected ${what} ≥ 0`);

/** `config/pulse.yaml`. Every key is optional. */
export const pulseFileSchema = z
  .object({
    /** False: no pulse Lambda schedule, `opspulse pulse` still runs by hand. */
    enabled: z.boolean({ error: "expected true or false" }).default(true),
    /** Minutes between pulses: 15, 20, 30 or 60 (on the hour, in the report time zone). */
    every_minutes: z
      .union([z.literal(15), z.literal(20), z.literal(30), z.literal(60)], {
        error: "expected 15, 20, 30 or 60 (minutes between pulses, down to 15)",
      })
      .default(60),
    stall: z
      .object({
        minutes: z
          .int({ error: "expected a whole number of minutes from 5 to 720" })
          .min(5, "expected a whole number of minutes from 5 to 720")
          .max(720, "expected a whole number of minutes from 5 to 720")
          .default(DEFAULT_PULSE_SETTINGS.stallMinutes),
        min_expected: count("a number of records").default(DEFAULT_PULSE_SETTINGS.minExpected),
        min_expected_by_table: z
          .object({ events: count("a number of records"), orders: count("a number of records") })
          .partial()
          .strict()
          .default({}),
        severity: severity.default("page"),
      })
      .strict()
      .default({
        minutes: DEFAULT_PULSE_SETTINGS.stallMinutes,
        min_expected: DEFAULT_PULSE_SETTINGS.minExpected,
        min_expected_by_table: {},
        severity: "page",
      }),
    pace: z
      .object({
        enabled: z.boolean({ error: "expected true or false" }).default(true),
        severity: severity.default("notify"),
        min_expected: count("a number of records").default(DEFAULT_PULSE_SETTINGS.pace.minExpected),
        /** Local hour from which pace is judged (the night's few records are bursty). */
        from_hour: z
          .int({ error: "expected a local hour from 0 to 23" })
          .min(0, "expected a local hour from 0 to 23")
          .max(23, "expected a local hour from 0 to 23")
          .default(DEFAULT_PULSE_SETTINGS.pace.fromHour),
        /** Pulses in a row below the band before the alert. */
        for_pulses: z
          .int({ error: "expected a whole number ≥ 1" })
          .min(1, "expected a whole number ≥ 1")
          .default(2),
        k: z
          .number({ error: "expected a number > 0" })
          .positive("expected a number > 0")
          .default(3),
      })
      .strict()
      .default({
        enabled: true,
        severity: "notify",
        min_expected: DEFAULT_PULSE_SETTINGS.pace.minExpected,
        from_hour: DEFAULT_PULSE_SETTINGS.pace.fromHour,
        for_pulses: 2,
        k: 3,
      }),
    /** Same weekday of this many past weeks (the baseline). */
    baseline_weeks: z
      .int({ error: "expected a whole number of weeks from 3 to 12" })
      .min(3, "expected a whole number of weeks from 3 to 12")
      .max(12, "expected a whole number of weeks from 3 to 12")
      .default(DEFAULT_PULSE_SETTINGS.band.periods),
    /** Hours of today the data-quality figure covers. */
    quality_hours: z
      .int({ error: "expected a whole number of hours from 1 to 24" })
      .min(1, "expected a whole number of hours from 1 to 24")
      .max(24, "expected a whole number of hours from 1 to 24")
      .default(DEFAULT_PULSE_SETTINGS.qualityHours),
  })
  .strict();

export type PulseFile = z.output<typeof pulseFileSchema>;

/** The pulse's configuration, resolved. */
export interface PulseConfig {
  readonly enabled: boolean;
  readonly everyMinutes: 15 | 20 | 30 | 60;
  readonly settings: PulseSettings;
  readonly stallSeverity: "page" | "notify" | "off";
  readonly paceSeverity: "page" | "notify" | "off";
  /** Pulses in a row below the band before a pace alert. */
  readonly paceForPulses: number;
}

/** The file's values as the core's settings. */
export function toPulseConfig(file: PulseFile): PulseConfig {
  const band = DEFAULT_PULSE_SETTINGS.band;
  return {
    enabled: file.enabled,
    everyMinutes: file.every_minutes,
    stallSeverity: file.stall.severity,
    paceSeverity: file.pace.severity,
    paceForPulses: file.pace.for_pulses,
    settings: {
      stallMinutes: file.stall.minutes,
      minExpected: file.stall.min_expected,
      minExpectedByTable: file.stall.min_expected_by_table,
      band: {
        ...band,
        periods: file.baseline_weeks,
        minHistory: Math.min(band.minHistory, file.baseline_weeks),
        k: file.pace.k,
      },
      pace: {
        enabled: file.pace.enabled,
        minExpected: file.pace.min_expected,
        fromHour: file.pace.from_hour,
      },
      qualityHours: file.quality_hours,
    },
  };
}

/** The defaults (a config folder without pulse.yaml). */
export const DEFAULT_PULSE_CONFIG: PulseConfig = toPulseConfig(pulseFileSchema.parse({}));
