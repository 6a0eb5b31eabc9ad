import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../../functions/lib/config/load.ts";

const withPulse = (text: string | undefined) =>
  parseConfig([{ file: "pulse.yaml", text }], "config");

describe("config/pulse.yaml", () => {
  it("defaults to an hourly pulse: 30-minute stalls that page, pace from 08:00 that notifies, 4 weeks", () => {
    const pulse = withPulse(undefined).pulse;
    expect(pulse).toMatchObject({
      enabled: true,
      everyMinutes: 60,
      stallSeverity: "page",
      paceSeverity: "notify",
      paceForPulses: 2,
      settings: {
        stallMinutes: 30,
        minExpected: 20,
        pace: { enabled: true, minExpected: 100, fromHour: 8 },
        band: { periods: 4, k: 3, direction: "drops" },
      },
    });
  });

  it("resolves its keys into the core's settings", () => {
    const pulse = withPulse(
      "every_minutes: 15\nstall: { minutes: 45, min_expected_by_table: { orders: 5 }, severity: notify }\npace: { enabled: false, k: 4 }\nbaseline_weeks: 6\n",
    ).pulse;
    expect(pulse).toMatchObject({
      everyMinutes: 15,
      stallSeverity: "notify",
      settings: {
        stallMinutes: 45,
        minExpectedByTable: { orders: 5 },
        pace: { enabled: false },
        band: { periods: 6, k: 4 },
      },
    });
  });

  it("refuses a wrong value in one line naming the file, the key and what is expected", () => {
    try {
      withPulse("every_minutes: 10\npace: { from_hour: 25 }\n");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        "config/pulse.yaml: every_minutes: expected 15, 20, 30 or 60 (minutes between pulses, down to 15) (line 1)",
        "config/pulse.yaml: pace.from_hour: expected a local hour from 0 to 23 (line 2)",
      ]);
    }
  });
});
