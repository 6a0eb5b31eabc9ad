import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./capture.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("opspulse generate", () => {
  it("writes a lake and prints a summary of it", async () => {
    const lake = join(root, "not", "yet", "lake"); // folders are created as needed
    const { code, stdout, stderr } = await runCli([
      "generate",
      "--seed",
      "3",
      "--days",
      "10",
      "--users",
      "200",
      "--end-date",
      "2026-05-31",
      "--lake",
      lake,
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/seed 3, 10 days 2026-05-22 … 2026-05-31/);
    expect(stdout).toMatch(/events\s+[\d,]+ records \(\d+ invalid on purpose, \d+ late\)/);
    expect(stdout).toMatch(/signups\s+200 users/);
    expect(stdout).toMatch(/files, [\d.]+ MB on disk, generated in [\d.]+ s/);
    expect(stderr).toMatch(/generating: day 10\/10/);
    expect(readdirSync(join(lake, "events"))).toHaveLength(10);
  });

  it("refuses bad option values with a one-line fix", async () => {
    const lake = join(root, "bad");
    const days = await runCli(["generate", "--days", "ten", "--lake", lake]);
    expect(days.code).toBe(2);
    expect(days.stderr).toBe('opspulse: --days "ten" is not a whole number: write e.g. --days 7\n');
    const date = await runCli(["generate", "--end-date", "2026-02-30", "--lake", lake]);
    expect(date.code).toBe(2);
    expect(date.stderr).toMatch(
      /--end-date "2026-02-30" is not a calendar date: write e.g. --end-date 2026-11-22/,
    );
    const zero = await runCli(["generate", "--days", "0", "--lake", lake]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/days must be a whole number from 1/);
  });

  it("will not delete imported data without --force", async () => {
    const lake = join(root, "imported");
    mkdirSync(join(lake, "events", "dt=2026-01-01"), { recursive: true });
    writeFileSync(join(lake, "events", "dt=2026-01-01", "import-0123456789abcdef-0-0.parquet"), "");
    const refused = await runCli(["generate", "--days", "3", "--users", "30", "--lake", lake]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds 1 imported files .* pass --force/);
    const forced = await runCli([
      "generate",
      "--days",
      "3",
      "--users",
      "30",
      "--lake",
      lake,
      "--force",
    ]);
    expect(forced.code).toBe(0);
    expect(readdirSync(join(lake, "events")).sort()).toEqual([
      "dt=2026-11-20",
      "dt=2026-11-21",
      "dt=2026-11-22",
    ]);
  });
});
