import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { atExpression } from "../../../functions/lib/adapters/scheduler-rechecks.ts";
import { loadConfig } from "../../../functions/lib/config/load.ts";
import {
  campaignsEventSchema,
  scheduledEventSchema,
} from "../../../functions/lib/runtime/events.ts";
import { waitedNotice } from "../../../functions/lib/waiting/notice.ts";
import {
  DEFAULT_WAIT_POLICY,
  formatDuration,
  isPastDeadline,
  nextCheckAt,
  parseDuration,
} from "../../../functions/lib/waiting/policy.ts";
import { recheckScheduleName } from "../../../functions/lib/waiting/rechecks.ts";

const at = (iso: string) => new Date(iso);
const SCHEDULED = at("2026-03-03T00:00:00Z");

describe("durations", () => {
  it("reads 10s, 15m and 2h, and refuses anything else in one line", () => {
    expect([parseDuration("10s"), parseDuration("15m"), parseDuration("2h")]).toEqual([
      10_000, 900_000, 7_200_000,
    ]);
    for (const bad of ["15", "0m", "1.5h", "15 min", "-5m", "1d"]) {
      expect(() => parseDuration(bad)).toThrow(
        `"${bad}" is not a duration: write a whole number and s, m or h, e.g. 10s, 15m, 2h`,
      );
    }
    expect([formatDuration(10_000), formatDuration(900_000), formatDuration(4_200_000)]).toEqual([
      "10 s",
      "15 min",
      "1 h 10 min",
    ]);
  });
});

describe("the checks of a wait", () => {
  it("are an interval apart from the scheduled time, the last at the deadline", () => {
    const next = (check: number, now: string) =>
      nextCheckAt(SCHEDULED, check, DEFAULT_WAIT_POLICY, at(now)).toISOString();
    expect(next(1, "2026-03-03T00:00:40Z")).toBe("2026-03-03T00:15:00.000Z");
    expect(next(8, "2026-03-03T01:45:10Z")).toBe("2026-03-03T02:00:00.000Z");
    // A run later than its slot (a retry) is never told to check in the past.
    expect(next(2, "2026-03-03T00:40:00Z")).toBe("2026-03-03T00:40:00.000Z");
    expect(isPastDeadline(SCHEDULED, DEFAULT_WAIT_POLICY, at("2026-03-03T01:59:59Z"))).toBe(false);
    expect(isPastDeadline(SCHEDULED, DEFAULT_WAIT_POLICY, at("2026-03-03T02:00:00Z"))).toBe(true);
  });

  it("are named per report, period and check within Scheduler's limits", () => {
    expect(recheckScheduleName("daily", "2026-03-02", 3)).toBe("opspulse-wait-daily-2026-03-02-c3");
    expect(recheckScheduleName("daily", "tz=America.New_York/2026-03-02", 2)).toBe(
      "opspulse-wait-daily-tz_America.New_York_2026-03-02-c2",
    );
    const long = recheckScheduleName(
      "campaigns",
      "tz=America.Argentina.ComodRivadavia/2026-03-02",
      12,
    );
    expect(long).toMatch(/^opspulse-wait-campaigns-[0-9a-f]{16}-c12$/);
    expect(long.length).toBeLessThanOrEqual(64);
    expect(atExpression(at("2026-03-03T00:15:00Z"))).toBe("at(2026-03-03T00:15:00)");
    expect(atExpression(at("2026-03-03T00:15:01.500Z"))).toBe("at(2026-03-03T00:16:00)");
  });
});

describe("the managers' line after a wait", () => {
  it("says when it was sent and how long it waited for what, in both languages", () => {
    const notice = waitedNotice(at("2026-03-03T01:10:00Z"), SCHEDULED, ["orders"], "Asia/Shanghai");
    expect(notice.text.en).toBe("Sent at 09:10 after waiting 70 min for orders data.");
    expect(notice.text["zh-CN"]).toBe("因等待 orders 数据 70 分钟，于 09:10 发送。");
    const unknown = waitedNotice(at("2026-03-03T00:10:00Z"), SCHEDULED, [], "Asia/Shanghai");
    expect(unknown.text).toEqual({
      en: "Sent at 08:10 after waiting 10 min for complete data.",
      "zh-CN": "因等待完整数据 10 分钟，于 08:10 发送。",
    });
  });
});

describe("wait_for_complete_data in schedules.yaml", () => {
  const withSchedules = (yaml: string) => {
    const dir = mkdtempSync(join(tmpdir(), "opspulse-"));
    try {
      writeFileSync(join(dir, "schedules.yaml"), yaml);
      return loadConfig(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it("is off by default, true takes 15m and 2h, and each may be set", () => {
    const config = withSchedules(
      'schedules:\n  daily: { cron: "0 8 * * *", wait_for_complete_data: true }\n  weekly: { cron: "30 8 * * 1", wait_for_complete_data: { recheck_every: 10m } }\n',
    );
    expect(config.schedules.daily.waitForCompleteData).toEqual(DEFAULT_WAIT_POLICY);
    expect(config.schedules.weekly.waitForCompleteData).toEqual({
      intervalMs: 600_000,
      deadlineMs: 7_200_000,
    });
    expect(config.schedules.campaigns.waitForCompleteData).toBeUndefined();
  });

  it("refuses a bad duration or a deadline shorter than the interval, naming the path", () => {
    expect(() =>
      withSchedules(
        'schedules:\n  daily: { cron: "0 8 * * *", wait_for_complete_data: { deadline: "2 hours" } }\n',
      ),
    ).toThrow(
      /schedules\.yaml.*schedules\.daily\.wait_for_complete_data\.deadline.*expected a duration/,
    );
    expect(() =>
      withSchedules(
        'schedules:\n  daily: { cron: "0 8 * * *", wait_for_complete_data: { recheck_every: 1h, deadline: 30m } }\n',
      ),
    ).toThrow(
      /schedules\.daily\.wait_for_complete_data\.deadline.*must not be shorter than recheck_every/,
    );
  });
});

describe("a re-check's event", () => {
  const base = {
    report: "daily",
    timeZone: "Asia/Shanghai",
    scheduledTime: "2026-03-03T00:00:00.000Z",
  };

  it("is accepted by the scheduled handlers with its check number and the tables waited for", () => {
    const event = { ...base, recheck: { check: 3, waitedFor: ["orders"] } };
    expect(scheduledEventSchema.parse(event)).toEqual(event);
    expect(campaignsEventSchema.parse({ ...event, report: "campaigns" }).recheck).toEqual(
      event.recheck,
    );
  });

  it("is refused with a check before 2 or an unknown field", () => {
    expect(
      scheduledEventSchema.safeParse({ ...base, recheck: { check: 1, waitedFor: [] } }).success,
    ).toBe(false);
    expect(
      scheduledEventSchema.safeParse({ ...base, recheck: { check: 2, waitedFor: [], extra: 1 } })
        .success,
    ).toBe(false);
  });
});
