/**
 * Fault: configuration that says nothing — an empty config folder, one without
 * `recipients.yaml`, one whose scheduled report has no recipient list or that names no
 * on-call audience — and a config file that is a YAML alias bomb.
 *
 * Expected: `opspulse validate` refuses the folder with one line naming the missing file
 * (or the report without a list, or on_call); `opspulse run` refuses it before computing
 * anything, and a run that still has no one to send to fails instead of reporting "ok".
 * The alias bomb is refused with one line naming the file.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../functions/lib/config/load.ts";
import { runReport } from "../../functions/lib/report/run-report.ts";
import { runCli } from "../unit/cli/commands/capture.ts";
import { createLocalWorld, type LocalWorld } from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

const SHIPPED = resolve(import.meta.dirname, "../../config");
const root = mkdtempSync(join(tmpdir(), "opspulse-silent-config-"));
let world: LocalWorld;
beforeAll(async () => {
  world = await createLocalWorld();
});
afterAll(() => {
  world?.close();
  rmSync(root, { recursive: true, force: true });
});

let folders = 0;
/** A copy of the shipped config folder, changed by `change`. */
function configFolder(change: (dir: string) => void): string {
  const dir = join(root, `config-${folders++}`);
  mkdirSync(dir, { recursive: true });
  change(dir);
  return dir;
}
const shippedCopy = (dir: string) => cpSync(SHIPPED, dir, { recursive: true });

const validate = (dir: string) => runCli(["validate", "--config", dir]);

