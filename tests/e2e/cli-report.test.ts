/**
 * The report commands as a person runs them: `node bin/opspulse.js …` in a child process,
 * on a small generated lake, with exit codes and files on disk checked.
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateLake } from "../../functions/lib/lake/generator.ts";
import { GMAIL_CLIP_BYTES } from "../../functions/lib/report/email/render.ts";
import type { ReportSnapshot } from "../../functions/lib/report/snapshot.ts";
import { buildTemplates } from "../../scripts/build-templates.ts";
import { envWithoutSettings, spawnOpspulse } from "../support/cli.ts";
import { leaves, parseEml } from "../unit/report/eml.ts";

const repo = resolve(import.meta.dirname, "../..");
const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const lake = join(root, "lake");
const templates = join(root, "templates");
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  await generateLake({ seed: 3, days: 40, endDate: "2026-03-08", users: 2500, lakeDir: lake });
  await buildTemplates(undefined, templates);
}, 120_000);

/** Runs the CLI with only the environment it needs (no OPSPULSE_* of the developer's). */
// The demo stores every day of the 9 weeks its level-adjusted bands read (65 daily runs).
const opspulse = (args: readonly string[]) =>
  spawnOpspulse(args, {
    env: envWithoutSettings({ OPSPULSE_TEMPLATES_DIR: templates }),
    timeoutMs: 300_000,
  });

const folders = (out: string) => ["--lake", lake, "--out", out, "--config", join(repo, "config")];

