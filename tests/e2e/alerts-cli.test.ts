/**
 * On-call alerts through the command line, in separate processes: concurrent runs of one
 * day, `opspulse alerts status`, `opspulse replay`, and a failing run's exit code and notice.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { minimalEnv, sentEmails, spawnOpspulse } from "../support/cli.ts";
import { writeAlertConfig, writeAlertLake } from "./alerts-fixture.ts";

const tmp = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LAKE = join(tmp, "lake");
const CONFIG = join(tmp, "config");
const NODE = resolve("node_modules/.bin/node");

beforeAll(async () => {
  await writeAlertLake(LAKE);
  writeAlertConfig(CONFIG, "reminder_every_hours: 24\nseverity:\n  metrics: { gmv: page }\n");
});

/** Runs `opspulse …` in its own process, with the local runtime only. */
const opspulse = (args: readonly string[]) =>
  spawnOpspulse(args, { node: NODE, env: minimalEnv(), timeoutMs: 60_000 });

const folders = (out: string, lake = LAKE) => ["--lake", lake, "--out", out, "--config", CONFIG];

describe("opspulse run with on-call alerts, in separate processes", () => {
  it("sends one start alert and one report when three processes run the same day", async () => {
    const out = join(tmp, "concurrent");
    expect(
      (await opspulse(["run", "daily", "--date", "2026-03-01", "--send", ...folders(out)])).code,
    ).toBe(0);
    const runs = await Promise.all(
      [1, 2, 3].map(() =>
        opspulse(["run", "daily", "--date", "2026-03-02", "--send", ...folders(out)]),
      ),
    );
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(sentEmails(out)).toEqual(["managers", "managers", "on-call"]);

    const status = await opspulse(["alerts", "status", ...folders(out)]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      /BREACHING +daily gmv: breached since 2026-03-02 · last alert .* · last period 2026-03-02/,
    );

    const replay = await opspulse([
      "replay",
      "daily",
      "--from",
      "2026-03-01",
      "--to",
      "2026-03-02",
      ...folders(out),
    ]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(
      "2026-03-03 00:00      2026-03-02  start            gmv CN¥500.00 vs ≥ CN¥1,000.00 (since 2026-03-02)",
    );
    expect(replay.stdout).toContain("gmv: breached 1 of 2 periods · 1 start");
    expect(replay.stdout).toContain("1 of 1 alerts accounted for");
    expect(replay.stdout).toMatch(/on-call +1 messages · 0\.50\/period · at most 1\/run/);
    expect(sentEmails(out)).toHaveLength(3); // the replay sent nothing
  });

  it("acknowledges and silences from the command line, listed by alerts status", async () => {
    const out = join(tmp, "acks");
    for (const date of ["2026-03-01", "2026-03-02"]) {
      expect(
        (await opspulse(["run", "daily", "--date", date, "--send", ...folders(out)])).code,
      ).toBe(0);
    }
    const ack = await opspulse(["alerts", "ack", "gmv", "--by", "li.wei", ...folders(out)]);
    expect(ack.stdout).toBe("Acknowledged gmv by li.wei (daily/gmv/all).\n");
    const silence = await opspulse([
      "alerts",
      "silence",
      "participants/cmp_0014",
      "--until",
      "2099-01-01T00:00:00Z",
      "--reason",
      "launch week",
      "--by",
      "chen.jie",
      ...folders(out),
    ]);
    expect(silence.code).toBe(0);
    const status = await opspulse(["alerts", "status", ...folders(out)]);
    expect(status.stdout).toMatch(/daily gmv: breached since 2026-03-02 · acked by li\.wei at /);
    expect(status.stdout).toMatch(
      /SILENCED +participants\/cmp_0014 until 2099-01-01 00:00 UTC by chen\.jie: launch week/,
    );

    const unknown = await opspulse(["alerts", "ack", "dau", ...folders(out)]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain(
      'No open alert for dau: "opspulse alerts status" lists the open ones.',
    );

    expect((await opspulse(["alerts", "unack", "gmv", ...folders(out)])).code).toBe(0);
    expect(
      (await opspulse(["alerts", "unsilence", "participants/cmp_0014", ...folders(out)])).code,
    ).toBe(0);
    const after = await opspulse(["alerts", "status", ...folders(out)]);
    expect(after.stdout).not.toContain("acked by");
    expect(after.stdout).not.toContain("SILENCED");
  });

  it("exits non-zero with one failure notice and no report email when a query fails", async () => {
    const lake = join(tmp, "lake-corrupt");
    cpSync(LAKE, lake, { recursive: true });
    const partition = join(lake, "orders", "dt=2026-03-02");
    for (const file of readdirSync(partition)) writeFileSync(join(partition, file), "not parquet");
    const out = join(tmp, "failure");
    const run = await opspulse([
      "run",
      "daily",
      "--date",
      "2026-03-02",
      "--send",
      ...folders(out, lake),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^opspulse: .*failed/m);
    expect(sentEmails(out)).toEqual(["on-call.failure"]);
  });
});
