/**
 * Translates the five-field cron of `config/schedules.yaml` (minute hour day-of-month month
 * day-of-week, as `crontab` reads it) into an EventBridge Scheduler expression
 * `cron(minutes hours day-of-month month day-of-week year)`.
 *
 * The two dialects differ in ways that silently shift a schedule if copied as text:
 * EventBridge numbers weekdays 1–7 from Sunday (crontab: 0–7, 0 and 7 both Sunday), needs
 * `?` in exactly one of the two day fields, and cannot say "day 1 OR Monday" as crontab
 * does when both day fields are restricted. Weekdays are therefore written as names
 * (`MON,WED`), and the OR case is refused with an error instead of being guessed.
 */

const WEEKDAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

/** Lowest value of each crontab field (minute, hour, day of month, month, day of week). */
const FIELD_MINIMUM = [0, 0, 1, 1, 0] as const;
const FIELD_MAXIMUM = [59, 23, 31, 12, 7] as const;

/** A crontab expression EventBridge Scheduler cannot express. */
export class CronTranslationError extends Error {
  override name = "CronTranslationError";
}

/** `"30 8 * * 1"` → `"cron(30 8 ? * MON *)"`. Throws {@link CronTranslationError}. */
export function toSchedulerCron(crontab: string): string {
  const fields = crontab.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new CronTranslationError(
      `"${crontab}" is not a 5-field cron (minute hour day-of-month month day-of-week)`,
    );
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields.map((field, index) =>
    translateField(field, index),
  ) as [string, string, string, string, string];
  // As crontab decides it: a day field is restricted unless written exactly `*`.
  const weekdayRestricted = fields[4] !== "*";
  const monthDayRestricted = fields[2] !== "*";
  if (weekdayRestricted && monthDayRestricted) {
    throw new CronTranslationError(
      `"${crontab}" restricts both the day of month and the day of week, which crontab reads as "either"; EventBridge Scheduler cannot express that: restrict only one of them`,
    );
  }
  const days = weekdayRestricted ? ["?", dayOfWeek] : [dayOfMonth, "?"];
  return `cron(${minute} ${hour} ${days[0]} ${month} ${days[1]} *)`;
}

function translateField(field: string, index: number): string {
  if (field === "*") return "*";
  if (index === 4) return weekdayNames(field);
  const minimum = FIELD_MINIMUM[index] ?? 0;
  const maximum = FIELD_MAXIMUM[index] ?? 59;
  return field
    .split(",")
    .map((part) => {
      const { from, to, step } = parsePart(part, minimum, maximum);
      if (step === undefined) return from === to ? `${from}` : `${from}-${to}`;
      // `a/s` reads the same in both dialects when it runs to the field's end; a bounded
      // range with a step is spelled out as a list, which every cron dialect reads alike.
      if (to === maximum) return `${from}/${step}`;
      return values(from, to, step).join(",");
    })
    .join(",");
}

/** The weekdays a crontab day-of-week field selects, as EventBridge names in week order. */
function weekdayNames(field: string): string {
  const days = new Set<number>();
  for (const part of field.split(",")) {
    const { from, to, step } = parsePart(part, 0, 7);
    for (const day of values(from, to, step ?? 1)) days.add(day % 7);
  }
  if (days.size === 7) return "*";
  return [...days]
    .sort((a, b) => a - b)
    .map((day) => WEEKDAY_NAMES[day])
    .join(",");
}

function parsePart(
  part: string,
  minimum: number,
  maximum: number,
): { from: number; to: number; step?: number } {
  const match = /^(?:(\*)|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part);
  if (!match) throw new CronTranslationError(`"${part}" is not a cron field part`);
  const [, star, first, last, stepText] = match;
  const from = star ? minimum : Number(first);
  // `5/15` runs from 5 to the end of the field, like `5-59/15`.
  const to = star || (last === undefined && stepText) ? maximum : Number(last ?? first);
  const step = stepText === undefined ? undefined : Number(stepText);
  if (from < minimum || to > maximum || from > to || step === 0) {
    throw new CronTranslationError(`"${part}" is out of range ${minimum}-${maximum}`);
  }
  return step === undefined ? { from, to } : { from, to, step };
}

function values(from: number, to: number, step: number): number[] {
  const result: number[] = [];
  for (let value = from; value <= to; value += step) result.push(value);
  return result;
}
