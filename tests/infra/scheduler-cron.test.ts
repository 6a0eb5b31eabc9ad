import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CronTranslationError, toSchedulerCron } from "../../infra/scheduler-cron.ts";

describe("toSchedulerCron", () => {
  it.each([
    ["0 8 * * *", "cron(0 8 * * ? *)"],
    ["30 8 * * 1", "cron(30 8 ? * MON *)"],
    // crontab's Sunday is 0 or 7; EventBridge's would be 1: names avoid the off-by-one.
    ["0 9 * * 0", "cron(0 9 ? * SUN *)"],
    ["0 9 * * 7", "cron(0 9 ? * SUN *)"],
    ["0 9 * * 1-5", "cron(0 9 ? * MON,TUE,WED,THU,FRI *)"],
    ["0 9 * * 5-7", "cron(0 9 ? * SUN,FRI,SAT *)"],
    ["0 9 * * */2", "cron(0 9 ? * SUN,TUE,THU,SAT *)"],
    ["0 9 * * 0-6", "cron(0 9 ? * * *)"],
    ["0 7 1 * *", "cron(0 7 1 * ? *)"],
    ["*/15 * * * *", "cron(0/15 * * * ? *)"],
    ["5/20 8 * * *", "cron(5/20 8 * * ? *)"],
    ["0 8-18/4 * * *", "cron(0 8,12,16 * * ? *)"],
    ["0 8,20 1-7 */3 *", "cron(0 8,20 1-7 1/3 ? *)"],
    ["  15   6  *  *  2,4 ", "cron(15 6 ? * TUE,THU *)"],
  ])("%s → %s", (crontab, expected) => {
    expect(toSchedulerCron(crontab)).toBe(expected);
  });

  it("refuses a day-of-month AND day-of-week restriction, which crontab reads as OR", () => {
    expect(() => toSchedulerCron("0 8 1 * 1")).toThrow(CronTranslationError);
    expect(() => toSchedulerCron("0 8 1 * 1")).toThrow(/restrict only one of them/);
    // Every weekday, but written as a restriction: crontab would run daily, not on the 1st.
    expect(() => toSchedulerCron("0 8 1 * 0-7")).toThrow(CronTranslationError);
  });

  it.each([
    "0 8 * *",
    "0 8 * * * *",
    "61 8 * * *",
    "0 24 * * *",
    "0 8 0 * *",
    "0 8 * * 8",
    "x 8 * * *",
    "0 8-6 * * *",
  ])("rejects %s", (crontab) => {
    expect(() => toSchedulerCron(crontab)).toThrow(CronTranslationError);
  });
});

describe("toSchedulerCron on any crontab the config accepts", () => {
  const part = (min: number, max: number) =>
    fc.oneof(
      fc.constant("*"),
      fc.integer({ min, max }).map(String),
      fc
        .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
        .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
      fc.integer({ min: 1, max: 9 }).map((step) => `*/${step}`),
    );
  const field = (min: number, max: number) =>
    fc.array(part(min, max), { minLength: 1, maxLength: 3 }).map((parts) => parts.join(","));

  it("yields six fields with exactly one '?' in the day fields", () => {
    fc.assert(
      fc.property(
        field(0, 59),
        field(0, 23),
        field(1, 31),
        field(1, 12),
        field(0, 7),
        fc.boolean(),
        (minute, hour, dayOfMonth, month, dayOfWeek, restrictWeekday) => {
          const crontab = restrictWeekday
            ? `${minute} ${hour} * ${month} ${dayOfWeek}`
            : `${minute} ${hour} ${dayOfMonth} ${month} *`;
          const fields = /^cron\((.*)\)$/.exec(toSchedulerCron(crontab))?.[1]?.split(" ") ?? [];
          expect(fields).toHaveLength(6);
          expect([fields[2], fields[4]].filter((f) => f === "?")).toHaveLength(1);
          expect(fields[5]).toBe("*");
        },
      ),
    );
  });
});
