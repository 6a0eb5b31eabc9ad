/**
 * The demo's first impression: `opspulse demo` on the default sample lake and the
 * repository's config makes the daily report of a mostly healthy department with a few real
 * problems (README, "The demo department"), not a wall of breaches. A change to the
 * generator's shapes or the sample config that makes the department look broken fails here.
 *
 * This generates the full 430-day demo lake: the slowest test of the suite.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_GENERATE_OPTIONS } from "../../functions/lib/lake/generator.ts";
import type { ReportSnapshot } from "../../functions/lib/report/snapshot.ts";
import { runCli } from "../unit/cli/commands/capture.ts";

const repo = resolve(import.meta.dirname, "../..");
const root = mkdtempSync(join(tmpdir(), "opspulse-demo-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the demo's daily report", () => {
  it("shows most targets met, 2–5 breaches, a warning, data quality met and its incident as unusual", async () => {
    vi.stubEnv("OPSPULSE_TEMPLATES_DIR", undefined);
    const out = join(root, "out");
    const result = await runCli([
      "demo",
      "--lake",
      join(root, "lake"),
      "--out",
      out,
      "--config",
      join(repo, "config"),
    ]);
    vi.unstubAllEnvs();
    expect(result.code, result.stderr).toBe(0);
    const day = DEFAULT_GENERATE_OPTIONS.endDate;
    const daily = JSON.parse(
      readFileSync(join(out, "snapshots", "daily", day, "r001.json"), "utf8"),
    ) as ReportSnapshot;
    const counts = daily.statusCounts;
    const judged = counts.met + counts.warning + counts.breach;

    expect(counts.breach, JSON.stringify(counts)).toBeGreaterThanOrEqual(2);
    expect(counts.breach, JSON.stringify(counts)).toBeLessThanOrEqual(5);
    expect(counts.warning, JSON.stringify(counts)).toBeGreaterThanOrEqual(1);
    expect(counts.warning, JSON.stringify(counts)).toBeLessThanOrEqual(2);
    expect(counts.met, JSON.stringify(counts)).toBeGreaterThan(0.7 * judged);
    expect(daily.metrics.data_quality?.status).toBe("met");
    // What the README names as the demo's real problems, and what it names as healthy.
    expect(daily.metrics.users_per_ops_head?.status).toBe("breach");
    for (const healthy of ["ops_cost_ratio", "retention_d1", "retention_d7", "data_quality"]) {
      expect(daily.metrics[healthy]?.status, healthy).toBe("met");
    }
    // The demo lake's one documented incident (lake/incidents.ts, DEMO_INCIDENTS): signups
    // from ads tripled on the report day, unusual for new users and explained by ads.
    expect(daily.metrics.new_users?.status).toBe("anomaly");
    expect(daily.metrics.new_users?.anomaly?.side).toBe("above");
    expect(daily.drivers?.new_users?.[0]).toMatchObject({ dimension: "channel", element: "ads" });
    // The managers' email says it, with the driver (the band edges as the snapshot stores them).
    const dailyRun = readdirSync(join(out, "outbox")).find((run) => run.includes("-daily-")) ?? "";
    const html = readFileSync(join(out, "outbox", dailyRun, "managers.html"), "utf8");
    const band = daily.metrics.new_users?.band;
    expect(html).toContain(
      `unusual for a Sunday: ${daily.metrics.new_users?.value}, normal ${Math.round(band?.lower ?? 0)}–${Math.round(band?.upper ?? 0)}`,
    );
    // The ads channel drives the rise of new users: with the others falling, by more than
    // the whole rise (said in words, not as a share above 100 %).
    expect(html).toMatch(
      /ads channel: \+\d+\.\d%(?: and \d+\.\d% of the rise|, more than the whole rise \(others moved the other way\))/,
    );
    // The line the demo prints says the same.
    expect(result.stdout).toMatch(
      new RegExp(
        `daily report ${day} \\(Asia/Shanghai\\): ok[^\\n]*\\n  ${counts.breach} breaches · ${counts.anomaly} unusual · ${counts.warning} warning`,
      ),
    );
  }, 900_000);
});
