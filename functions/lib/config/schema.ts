/**
 * The schemas of the `config/` folder: one strict zod schema per YAML file. Every file is
 * optional; what a file leaves out falls back to the plan's defaults (targets from the
 * metric registry, schedules at 08:00 and Monday 08:30 in Asia/Shanghai).
 *
 * The CDK stack validates the same files at synth with {@link loadConfig}, so a bad target
 * fails the deploy, not the Monday report.
 */

import * as z from "zod";
import { alertsFileSchema } from "../alerts/config.ts";
import {
  CHECK_CHAT_NAMES_ALWAYS,
  chatListSchema,
  checkChatNames,
  contactPointsSchema,
} from "../chat/config.ts";
import { chatCommandsSchema } from "../chatops/access.ts";
import type { Owner } from "../kpi/owners.ts";
import { DEFAULT_KPI_SETTINGS } from "../report/modules.ts";
import { InvalidDurationError, parseDuration } from "../waiting/policy.ts";
import { anomaliesFileSchema } from "./anomalies.ts";
import { pulseFileSchema } from "./pulse.ts";

/** The scheduled reports. */
export const REPORT_NAMES = ["daily", "weekly", "campaigns"] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export const LOCALES = ["en", "zh-CN"] as const;

/** The report time zone the plan uses when config names none. */
export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

/** Default warning band: within 10 % of the target. */
export const DEFAULT_WARNING_BAND = 0.1;

const timeZone = z.string().refine(isTimeZone, {
  message: "expected an IANA time zone such as Asia/Shanghai",
});

