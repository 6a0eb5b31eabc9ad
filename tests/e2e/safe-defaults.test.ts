/**
 * The safe defaults of the ad-hoc commands, as a person meets them: what is sent (the
 * outbox), what is stored (snapshots), the exit code and the line printed. The clock is
 * 01:00 UTC on 9 March 2026 (09:00 in Shanghai): the latest daily period due is 8 March.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { generateLake } from "../../functions/lib/lake/generator.ts";
import { buildTemplates } from "../../scripts/build-templates.ts";
import { sentEmails } from "../support/cli.ts";
import { runCli } from "../unit/cli/commands/capture.ts";

const repo = resolve(import.meta.dirname, "../..");
const root = mkdtempSync(join(tmpdir(), "opspulse-safe-"));
const lake = join(root, "lake");

beforeAll(async () => {
  await generateLake({ seed: 3, days: 40, endDate: "2026-03-08", users: 2500, lakeDir: lake });
  const templates = join(root, "templates");
  await buildTemplates(undefined, templates);
  vi.stubEnv("OPSPULSE_TEMPLATES_DIR", templates);
  for (const key of ["OPSPULSE_RUNTIME", "OPSPULSE_ENGINE", "OPSPULSE_STORE", "OPSPULSE_MAILER"])
    vi.stubEnv(key, undefined);
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-03-09T01:00:00Z"));
}, 120_000);
afterAll(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  rmSync(root, { recursive: true, force: true });
});

const folders = (out: string) => ["--lake", lake, "--out", out, "--config", join(repo, "config")];

/** The stored snapshot revisions of a report, as `<period>/rNNN.json`. */
function stored(out: string, report: string): string[] {
  const dir = join(out, "snapshots", report);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((period) => readdirSync(join(dir, period)).map((file) => `${period}/${file}`))
    .sort();
}