describe("opspulse validate", () => {
  it("exits 0 on the repository's config", async () => {
    const result = await opspulse(["validate", "--config", join(repo, "config")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/is valid \(version cfg-[0-9a-f]{12}\)/);
  });

  it("exits non-zero naming the file and field of a wrong target", async () => {
    const config = join(root, "bad-config");
    cpSync(join(repo, "config"), config, { recursive: true });
    writeFileSync(join(config, "targets.yaml"), "targets:\n  retention_d7:\n    target: 40\n");
    const result = await opspulse(["validate", "--config", config]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      `${join(config, "targets.yaml")}: targets.retention_d7.target: expected a number between 0 and 1 (line 3)`,
    );
    // The other commands refuse the same config, in one line.
    const run = await opspulse([
      "run",
      "daily",
      "--date",
      "2026-03-08",
      "--lake",
      lake,
      "--config",
      config,
      "--dry-run",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("opspulse run", () => {
  it("renders Chinese labels with --locale zh-CN --dry-run and sends nothing", async () => {
    const out = join(root, "dry");
    const result = await opspulse([
      "run",
      "daily",
      "--date",
      "2026-03-08",
      ...folders(out),
      "--locale",
      "zh-CN",
      "--dry-run",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("dry run");
    const previews =
      result.stdout.match(/preview\s+(\S+\.html)/g)?.map((line) => line.split(/\s+/)[1] ?? "") ??
      [];
    expect(previews.length).toBeGreaterThan(0);
    for (const preview of previews) {
      const html = readFileSync(preview, "utf8");
      expect(html).toContain("日活跃用户");
      expect(html).toContain("需要关注");
    }
    expect(existsSync(join(out, "outbox"))).toBe(false);
    expect(existsSync(join(out, "snapshots"))).toBe(false);
    expect(existsSync(join(out, "deliveries"))).toBe(false);
  });

  it("delivers the same daily report once when run twice", async () => {
    const out = join(root, "twice");
    const first = await opspulse([
      "run",
      "daily",
      "--date",
      "2026-03-08",
      ...folders(out),
      "--send",
      "--json",
    ]);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as { outcome: string; emails: { status: string }[] };
    expect(summary.outcome).toBe("ok");
    expect(summary.emails.map((e) => e.status)).toEqual(["sent", "sent"]);

    const second = await opspulse([
      "run",
      "daily",
      "--date",
      "2026-03-08",
      "--send",
      ...folders(out),
    ]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("skipped already delivered");
    expect(readdirSync(join(out, "outbox"))).toHaveLength(1);
  });

  it("refuses a date that is not a date, in one line, exit 2", async () => {
    const result = await opspulse([
      "run",
      "daily",
      "--date",
      "2026-02-30",
      ...folders(join(root, "bad-date")),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^opspulse: --date: "2026-02-30" is not a calendar date/);
  });
});

describe("opspulse backfill", () => {
  it("runs every period oldest first and skips the delivered ones", async () => {
    const out = join(root, "backfill");
    const first = await opspulse([
      "backfill",
      "daily",
      "--from",
      "2026-03-05",
      "--to",
      "2026-03-07",
      "--send",
      ...folders(out),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("1/3 2026-03-05 ok");
    expect(first.stderr).toContain(
      "3 delivered (6 emails sent), 0 skipped (already delivered), 0 failed",
    );
    const again = await opspulse([
      "backfill",
      "daily",
      "--from",
      "2026-03-05",
      "--to",
      "2026-03-07",
      "--send",
      ...folders(out),
    ]);
    expect(again.stderr).toContain(
      "0 delivered (0 emails sent), 3 skipped (already delivered), 0 failed",
    );
    const latest = JSON.parse(
      readFileSync(join(out, "snapshots", "daily", "2026-03-07", "r001.json"), "utf8"),
    ) as ReportSnapshot;
    expect(latest.comparedWith.previous).toEqual({ periodKey: "2026-03-06", revision: 1 });
  });
});

describe("opspulse demo", () => {
  it("runs the daily and weekly reports of the lake's last full day and week, once", async () => {
    const out = join(root, "demo");
    const result = await opspulse([
      "demo",
      "--lake",
      lake,
      "--out",
      out,
      "--config",
      join(repo, "config"),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      "last full day in Asia/Shanghai: 2026-03-08, last full week: 2026-W10",
    );
    expect(result.stdout).toContain("How to open them");
    expect(result.stdout).toContain(`the dashboard:     ${join(out, "dashboard", "index.html")}`);
    expect(readFileSync(join(out, "dashboard", "index.html"), "utf8")).toContain("<svg");

    const runs = readdirSync(join(out, "outbox"));
    expect(runs.filter((run) => run.includes("-daily-"))).toHaveLength(1);
    expect(runs.filter((run) => run.includes("-weekly-"))).toHaveLength(1);
    expect(runs.filter((run) => run.includes("-campaigns-"))).toHaveLength(1);
    for (const run of runs) {
      const emls = readdirSync(join(out, "outbox", run)).filter((file) => file.endsWith(".eml"));
      expect(emls.length).toBeGreaterThan(0);
      for (const eml of emls) {
        const message = parseEml(readFileSync(join(out, "outbox", run, eml), "utf8"));
        // Report emails carry charts (inline PNGs) and the metric table (CSV): mixed.
        // On-call's messages and the owner teams' digests are alerts (no charts, no CSV).
        const report = !eml.startsWith("on-call") && !eml.startsWith("owner.");
        expect(message.contentType).toBe(report ? "multipart/mixed" : "multipart/alternative");
        const parts = leaves(message);
        const [text, html] = parts;
        expect([text?.contentType, html?.contentType]).toEqual(["text/plain", "text/html"]);
        expect(Buffer.byteLength(html?.body ?? "")).toBeLessThan(GMAIL_CLIP_BYTES);
        // The campaigns email has no headline metrics, so no sparklines.
        if (report && !run.includes("-campaigns-")) {
          expect(parts.filter((part) => part.contentType === "image/png").length).toBeGreaterThan(
            3,
          );
          expect(parts.at(-1)?.contentType).toBe("text/csv");
        }
      }
    }
    for (const [report, key] of [
      ["daily", "2026-03-08"],
      ["weekly", "2026-W10"],
    ]) {
      const snapshot = JSON.parse(
        readFileSync(join(out, "snapshots", report ?? "", key ?? "", "r001.json"), "utf8"),
      ) as ReportSnapshot;
      expect(Object.keys(snapshot.metrics).length, `${report}`).toBeGreaterThan(5);
      for (const [id, value] of Object.entries(snapshot.metrics)) {
        expect(value, id).toHaveProperty("value");
        expect(value.status, id).toMatch(
          /^(met|warning|breach|anomaly|insufficient_data|no_target)$/,
        );
      }
      expect(snapshot.comparedWith.previous, report).not.toBeNull();
    }
    // The campaigns report: one document per campaign snapshotted on the last day.
    const campaignsDir = join(out, "snapshots", "campaigns");
    const perCampaign = readdirSync(campaignsDir)
      .map((id) => join(campaignsDir, id, "2026-03-08", "r001.json"))
      .filter((file) => existsSync(file))
      .map((file) => JSON.parse(readFileSync(file, "utf8")) as { details: { campaign: unknown } });
    expect(perCampaign.length).toBeGreaterThan(0);
    for (const doc of perCampaign) {
      expect(doc.details.campaign).toMatchObject({ snapshotDate: "2026-03-08" });
    }

    const again = await opspulse([
      "demo",
      "--lake",
      lake,
      "--out",
      out,
      "--config",
      join(repo, "config"),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(join(out, "outbox")).sort()).toEqual(runs.sort());
  }, 600_000); // two spawned demos, each allowed 300 s (their own timeout)
});
