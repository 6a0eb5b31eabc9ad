import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeReplay } from "../../../functions/cli/commands/alerts.ts";
import { createFsSnapshotStore } from "../../../functions/lib/adapters/fs-store.ts";
import { replayStoredAlerts, scheduledRunTime } from "../../../functions/lib/alerts/replay.ts";
import { parseConfig } from "../../../functions/lib/config/load.ts";
import { addDays, periodContaining } from "../../../functions/lib/kpi/windows.ts";

const tmp = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const config = (targets: string, alerts = "") =>
  parseConfig(
    [
      { file: "targets.yaml", text: targets },
      { file: "alerts.yaml", text: alerts },
    ],
    "config",
  );

/** Stores daily snapshots whose GMV (and a campaign's ROI) are the given values. */
async function store(
  dir: string,
  gmv: readonly (number | null)[],
  first = "2026-03-01",
  reports: readonly string[] = ["daily"],
  keyPrefix = "",
) {
  const snapshots = createFsSnapshotStore({ dir });
  for (const [i, value] of gmv.entries()) {
    if (value === null) continue;
    for (const report of reports) {
      await snapshots.put({
        report,
        periodKey: `${keyPrefix}${addDays(first, i)}`,
        // Stored statuses are ignored: the replay judges against the current targets.
        metrics: {
          gmv: { value, status: "met", target: null, previous: null, yearEarlier: null },
          dau: { value: 10, status: "no_target", target: null, previous: null, yearEarlier: null },
        },
        scoped: {
          spring: {
            campaign_roi: { value: value / 1000, status: "met", previous: null, yearEarlier: null },
          },
        },
      });
    }
  }
  return snapshots;
}