/** One comma-separated part of a cron field: `*`, `5`, `1-5`, each with an optional `/step`. */
const CRON_PART = /^(?:\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/;
const CRON_RANGES: readonly (readonly [number, number])[] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

/** A five-field cron expression (minute hour day-of-month month day-of-week), in local time. */
const cron = z.string().refine(isCron, {
  message:
    'expected a 5-field cron "minute hour day-of-month month day-of-week", e.g. "30 8 * * 1"',
});

/** A duration such as `10s`, `15m` or `2h`. */
const duration = z.string().refine(isDuration, {
  message: "expected a duration: a whole number and s, m or h, e.g. 15m or 2h",
});

/** An email address, optionally with a display name: `Ops Reports <reports@example.com>`. */
const MAILBOX = "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}";
const ADDRESS = new RegExp(`^(?:${MAILBOX}|[^<>@\\n]+ <${MAILBOX}>)$`);
const address = z
  .string()
  .trim()
  .regex(ADDRESS, "expected an email address such as reports@example.com");

const proportion = z
  .number({ error: "expected a number between 0 and 1" })
  .min(0, "expected a number between 0 and 1")
  .max(1, "expected a number between 0 and 1");

// ---------------------------------------------------------------------------------------------
// targets.yaml

/** One metric's override. The range of `target` is checked per metric by the loader. */
export const targetOverrideSchema = z
  .object({
    /** The target (null: judge this metric against nothing, as a context metric). */
    target: z.number({ error: "expected a number (or null for no target)" }).nullable().optional(),
    /** Warning band as a share of the target (0.1 = within 10 % of it). */
    warning_band: proportion.optional(),
    /** Minimum denominator before a ratio is judged. */
    min_sample: z.int({ error: "expected a whole number ≥ 0" }).min(0).optional(),
  })
  .strict();

/** `config/targets.yaml`: overrides of the registry's default targets, by metric id. */
export const targetsFileSchema = z
  .object({
    /** Warning band of every metric that sets none (default 0.1). */
    default_warning_band: proportion.default(DEFAULT_WARNING_BAND),
    targets: z.record(z.string(), targetOverrideSchema).default({}),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// settings.yaml

/** `config/settings.yaml`: the KPI settings the plan leaves to each deployment. */
export const settingsFileSchema = z
  .object({
    kpi: z
      .object({
        min_sample: z
          .int({ error: "expected a whole number ≥ 1" })
          .min(1, "expected a whole number ≥ 1")
          .default(DEFAULT_KPI_SETTINGS.minSample),
        private_domain_channels: z
          .array(z.string().min(1, "expected a channel name"))
          .min(1, "expected at least one channel")
          .default([...DEFAULT_KPI_SETTINGS.privateDomainChannels]),
        currency: z
          .string()
          .regex(/^[A-Z]{3}$/, "expected an ISO 4217 currency code such as CNY")
          .default(DEFAULT_KPI_SETTINGS.currency),
        team_monthly_cost: z
          .number({ error: "expected an amount ≥ 0" })
          .min(0, "expected an amount ≥ 0")
          .default(DEFAULT_KPI_SETTINGS.teamMonthlyCost),
        ops_headcount: z
          .int({ error: "expected a whole number ≥ 1" })
          .min(1, "expected a whole number ≥ 1")
          .default(DEFAULT_KPI_SETTINGS.opsHeadcount),
        /** Baseline LTV (30 days); the ltv_30 target is `ltv_30_target_multiple` × this. */
        ltv_30_baseline: z
          .number({ error: "expected an amount > 0 (or null)" })
          .positive("expected an amount > 0 (or null)")
          .nullable()
          .default(null),
        /** The plan asks LTV to grow 50 % a year: target = 1.5 × baseline. */
        ltv_30_target_multiple: z
          .number({ error: "expected a number > 0" })
          .positive("expected a number > 0")
          .default(1.5),
        rfm_cutoffs: z
          .object({
            recency_days: z.number().min(0).optional(),
            frequency: z.number().min(0).optional(),
            monetary: z.number().min(0).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// schedules.yaml

export const scheduleSchema = z
  .object({
    cron,
    /** Defaults to the file's `time_zone`. */
    time_zone: timeZone.optional(),
    enabled: z.boolean({ error: "expected true or false" }).default(true),
    /**
     * Hold the scheduled run while the period's data is incomplete: re-check every
     * `recheck_every` (default 15m) until complete, or until `deadline` (default 2h) after
     * the scheduled time, then send what there is. `true` takes both defaults.
     */
    wait_for_complete_data: z
      .union([
        z.boolean({ error: "expected true, false or { recheck_every, deadline }" }),
        z
          .object({
            recheck_every: duration.default("15m"),
            deadline: duration.default("2h"),
          })
          .strict()
          .refine((wait) => !(durationMs(wait.deadline) < durationMs(wait.recheck_every)), {
            path: ["deadline"],
            message: "must not be shorter than recheck_every",
          }),
      ])
      .optional(),
  })
  .strict();

const DEFAULT_SCHEDULES: Record<ReportName, { cron: string }> = {
  daily: { cron: "0 8 * * *" },
  weekly: { cron: "30 8 * * 1" },
  campaigns: { cron: "0 8 * * *" },
};

/** `config/schedules.yaml`: when each report runs, in the report time zone. */
export const schedulesFileSchema = z
  .object({
    /** The report time zone: local days and ISO weeks are computed in it. */
    time_zone: timeZone.default(DEFAULT_TIME_ZONE),
    schedules: z
      .object({
        daily: scheduleSchema.prefault(DEFAULT_SCHEDULES.daily),
        weekly: scheduleSchema.prefault(DEFAULT_SCHEDULES.weekly),
        campaigns: scheduleSchema.prefault(DEFAULT_SCHEDULES.campaigns),
      })
      .strict()
      .prefault({}),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// recipients.yaml

/** SES accepts at most this many recipients (To, Cc and Bcc together) in one message. */
export const SES_MAX_RECIPIENTS = 50;

export const recipientListSchema = z
  .object({
    /** Name of the list: the outbox file name and part of the delivery key. */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, "expected a name of lowercase letters, digits and dashes"),
    locale: z.enum(LOCALES, { error: 'expected "en" or "zh-CN"' }).default("en"),
    to: z
      .array(address)
      .min(1, "expected at least one address")
      .max(
        SES_MAX_RECIPIENTS,
        `expected at most ${SES_MAX_RECIPIENTS} addresses (SES sends one message to at most ${SES_MAX_RECIPIENTS} recipients): split the list in two`,
      ),
    /** Chat contact points (names in `contact_points`) that this audience also gets. */
    chat: chatListSchema.optional(),
  })
  .strict();

const recipientLists = z
  .array(recipientListSchema)
  .default([])
  .superRefine(
    (lists, context) => {
      const seen = new Set<string>();
      lists.forEach((list, index) => {
        const name: unknown = (list as { name?: unknown } | null)?.name;
        if (typeof name !== "string") return;
        if (seen.has(name)) {
          context.addIssue({
            code: "custom",
            path: [index, "name"],
            message: `expected a unique list name, "${name}" appears twice`,
          });
        }
        seen.add(name);
      });
    },
    // Also when an item has other problems, so that every problem is reported at once.
    { when: (payload) => Array.isArray(payload.value) },
  );

/** The owner teams' lists: owner (kpi/owners.ts) → recipients. */
const ownerList = recipientListSchema.omit({ name: true }).optional();
const ownerListsSchema = z
  .object({
    user_operations: ownerList,
    content_operations: ownerList,
    campaign_operations: ownerList,
    data_operations: ownerList,
  } satisfies Record<Owner, typeof ownerList>)
  .strict()
  .default({});

/** `config/recipients.yaml`: who gets which report, in which language. */
export const recipientsFileSchema = z
  .object({
    /** The From address of every email. */
    sender: address.default("OpsPulse Reports <reports@example.com>"),
    reports: z
      .object({ daily: recipientLists, weekly: recipientLists, campaigns: recipientLists })
      .strict()
      .prefault({}),
    /** Who gets alerts and failure notices. */
    on_call: recipientListSchema.omit({ name: true }).optional(),
    /** Each owner team's list, for its alert digest (alerts.yaml `severity`: notify). */
    owners: ownerListsSchema,
    /** Who may run chat commands (functions/lib/chatops/access.ts): viewers and senders. */
    chat_commands: chatCommandsSchema,
    /** Chat and incident webhooks (functions/lib/chat/config.ts); audiences name them. */
    contact_points: contactPointsSchema,
  })
  .strict()
  .superRefine(checkChatNames, CHECK_CHAT_NAMES_ALWAYS);

/** The config files, their schemas, in the order they are read and hashed. */
export const CONFIG_FILES = {
  targets: { file: "targets.yaml", schema: targetsFileSchema },
  settings: { file: "settings.yaml", schema: settingsFileSchema },
  schedules: { file: "schedules.yaml", schema: schedulesFileSchema },
  recipients: { file: "recipients.yaml", schema: recipientsFileSchema },
  alerts: { file: "alerts.yaml", schema: alertsFileSchema },
  anomalies: { file: "anomalies.yaml", schema: anomaliesFileSchema },
  pulse: { file: "pulse.yaml", schema: pulseFileSchema },
} as const;

export type TargetsFile = z.output<typeof targetsFileSchema>;
export type SettingsFile = z.output<typeof settingsFileSchema>;
export type SchedulesFile = z.output<typeof schedulesFileSchema>;
export type RecipientsFile = z.output<typeof recipientsFileSchema>;
export type RecipientListConfig = z.output<typeof recipientListSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

function isCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return false;
  return fields.every((field, index) => {
    const [min, max] = CRON_RANGES[index] ?? [0, 0];
    return field.split(",").every((part) => {
      const match = CRON_PART.exec(part);
      if (!match) return false;
      const [, from, to, step] = match;
      const inRange = (n: string | undefined) =>
        n === undefined || (Number(n) >= min && Number(n) <= max);
      return inRange(from) && inRange(to) && (step === undefined || Number(step) >= 1);
    });
  });
}

function isDuration(text: string): boolean {
  return !Number.isNaN(durationMs(text));
}

/** The duration in milliseconds; NaN when it is not one (its own issue says so). */
function durationMs(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    if (error instanceof InvalidDurationError) return Number.NaN;
    throw error;
  }
}
