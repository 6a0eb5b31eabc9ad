/**
 * `opspulse kpis`, spawned as a person or a script would run it, on a small lake written
 * in the test: the JSON object has every metric id of the period with numbers or null, the
 * table shows labels, formatted values and "insufficient data (n=…)", and a wrong date or
 * zone is one line on stderr.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USER_KPI_IDS } from "../../../functions/lib/kpi/user-kpis.ts";
import { writeLake } from "../../../functions/lib/lake/writer.ts";
import { spawnOpspulse } from "../../support/cli.ts";
import { event, order } from "../../support/rows.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const lake = join(root, "lake");
// An empty config folder: the plan's defaults, whatever config/ holds.
const config = mkdtempSync(join(root, "config-"));

const opspulse = (...args: string[]) => spawnOpspulse(args, { cwd: root });

beforeAll(async () => {
  // Shanghai, 1 Mar 2026 (a Sunday): u1 signed up on 28 Feb and comes back, u2 signed up
  // on 28 Feb at 23:59:59 local; u1 pays 10.50 and, a second before midnight, 0.20.
  await writeLake(lake, {
    events: [
      event("e1", "2026-02-27T17:00:00Z", "u1", { event_type: "signup" }),
      event("e2", "2026-02-28T17:00:00Z", "u1", { channel: "wecom" }),
      event("e3", "2026-02-28T15:59:59Z", "u2", { event_type: "signup" }),
    ],
    orders: [
      order("o1", "2026-02-28T18:00:00Z", "10.50"),
      order("o2", "2026-03-01T15:59:59Z", "0.20"),
    ],
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("opspulse kpis", () => {
  it("prints one JSON object with every metric of the day and of the week", async () => {
    const [day, week] = await Promise.all([
      opspulse(
        "kpis",
        "--period",
        "day",
        "--date",
        "2026-03-01",
        "--lake",
        lake,
        "--config",
        config,
        "--json",
        "--min-sample",
        "1",
      ),
      opspulse(
        "kpis",
        "--period",
        "week",
        "--date",
        "2026-02-25",
        "--lake",
        lake,
        "--config",
        config,
        "--json",
        "--min-sample",
        "1",
      ),
    ]);
    expect(day.stderr).toBe("");
    expect(day.code).toBe(0);
    const dayValues = JSON.parse(day.stdout) as Record<string, number | null>;
    for (const id of USER_KPI_IDS.day) expect(dayValues).toHaveProperty(id);
    expect(dayValues).toMatchObject({
      new_users: 0,
      dau: 1,
      mau: 2,
      retention_d1: 0.5,
      orders: 2,
      gmv: 10.7,
      aov: 5.35,
      private_domain_share: 0.5,
      retention_d7: null,
    });
    expect(week.code).toBe(0);
    const weekValues = JSON.parse(week.stdout) as Record<string, number | null>;
    for (const id of USER_KPI_IDS.week) expect(weekValues).toHaveProperty(id);
    expect(weekValues).toMatchObject({ new_users: 2, wau: 2, orders: 2, gmv: 10.7, arpu: 5.35 });
    expect(weekValues).not.toHaveProperty("retention_d1");
  });

  it("prints a table with labels, formatted values and insufficient data", async () => {
    const { code, stdout } = await opspulse(
      "kpis",
      "--period",
      "day",
      "--date",
      "2026-03-01",
      "--tz",
      "Asia/Shanghai",
      "--lake",
      lake,
      "--config",
      config,
    );
    expect(code).toBe(0);
    expect(stdout).toContain("KPIs of 2026-03-01 (Asia/Shanghai)");
    expect(stdout).toMatch(/^GMV\s+CN¥10\.70$/m);
    expect(stdout).toMatch(/^Paid orders\s+2$/m);
    expect(stdout).toMatch(/^D1 retention\s+insufficient data \(n=2\)$/m);
    expect(stdout).toContain("below 100");
  });

  it("reads the rollups inlined for another zone than the config's, leaving the lake's as they are", async () => {
    const zonedLake = join(root, "zoned-lake");
    cpSync(lake, zonedLake, { recursive: true });
    const kpis = (...extra: string[]) =>
      opspulse(
        "kpis",
        "--period",
        "day",
        "--date",
        "2026-03-01",
        "--lake",
        zonedLake,
        "--config",
        config,
        "--json",
        ...extra,
      );
    const built = await kpis();
    expect(built.code, built.stderr).toBe(0);
    const manifests = () =>
      readdirSync(join(zonedLake, "rollups", "user_day")).map((day) =>
        readFileSync(join(zonedLake, "rollups", "user_day", day, "_manifest.json"), "utf8"),
      );
    const before = manifests();
    expect(before.length).toBeGreaterThan(0);
    const newYork = await kpis("--tz", "America/New_York");
    expect(newYork.code, newYork.stderr).toBe(0);
    expect(manifests()).toEqual(before);
  });

  it("says in one line what is wrong with a date, a zone or a lake", async () => {
    const [date, zone, noLake] = await Promise.all([
      opspulse(
        "kpis",
        "--period",
        "day",
        "--date",
        "2026-02-30",
        "--lake",
        lake,
        "--config",
        config,
      ),
      opspulse(
        "kpis",
        "--period",
        "week",
        "--date",
        "2026-03-01",
        "--tz",
        "Mars/Olympus",
        "--lake",
        lake,
        "--config",
        config,
      ),
      opspulse(
        "kpis",
        "--period",
        "day",
        "--date",
        "2026-03-01",
        "--lake",
        join(root, "nowhere"),
        "--config",
        config,
      ),
    ]);
    expect(date.code).toBe(2);
    expect(date.stderr).toMatch(
      /^opspulse: "2026-02-30" is not a calendar date: write it as YYYY-MM-DD.*\n$/,
    );
    expect(zone.code).toBe(2);
    expect(zone.stderr).toMatch(/^opspulse: "Mars\/Olympus" is not an IANA time zone.*\n$/);
    expect(noLake.code).toBe(2);
    expect(noLake.stderr).toMatch(/^opspulse: no lake at .*nowhere: run "opspulse generate.*\n$/);
  });
});
