/**
 * `opspulse rollup status` and `opspulse rollup rebuild` on a small lake, in-process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLake } from "../../../functions/lib/lake/writer.ts";
import { ROLLUPS } from "../../../functions/lib/rollups/schema.ts";
import { runCli } from "../cli/commands/capture.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const lake = join(root, "lake");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const event = (id: string, utc: string) => ({
  event_id: id,
  event_time: new Date(utc),
  user_id: "a",
  event_type: "page_view",
  channel: "app",
});

beforeAll(async () => {
  await writeLake(lake, {
    events: [event("1", "2026-03-01T02:00:00Z"), event("2", "2026-03-02T02:00:00Z")],
    orders: [
      {
        order_id: "o1",
        user_id: "a",
        order_time: new Date("2026-03-01T02:00:00Z"),
        updated_at: new Date("2026-03-01T02:00:00Z"),
        amount: "1.00",
        currency: "CNY",
        status: "paid",
      },
    ],
  });
});

const range = ["--from", "2026-03-01", "--to", "2026-03-03", "--lake", lake];
const tz = ["--tz", "Asia/Shanghai"];

describe("opspulse rollup", () => {
  it("status: every day missing on a new lake, as one range", async () => {
    const { code, stdout } = await runCli(["rollup", "status", ...range, ...tz]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      [
        "user_day 2026-03-01 … 2026-03-03: 0 fresh, 0 stale, 3 missing",
        "  missing 2026-03-01 … 2026-03-03",
        // Orders only in dt 1 March: local 3 March overlaps no raw partition with files.
        "order_day 2026-03-01 … 2026-03-03: 0 fresh, 0 stale, 2 missing, 1 without raw data",
        "  missing 2026-03-01 … 2026-03-02",
        "",
      ].join("\n"),
    );
    // Every rollup has its line, in the order of the schema.
    const listed = stdout.split("\n").filter((line) => /^\w/.test(line));
    expect(listed.map((line) => line.split(" ")[0])).toEqual([
      ...Object.keys(ROLLUPS),
      "user_state:",
    ]);
    expect(stdout).toContain(
      "user_state: not built yet (the next run that reads user_day folds its days)",
    );
    expect(listed).toContain(
      "order_profile 2026-03-01 … 2026-03-03: 0 fresh, 0 stale, 2 missing, 1 without raw data",
    );
  });

  it("rebuild: builds the range from one read of the raw table, then status is fresh", async () => {
    const rebuilt = await runCli(["rollup", "rebuild", ...range, ...tz]);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(
      /^user_day: rebuilt 3 days \(2026-03-01 … 2026-03-03\) in 10 queries, reading 2 events partitions \(\d+(\.\d)? (B|KiB)\)\n/,
    );
    expect(rebuilt.stdout).toContain("order_day: rebuilt 2 days");
    // The per-user state follows user_day: its days are folded (from scratch: none yet).
    expect(rebuilt.stdout).toContain(
      "user_state: folded 3 days of user_day (rebuilt from scratch)\n",
    );
    const { stdout } = await runCli(["rollup", "status", ...range, ...tz, "--only", "user_day"]);
    expect(stdout).toMatch(
      /^user_day 2026-03-01 … 2026-03-03: 3 fresh, 0 stale, 0 missing\nuser_state: 3 days of user_day folded \(last fold .+\)\n$/,
    );
  });

  it("status: a late file shows as stale days with the reason, also as JSON", async () => {
    await runCli(["rollup", "rebuild", ...range, ...tz]);
    await writeLake(
      lake,
      { events: [event("3", "2026-03-02T03:00:00Z")] },
      { fileStem: "late-{i}" },
    );
    const { stdout } = await runCli(["rollup", "status", ...range, ...tz, "--only", "user_day"]);
    expect(stdout).toBe(
      [
        "user_day 2026-03-01 … 2026-03-03: 1 fresh, 2 stale, 0 missing",
        "  stale   2026-03-02: events/dt=2026-03-02 changed",
        "  stale   2026-03-03: events/dt=2026-03-02 changed",
        "",
      ].join("\n") + stdout.slice(stdout.indexOf("user_state:")),
    );
    expect(stdout).toMatch(/user_state: 3 days of user_day folded/);
    const json = await runCli([
      "rollup",
      "status",
      ...range,
      ...tz,
      "--only",
      "user_day",
      "--json",
    ]);
    expect(
      json.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([
      expect.objectContaining({ localDate: "2026-03-02", status: "stale" }),
      expect.objectContaining({ localDate: "2026-03-03", status: "stale" }),
    ]);
  });

  it("refuses a reversed range, a bad date and a missing lake in one line (exit 2)", async () => {
    const reversed = await runCli([
      "rollup",
      "rebuild",
      "--from",
      "2026-03-03",
      "--to",
      "2026-03-01",
      "--lake",
      lake,
    ]);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain("--from 2026-03-03 is after --to 2026-03-01");
    const bad = await runCli([
      "rollup",
      "rebuild",
      "--from",
      "2026-02-30",
      "--to",
      "2026-03-01",
      "--lake",
      lake,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"2026-02-30" is not a calendar date');
    const none = await runCli(["rollup", "status", "--lake", join(root, "nowhere")]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no lake at");
  });
});