describe("opspulse run of a period other than the latest one due", () => {
  it("previews, with its images beside it, and stores and sends nothing", async () => {
    const out = join(root, "past-day");
    const result = await runCli(["run", "daily", "--date", "2026-03-07", ...folders(out)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      "daily 2026-03-07 is not the latest period due (2026-03-08): previewed only, nothing stored or sent; add --send to deliver it",
    );
    expect(sentEmails(out)).toEqual([]);
    expect(stored(out, "daily")).toEqual([]);

    // The preview's images are files beside it, and every <img> points at one of them.
    const preview = /preview\s+(\S+managers\.html)/.exec(result.stdout)?.[1] ?? "";
    const html = readFileSync(preview, "utf8");
    const sources = [...html.matchAll(/<img[^>]* src="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect(source).not.toMatch(/^cid:/);
      expect(existsSync(join(preview, "..", decodeURI(source))), source).toBe(true);
    }
  });

  it("delivers it with --send", async () => {
    const out = join(root, "past-day-send");
    const result = await runCli([
      "run",
      "daily",
      "--date",
      "2026-03-07",
      "--send",
      ...folders(out),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("previewed only");
    expect(sentEmails(out).filter((file) => file.startsWith("managers"))).toEqual([
      "managers",
      "managers-zh",
    ]);
    expect(stored(out, "daily")).toEqual(["2026-03-07/r001.json"]);
  });

  it("delivers the latest period due without --send", async () => {
    const out = join(root, "latest-day");
    const result = await runCli(["run", "daily", "--date", "2026-03-08", ...folders(out)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("previewed only");
    expect(sentEmails(out).filter((file) => file.startsWith("managers"))).toHaveLength(2);
    expect(stored(out, "daily")).toEqual(["2026-03-08/r001.json"]);
  });

  it("says which --check would preview", async () => {
    const result = await runCli([
      "run",
      "weekly",
      "--date",
      "2026-02-25",
      "--check",
      ...folders(join(root, "check-week")),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      "preview only: weekly 2026-W09 is not the latest period due (2026-W10)",
    );
  });
});

describe("opspulse run --help", () => {
  it("names every report and the safe-default options", async () => {
    const help = await runCli(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("daily, weekly or campaigns");
    for (const option of ["--send", "--allow-incomplete", "--to <address>", "--resend"]) {
      expect(help.stdout).toContain(option);
    }
  });
});

describe("opspulse run --to (a test send)", () => {
  it("reuses the latest snapshot revision, and a second send names --resend", async () => {
    const out = join(root, "test-send");
    const first = await runCli(["run", "daily", "--date", "2026-03-08", ...folders(out)]);
    expect(first.code, first.stderr).toBe(0);
    expect(stored(out, "daily")).toEqual(["2026-03-08/r001.json"]);

    const to = ["--to", "me@example.com"];
    const test = await runCli(["run", "daily", "--date", "2026-03-08", ...to, ...folders(out)]);
    expect(test.code, test.stderr).toBe(0);
    expect(test.stdout).toContain("snapshot  ");
    expect(test.stdout).toContain("r001.json");
    expect(sentEmails(out).filter((file) => file === "direct")).toHaveLength(1);
    expect(stored(out, "daily")).toEqual(["2026-03-08/r001.json"]);

    const again = await runCli(["run", "daily", "--date", "2026-03-08", ...to, ...folders(out)]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/direct\s+already delivered/);
    expect(again.stdout).toContain(
      "already delivered: add --resend to send it again as a marked correction",
    );
    expect(sentEmails(out).filter((file) => file === "direct")).toHaveLength(1);
    expect(stored(out, "daily")).toEqual(["2026-03-08/r001.json"]);
  });
});

describe("opspulse backfill", () => {
  it("stores the snapshots and sends nothing without --send", async () => {
    const out = join(root, "backfill");
    const result = await runCli([
      "backfill",
      "daily",
      "--from",
      "2026-03-05",
      "--to",
      "2026-03-07",
      ...folders(out),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      "3 stored (snapshots only, nothing sent: add --send to deliver), 0 skipped (already delivered), 0 failed",
    );
    expect(sentEmails(out)).toEqual([]);
    expect(stored(out, "daily")).toEqual([
      "2026-03-05/r001.json",
      "2026-03-06/r001.json",
      "2026-03-07/r001.json",
    ]);
  });

  it("delivers with --send", async () => {
    const out = join(root, "backfill-send");
    const result = await runCli([
      "backfill",
      "daily",
      "--from",
      "2026-03-06",
      "--to",
      "2026-03-07",
      "--send",
      ...folders(out),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("2 delivered (4 emails sent)");
    expect(sentEmails(out).filter((file) => file.startsWith("managers"))).toHaveLength(4);
  });
});

describe("a period the lake holds no data for", () => {
  const line = (when: string) =>
    `opspulse: daily ${when === "after" ? "2026-03-20" : "2026-01-10"} has no data: it is ${when} the lake's ${when === "after" ? "last" : "first"} day (the lake at ${lake} holds 2026-01-28 … 2026-03-08): pick a date in that range, or pass --allow-incomplete to run it anyway\n`;

  it("stops a run after the lake's last day in one line, exit 2, nothing stored or sent", async () => {
    const out = join(root, "after-lake");
    const result = await runCli([
      "run",
      "daily",
      "--date",
      "2026-03-20",
      "--send",
      ...folders(out),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(line("after"));
    expect(result.stdout).toBe("");
    expect(existsSync(out)).toBe(false);
  });

  it("stops a run before the lake's first day, and --check says the same", async () => {
    const out = join(root, "before-lake");
    for (const extra of [[], ["--check"]]) {
      const result = await runCli([
        "run",
        "daily",
        "--date",
        "2026-01-10",
        ...extra,
        ...folders(out),
      ]);
      expect(result.code, extra.join()).toBe(2);
      expect(result.stderr).toBe(line("before"));
    }
    expect(existsSync(out)).toBe(false);
  });

  it("stops a backfill whose range leaves the lake", async () => {
    const out = join(root, "backfill-after");
    const result = await runCli([
      "backfill",
      "daily",
      "--from",
      "2026-03-07",
      "--to",
      "2026-03-20",
      ...folders(out),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(line("after"));
    expect(stored(out, "daily")).toEqual([]);
  });

  it("runs it anyway with --allow-incomplete", async () => {
    const out = join(root, "allow-incomplete");
    const result = await runCli([
      "run",
      "daily",
      "--date",
      "2026-03-20",
      "--allow-incomplete",
      "--dry-run",
      ...folders(out),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("daily report 2026-03-20 (Asia/Shanghai): dry run");
  });
});
