import { describe, expect, it } from "vitest";
import { rerunCommand } from "../../../functions/lib/report/run-request.ts";

const config = {
  schedules: {
    daily: { timeZone: "Asia/Shanghai" },
    weekly: { timeZone: "Asia/Shanghai" },
    campaigns: { timeZone: "Asia/Shanghai" },
  },
} as unknown as Parameters<typeof rerunCommand>[2];
const period = { start: "2026-03-01", timeZone: "Asia/Shanghai" } as const;

describe("rerunCommand", () => {
  it("re-runs a delivering run with --send, a preview or a test send as it was", () => {
    expect(rerunCommand({ report: "daily" }, period, config)).toBe(
      "opspulse run daily --date 2026-03-01 --send",
    );
    expect(rerunCommand({ report: "daily", dryRun: true }, period, config)).toBe(
      "opspulse run daily --date 2026-03-01",
    );
    expect(rerunCommand({ report: "daily", to: "me@example.com" }, period, config)).toBe(
      "opspulse run daily --date 2026-03-01",
    );
  });

  it("advises --resend once the period was delivered (--send is then refused)", () => {
    expect(rerunCommand({ report: "daily" }, period, config, { afterDelivery: true })).toBe(
      "opspulse run daily --date 2026-03-01 --resend",
    );
    // Nothing was delivered by a preview: it stays a preview.
    expect(
      rerunCommand({ report: "daily", dryRun: true }, period, config, { afterDelivery: true }),
    ).toBe("opspulse run daily --date 2026-03-01");
  });

  it("names the zone when the period is not in the schedule's", () => {
    expect(
      rerunCommand({ report: "weekly" }, { start: "2026-03-02", timeZone: "UTC" }, config),
    ).toBe("opspulse run weekly --date 2026-03-02 --tz UTC --send");
  });
});