describe("replayStoredAlerts", () => {
  it("judges stored values against the current targets and lists what would have fired", async () => {
    const snapshots = await store(join(tmp, "a"), [1200, 500, 400, null, 300, 1500]);
    const replay = await replayStoredAlerts(
      snapshots,
      config("targets:\n  gmv: { target: 1000 }\n  campaign_roi: { target: null }\n"),
      { report: "daily", from: "2026-03-01", to: "2026-03-07" },
    );
    expect(replay.periods).toEqual([
      "2026-03-01",
      "2026-03-02",
      "2026-03-03",
      "2026-03-05",
      "2026-03-06",
    ]);
    expect(replay.missing).toEqual(["2026-03-04", "2026-03-07"]);
    expect(replay.fired.map((n) => [n.at, n.periodKey, n.kind])).toEqual([
      ["2026-03-03T00:00:00.000Z", "2026-03-02", "start"], // 08:00 Shanghai the next morning
      ["2026-03-04T00:00:00.000Z", "2026-03-03", "reminder"],
      ["2026-03-06T00:00:00.000Z", "2026-03-05", "reminder"],
      ["2026-03-07T00:00:00.000Z", "2026-03-06", "resolved"],
    ]);
    expect(replay.counts).toEqual({ gmv: { start: 1, reminder: 2, resolved: 1 } });
    expect(replay.breachedPeriods).toEqual({ gmv: 3 });
  });

  it("replays a zone's own snapshots when run in another zone than the configured one", async () => {
    const dir = join(tmp, "zones");
    await store(dir, [1200, 1300, 1400]); // Shanghai, the configured zone: all met
    const snapshots = await store(
      dir,
      [1200, 500, 1500],
      "2026-03-01",
      ["daily"],
      "tz=America.New_York/",
    );
    const targets = config("targets:\n  gmv: { target: 1000 }\n  campaign_roi: { target: null }\n");
    const range = { report: "daily", from: "2026-03-01", to: "2026-03-03" } as const;
    const shanghai = await replayStoredAlerts(snapshots, targets, range);
    expect(shanghai.breachedPeriods).toEqual({});
    const newYork = await replayStoredAlerts(snapshots, targets, {
      ...range,
      timeZone: "America/New_York",
    });
    expect(newYork.missing).toEqual([]);
    expect(newYork.breachedPeriods).toEqual({ gmv: 1 });
  });

  it("shows how a different target and reminder interval would have behaved", async () => {
    const snapshots = await store(join(tmp, "b"), [1200, 500, 400, 350, 300, 1500], "2026-03-01", [
      "daily",
      "campaigns",
    ]);
    const rules = config(
      "targets:\n  gmv: { target: 450 }\n  campaign_roi: { target: 1 }\n",
      "reminder_every_hours: 48\nfor_periods: 2\n",
    );
    // The daily report shows per-campaign metrics but leaves their alerts to the campaigns
    // report, so that on-call hears of a campaign metric once.
    const daily = await replayStoredAlerts(snapshots, rules, {
      report: "daily",
      from: "2026-03-01",
      to: "2026-03-06",
    });
    expect(
      daily.fired.map((n) => `${n.periodKey} ${n.kind} ${"metric" in n ? n.metric : ""}`),
    ).toEqual(["2026-03-04 start gmv", "2026-03-06 resolved gmv"]);
    const replay = await replayStoredAlerts(snapshots, rules, {
      report: "campaigns",
      from: "2026-03-01",
      to: "2026-03-06",
    });
    expect(
      replay.fired.map((n) => `${n.periodKey} ${n.kind} ${"metric" in n ? n.metric : ""}`),
    ).toEqual([
      "2026-03-03 start campaign_roi",
      "2026-03-04 start gmv",
      "2026-03-05 reminder campaign_roi",
      "2026-03-06 resolved campaign_roi",
      "2026-03-06 resolved gmv",
    ]);
    const start = replay.fired.find((n) => n.kind === "start" && n.metric === "gmv");
    expect(start).toMatchObject({ since: "2026-03-03", scope: "all", value: 350, target: 450 });
    expect(replay.breachedPeriods).toEqual({ "campaign_roi [spring]": 4, gmv: 3 });
    const lines = describeReplay(daily, "cfg-test", "CNY");
    expect(lines).toContain(
      "2026-03-05 00:00      2026-03-04  start            gmv CN¥350.00 vs ≥ CN¥450.00 (since 2026-03-03)",
    );
    expect(lines).toContain("  gmv: breached 3 of 6 periods · 1 start, 1 resolved");
  });
});

describe("replayStoredAlerts over a day the completeness gate found incomplete", () => {
  it("replays it as it ran: one data alert, its metrics not judged, no episode opened", async () => {
    const snapshots = await store(join(tmp, "c"), [1200, 1300, null, 400, 1500]);
    const missing = {
      table: "events",
      partition: "2026-03-03",
      kind: "missing_partition" as const,
      rows: 0,
      expectedRows: 48,
      message: "events: partition dt=2026-03-03 is missing (0 rows).",
    };
    await snapshots.put({
      report: "daily",
      periodKey: "2026-03-03",
      metrics: {
        gmv: {
          value: 200,
          status: "data_incomplete",
          incompleteInputs: ["events"],
          target: null,
          previous: null,
          yearEarlier: null,
        },
      },
      scoped: {},
      dataCompleteness: { issues: [missing] },
    });
    const replay = await replayStoredAlerts(
      snapshots,
      config("targets:\n  gmv: { target: 1000 }\n  campaign_roi: { target: null }\n"),
      { report: "daily", from: "2026-03-01", to: "2026-03-05" },
    );
    // GMV 200 on 03-03 misses the target, but its data was incomplete: not a breach.
    expect(replay.fired.map((n) => [n.periodKey, n.kind])).toEqual([
      ["2026-03-03", "data_incomplete"],
      ["2026-03-04", "start"],
      ["2026-03-05", "resolved"],
    ]);
    expect(replay.fired.find((n) => n.kind === "start")).toMatchObject({ since: "2026-03-04" });
    expect(replay.breachedPeriods).toEqual({ gmv: 1 });
  });
});

