import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLake } from "../../../functions/lib/lake/writer.ts";
import { spawnOpspulse } from "../../support/cli.ts";
import { event } from "../../support/rows.ts";

const tmp = mkdtempSync(join(tmpdir(), "opspulse-"));
const lakeDir = join(tmp, "lake");
const queryFile = join(tmp, "events_per_day.sql");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `node bin/opspulse.js …` (by default on the Node running the tests) in the repo. */
const opspulse = (args: readonly string[], node = process.execPath) =>
  spawnOpspulse(args, { node, env: { ...process.env, OPSPULSE_DEBUG: "" } });

const lines = (text: string) => text.split("\n").filter((line) => line !== "");

beforeAll(async () => {
  await writeLake(lakeDir, {
    events: [
      event("e1", "2026-02-28T15:59:59Z", "u1"), // Shanghai 2026-02-28
      event("e2", "2026-02-28T16:00:00Z", "u2"), // Shanghai 2026-03-01
      event("e3", "2026-03-01T09:00:00Z", "u2"),
    ],
  });
  writeFileSync(
    queryFile,
    `-- Events per local day.
-- Grain: one row per local day of :cal.
-- @param cal calendar  local days
-- @param dt_from varchar  first dt partition
-- @param dt_to varchar  last dt partition
-- Output: local_date, events, users
with final as (
  select cal.local_date, count(*) as events, count(distinct e.user_id) as users
  from events as e
  join :cal as cal (local_date, dt, day_start, day_end) on e.dt = cal.dt
  where e.dt between :dt_from and :dt_to
    and e.event_time >= cal.day_start and e.event_time < cal.day_end
  group by cal.local_date
)
select * from final
`,
  );
});

const runQuery = (...extra: string[]) =>
  opspulse([
    "sql",
    "--file",
    queryFile,
    "--lake",
    lakeDir,
    "--param",
    "cal=2026-02-28..2026-03-01",
    "--param",
    "dt_from=2026-02-27",
    "--param",
    "dt_to=2026-03-01",
    ...extra,
  ]);

describe("opspulse sql", () => {
  it("prints the rows as a table, and the row count and partitions read on stderr", async () => {
    const { code, stdout, stderr } = await runQuery();
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/local_date.*events.*users/);
    expect(stdout).toMatch(/'2026-02-28'.*\b1\b.*\b1\b/);
    expect(stdout).toMatch(/'2026-03-01'.*\b2\b.*\b1\b/);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/^2 rows in \d+ ms; dt partitions read: events 2, orders 0\n$/);
  });

  it("prints JSON Lines with --json, bucketing by local day in the --tz zone", async () => {
    const shanghai = await runQuery("--json");
    expect(shanghai.code, shanghai.stderr).toBe(0);
    const byDay = (text: string) =>
      lines(text)
        .map((line) => JSON.parse(line) as { local_date: string })
        .sort((a, b) => a.local_date.localeCompare(b.local_date));
    expect(byDay(shanghai.stdout)).toEqual([
      { local_date: "2026-02-28", events: 1, users: 1 },
      { local_date: "2026-03-01", events: 2, users: 1 },
    ]);
    const utc = await runQuery("--json", "--tz", "UTC");
    expect(byDay(utc.stdout)).toEqual([
      { local_date: "2026-02-28", events: 2, users: 2 },
      { local_date: "2026-03-01", events: 1, users: 1 },
    ]);
  });

  it.each<[string, readonly string[], RegExp]>([
    [
      "an unknown parameter",
      ["--param", "nope=1"],
      /has no parameter "nope"; it declares: cal, dt_from, dt_to/,
    ],
    ["a parameter without =", ["--param", "dt_from"], /--param "dt_from" is not name=value/],
    [
      "a malformed calendar",
      ["--param", "cal=2026-02-28..2026-03-01..2026-03-02"],
      /is not a calendar: write the local days as FROM\.\.TO/,
    ],
    ["an impossible date", ["--param", "cal=2026-02-30"], /"2026-02-30" is not a calendar date/],
    ["an unknown time zone", ["--tz", "Mars/Olympus"], /"Mars\/Olympus" is not an IANA time zone/],
    [
      "a control character in a string",
      ["--param", "dt_to=2026-03-01\u0007"],
      /must be a string without control characters/,
    ],
  ])("rejects %s with exit code 2 and one line", async (_, extra, message) => {
    const { code, stdout, stderr } = await runQuery(...extra);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/^opspulse: /);
    expect(stderr).toMatch(message);
  });

  it("rejects a missing parameter with exit code 2 and one line naming it", async () => {
    const { code, stderr } = await opspulse(["sql", "--file", queryFile, "--lake", lakeDir]);
    expect(code).toBe(2);
    expect(lines(stderr)).toEqual([
      'opspulse: queries/events_per_day.sql needs parameter "cal" (calendar).',
    ]);
  });

  it("rejects a missing file with exit code 2 and one line", async () => {
    const { code, stdout, stderr } = await opspulse(["sql", "--file", join(tmp, "nope.sql")]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(lines(stderr)).toEqual([
      `opspulse: cannot read ${join(tmp, "nope.sql")}: give the path of a .sql file, e.g. --file queries/user_kpis.sql`,
    ]);
  });

  it("rejects a missing lake with exit code 2 and one line", async () => {
    const { code, stderr } = await runQuery("--lake", join(tmp, "no-lake"));
    expect(code).toBe(2);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/no lake at .*no-lake: run "opspulse generate --lake/);
  });

  it("refuses a file that fails the portable-SQL check with exit code 2 and one line", async () => {
    const plain = join(tmp, "plain.sql");
    writeFileSync(plain, "select count(*) as events from events");
    const { code, stdout, stderr } = await opspulse(["sql", "--file", plain, "--lake", lakeDir]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/plain\.sql is not a portable query file, so it is not run: plain\.sql/);
  });

  it("reports a query that fails in DuckDB with exit code 1 and one line naming it", async () => {
    const broken = join(tmp, "broken.sql");
    writeFileSync(
      broken,
      [
        "-- Grain: one row per event.",
        "-- @param day varchar the dt partition",
        "-- Output: no_such_column",
        "with final as (select no_such_column from events where dt = :day)",
        "select * from final",
        "",
      ].join("\n"),
    );
    const { code, stderr } = await opspulse([
      "sql",
      "--file",
      broken,
      "--lake",
      lakeDir,
      "--param",
      "day=2026-03-01",
    ]);
    expect(code, stderr).toBe(1);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/^opspulse: Query broken failed in DuckDB: Binder Error/);
  });
});

describe("bin/check-node.js", () => {
  const systemNode = "/usr/bin/node";
  const systemMajor = existsSync(systemNode)
    ? Number(execFileSync(systemNode, ["--version"], { encoding: "utf8" }).slice(1).split(".")[0])
    : undefined;
  const oldNode = systemMajor !== undefined && systemMajor < 24;
  if (!oldNode) {
    console.log(
      `check-node test skipped: ${systemNode} ${systemMajor === undefined ? "does not exist" : `is Node ${systemMajor}, not older than 24`}`,
    );
  }

  it.skipIf(!oldNode)("fails fast with one line on an older Node", async () => {
    const { code, stdout, stderr } = await opspulse(["--help"], systemNode);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(
      new RegExp(
        `^opspulse needs Node 24 or newer but this is Node ${systemMajor}\\.\\d+\\.\\d+: run it through npm`,
      ),
    );
  });

  it("lets the Node running the tests through", async () => {
    const { code, stdout } = await opspulse(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Usage: opspulse/);
  });
});
