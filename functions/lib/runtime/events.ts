/**
 * The events the Lambda handlers accept, as zod schemas: what EventBridge Scheduler sends
 * (the schedule's input, see `infra/constructs/report-schedules.ts`) and what an ad-hoc
 * invocation (`opspulse invoke`, the console) may ask for.
 */

import * as z from "zod";
import { chatContextSchema } from "../chatops/context.ts";
import { LOCALES } from "../config/schema.ts";
import {
  addDays,
  InvalidPeriodError,
  type IsoDate,
  isoWeekStart,
  parseIsoDate,
  parseTimeZone,
} from "../kpi/windows.ts";
import type { ReportKind } from "../report/run-report.ts";

/**
 * The reports the use case makes. Typed against `ReportKind` both ways: a report added to
 * the use case fails type checking here until it is listed (and so accepted by the handlers).
 */
const REPORTS = { daily: true, weekly: true, campaigns: true } as const satisfies Record<
  ReportKind,
  true
>;
export const REPORT_KINDS = Object.keys(REPORTS) as [ReportKind, ...ReportKind[]];

/** Longest range an ad-hoc run accepts (one Lambda invocation runs them one by one). */
export const MAX_ADHOC_PERIODS = 31;

const isoDate = z.string().refine(isCalendarDate, { message: "expected a date YYYY-MM-DD" });
const timeZone = z.string().refine(isTimeZone, {
  message: "expected an IANA time zone such as Asia/Shanghai",
});
const instant = z.iso.datetime({ offset: true, message: "expected an ISO 8601 date-time" });

/** A re-check's part of the event (`waiting/rechecks.ts`): absent in the schedule's own. */
const recheck = z.strictObject({
  check: z.number().int().min(2),
  waitedFor: z.array(z.string()),
});

/**
 * A schedule's event: the report, its time zone and the time it was due
 * (`<aws.scheduler.scheduled-time>`); `time` is the same for an EventBridge rule's event.
 * Other fields (the rule event's envelope) are ignored.
 */
export const scheduledEventSchema = z.object({
  report: z.enum(REPORT_KINDS),
  timeZone: timeZone.optional(),
  scheduledTime: instant.optional(),
  time: instant.optional(),
  recheck: recheck.optional(),
});
export type ScheduledEvent = z.output<typeof scheduledEventSchema>;

/** The campaigns schedule's event (its report is implied). */
export const campaignsEventSchema = z.object({
  report: z.literal("campaigns").optional(),
  timeZone: timeZone.optional(),
  scheduledTime: instant.optional(),
  time: instant.optional(),
  recheck: recheck.optional(),
});
export type CampaignsEvent = z.output<typeof campaignsEventSchema>;

/** An ad-hoc run: one date, or a range of dates, of one report. */
export const adhocPayloadSchema = z
  .strictObject({
    report: z.enum(REPORT_KINDS),
    /** Any day of the period (weekly: any day of the ISO week). */
    date: isoDate.optional(),
    /** Every period from the one containing `from` to the one containing `to`. */
    range: z.strictObject({ from: isoDate, to: isoDate }).optional(),
    dryRun: z.boolean().default(false),
    /** Send only to this address, under its own delivery key (for testing). */
    to: z.email({ message: "expected one email address" }).optional(),
    locale: z.enum(LOCALES).optional(),
    timeZone: timeZone.optional(),
    /** Who asked in the chat and where to reply (read by the reply function, not the run). */
    chat: chatContextSchema.optional(),
  })
  .superRefine((payload, context) => {
    if ((payload.date === undefined) === (payload.range === undefined)) {
      context.addIssue({
        code: "custom",
        path: ["date"],
        message: 'give either "date" or "range": {"from", "to"}, not both or neither',
      });
      return;
    }
    if (payload.range && payload.range.from > payload.range.to) {
      context.addIssue({
        code: "custom",
        path: ["range"],
        message: '"from" must not be after "to"',
      });
    } else if (
      payload.range &&
      // Counting needs real dates; wrong ones already have their own issue.
      isCalendarDate(payload.range.from) &&
      isCalendarDate(payload.range.to)
    ) {
      if (adhocDates(payload as AdhocPayload).length > MAX_ADHOC_PERIODS) {
        context.addIssue({
          code: "custom",
          path: ["range"],
          message: `covers more than ${MAX_ADHOC_PERIODS} periods: split it into several runs`,
        });
      }
    }
  });
export type AdhocPayload = z.output<typeof adhocPayloadSchema>;

/**
 * One date per period the payload asks for (the Monday of each week for weekly); at most
 * one more than {@link MAX_ADHOC_PERIODS}, however long the range.
 */
export function adhocDates(payload: AdhocPayload): IsoDate[] {
  if (payload.date !== undefined) return [payload.date];
  const range = payload.range as { from: IsoDate; to: IsoDate };
  const step = payload.report === "weekly" ? 7 : 1;
  const first = payload.report === "weekly" ? isoWeekStart(range.from) : range.from;
  const dates: IsoDate[] = [];
  for (let date = first; date <= range.to; date = addDays(date, step)) {
    dates.push(date);
    if (dates.length > MAX_ADHOC_PERIODS) break;
  }
  return dates;
}

/** One line naming every problem of a rejected event: `date: expected …; to: …`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(event)"}: ${issue.message}`)
    .join("; ");
}

function isCalendarDate(text: string): boolean {
  try {
    parseIsoDate(text);
    return true;
  } catch (error) {
    if (error instanceof InvalidPeriodError) return false;
    throw error;
  }
}

function isTimeZone(text: string): boolean {
  try {
    parseTimeZone(text);
    return true;
  } catch (error) {
    if (error instanceof InvalidPeriodError) return false;
    throw error;
  }
}