describe("scheduledRunTime", () => {
  it("is the schedule's local hour the day after a day, and the Monday after a week", () => {
    const schedule = { cron: "30 8 * * *", timeZone: "Asia/Shanghai", enabled: true };
    expect(
      scheduledRunTime(periodContaining("day", "2026-03-01", "Asia/Shanghai"), schedule),
    ).toEqual(new Date("2026-03-02T00:30:00Z"));
    expect(
      scheduledRunTime(periodContaining("week", "2026-03-04", "Asia/Shanghai"), schedule),
    ).toEqual(new Date("2026-03-09T00:30:00Z"));
    expect(
      scheduledRunTime(periodContaining("day", "2026-03-01", "Asia/Shanghai"), {
        ...schedule,
        cron: "*/15 * * * *",
      }),
    ).toEqual(new Date("2026-03-01T16:00:00Z"));
  });
});

describe("replay of campaign pacing and message volume", () => {
  /** A 10-day campaign from 2026-03-01 with `participants` cumulative on each day. */
  async function campaignDays(dir: string, participants: readonly number[], roi: number) {
    const snapshots = createFsSnapshotStore({ dir });
    for (const [i, value] of participants.entries()) {
      const day = addDays("2026-03-01", i);
      const final = day > "2026-03-10";
      await snapshots.put({
        report: "campaigns",
        periodKey: day,
        metrics: {},
        scoped: {
          spring: {
            participants: { value, status: "met", previous: null, yearEarlier: null },
            campaign_roi: { value: roi, status: "tracking", previous: null, yearEarlier: null },
          },
        },
        details: {
          campaigns: [
            {
              campaignId: "spring",
              startDate: "2026-03-01",
              endDate: "2026-03-10",
              campaignDay: Math.min(i + 1, 10),
              final,
            },
          ],
        },
      });
    }
    return snapshots;
  }

  it("does not breach a running campaign on pace, and alerts once on the final snapshot", async () => {
    // 1 100 a day against 10 000 over 10 days: on pace; ROI 1 against 3 ends below target.
    const participants = [1100, 2200, 3300, 4400, 5500, 6600, 7700, 8800, 9900, 11000, 11000];
    const snapshots = await campaignDays(join(tmp, "pacing"), participants, 1);
    const replay = await replayStoredAlerts(snapshots, config(""), {
      report: "campaigns",
      from: "2026-03-01",
      to: "2026-03-11",
    });
    expect(replay.fired.map((n) => [n.periodKey, n.kind, "metric" in n ? n.metric : ""])).toEqual([
      ["2026-03-11", "start", "campaign_roi"],
    ]);
  });

  it("counts one message per run and audience, accounting for every alert", async () => {
    const snapshots = await store(join(tmp, "volume"), [1200, 500, 400, 300, 1500]);
    const replay = await replayStoredAlerts(
      snapshots,
      parseConfig(
        [
          {
            file: "targets.yaml",
            text: "targets:\n  gmv: { target: 1000 }\n  campaign_roi: { target: null }\n",
          },
          {
            file: "recipients.yaml",
            text: "owners:\n  user_operations:\n    to: [a@example.com, b@example.com]\n",
          },
        ],
        "config",
      ),
      { report: "daily", from: "2026-03-01", to: "2026-03-05" },
    );
    expect(replay.volume.notifications).toBe(4); // start, 2 reminders, resolved
    expect(replay.volume.accounted).toBe(4);
    expect(replay.volume.audiences).toEqual([
      {
        audience: "owner:user_operations",
        messages: 4,
        maxPerRun: 1,
        perPeriod: 4 / 5,
        items: { start: 1, reminder: 2, resolved: 1 },
        recipients: 2,
      },
    ]);
    expect(replay.volume.perPerson).toEqual({ "a@example.com": 4, "b@example.com": 4 });
  });
});