describe("configuration that says nothing", () => {
  it("an empty config folder and one without recipients.yaml are refused, naming the file", async () => {
    const empty = configFolder(() => {});
    const noRecipients = configFolder((dir) => {
      shippedCopy(dir);
      rmSync(join(dir, "recipients.yaml"));
    });

    const results = [];
    for (const dir of [empty, noRecipients]) {
      const result = await validate(dir);
      expect(result.code, result.stdout).toBe(2);
      expect(result.stdout).toBe("");
      const lines = result.stderr.trim().split("\n");
      expect(lines[0]).toBe(
        `${join(dir, "recipients.yaml")}: missing: a deployment names its recipient lists (reports.daily, reports.weekly, reports.campaigns) and on_call in recipients.yaml; copy config/recipients.yaml from the repository and set your addresses`,
      );
      results.push(lines[0]);
    }

    // A run refuses it too, before reading any data, and sends nothing.
    const out = join(root, "out-empty");
    const run = await runCli([
      "run",
      "daily",
      "--date",
      "2026-03-02",
      "--lake",
      world.lakeDir,
      "--out",
      out,
      "--config",
      empty,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(empty, "recipients.yaml")}: missing`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(root)).not.toContain("out-empty");
    recordFault({
      area: "Bad config",
      fault: "an empty config folder; one without recipients.yaml",
      expected: "validate and run refuse it, naming the missing file; nothing sent",
      observed: `validate exit 2 for both: "${(results[0] ?? "").replace(empty, "…").slice(0, 80)}…"; run exit 2, no output folder`,
    });
  });

  it("a scheduled report without a recipient list, or no on-call audience, is refused", async () => {
    const noWeekly = configFolder((dir) => {
      shippedCopy(dir);
      writeFileSync(
        join(dir, "recipients.yaml"),
        [
          "reports:",
          "  daily:",
          "    - { name: managers, to: [boss@example.com] }",
          "  campaigns:",
          "    - { name: campaign-team, to: [campaigns@example.com] }",
          "",
        ].join("\n"),
      );
    });
    const result = await validate(noWeekly);
    expect(result.code).toBe(2);
    const path = join(noWeekly, "recipients.yaml");
    expect(result.stderr.trim().split("\n").slice(0, 2)).toEqual([
      `${path}: reports.weekly: expected at least one recipient list for the scheduled weekly report (or set schedules.weekly.enabled: false in schedules.yaml)`,
      `${path}: on_call: expected the on-call audience (to: [addresses]) that gets data alerts and failure notices`,
    ]);

    // A report whose schedule is switched off needs no list.
    const weeklyOff = configFolder((dir) => {
      shippedCopy(dir);
      writeFileSync(
        join(dir, "recipients.yaml"),
        [
          "reports:",
          "  daily:",
          "    - { name: managers, to: [boss@example.com] }",
          "  campaigns:",
          "    - { name: campaign-team, to: [campaigns@example.com] }",
          "on_call:",
          "  to: [oncall@example.com]",
          "",
        ].join("\n"),
      );
      writeFileSync(
        join(dir, "schedules.yaml"),
        "schedules:\n  weekly:\n    cron: '30 8 * * 1'\n    enabled: false\n",
      );
    });
    const off = await validate(weeklyOff);
    expect(off.code, off.stderr).toBe(0);
    expect((await validate(SHIPPED)).code).toBe(0);
    recordFault({
      area: "Bad config",
      fault: "recipients.yaml without a list for a scheduled report, without on_call",
      expected: "refused naming reports.<report> and on_call; a disabled schedule needs none",
      observed: `exit 2, ${result.stderr.trim().split("\n").length} lines: reports.weekly, on_call; weekly disabled → valid; shipped config valid`,
    });
  });

  it("a delivering run with no list for its report fails instead of reporting ok", async () => {
    const out = world.newOut("no-lists");
    const { deps, close } = await world.open(out);
    try {
      const config = parseConfig([], "an-empty-config");
      const failed = await runReport(
        { ...deps, config },
        { report: "daily", date: "2026-03-02", runId: "no-lists" },
      ).catch((error: unknown) => error as Error);
      expect(failed).toBeInstanceOf(Error);
      expect((failed as Error).message).toBe(
        "no recipient list for the daily report: add one under reports.daily in an-empty-config/recipients.yaml, or run with --to ADDRESS or --no-email",
      );
      // --no-email still stores the snapshot: it is asked to send nothing.
      const stored = await runReport(
        { ...deps, config },
        { report: "daily", date: "2026-03-02", deliver: false },
      );
      expect(stored.outcome).toBe("ok");
      recordFault({
        area: "Bad config",
        fault: "a run (not --no-email) whose config has no list for its report",
        expected: "fails naming recipients.yaml, never ok",
        observed: `failed: "${(failed as Error).message.slice(0, 70)}…"; --no-email: ${stored.outcome}`,
      });
    } finally {
      await close();
    }
  });

  it("a YAML alias bomb is refused in one line naming the file", async () => {
    const bomb = configFolder((dir) => {
      shippedCopy(dir);
      const levels = ["a", "b", "c", "d", "e", "f", "g", "h"];
      const lines = [`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
      for (let i = 1; i < levels.length; i++) {
        const previous = `*${levels[i - 1]}`;
        lines.push(`${levels[i]}: &${levels[i]} [${Array(9).fill(previous).join(",")}]`);
      }
      writeFileSync(join(dir, "settings.yaml"), `${lines.join("\n")}\n`);
    });
    const started = performance.now();
    const result = await validate(bomb);
    const elapsedMs = performance.now() - started;
    expect(result.code).toBe(2);
    const [first] = result.stderr.trim().split("\n");
    expect(first).toBe(
      `${join(bomb, "settings.yaml")}: (file): invalid YAML: Excessive alias count indicates a resource exhaustion attack (more than 100 alias expansions); write the values out instead of nesting aliases`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    recordFault({
      area: "Bad config",
      fault: "settings.yaml as a YAML alias bomb (9⁸ expansions)",
      expected: "refused in one line naming the file",
      observed: `exit 2 in ${Math.round(elapsedMs)} ms: "…/settings.yaml: (file): invalid YAML: Excessive alias count…"`,
    });
  });
});
