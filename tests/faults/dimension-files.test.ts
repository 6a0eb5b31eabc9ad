/**
 * Fault: dimension files that break the contract, and ids from the data used as keys.
 *
 * - A campaigns file with a duplicate id (revenue counted twice, the later cost wins), a
 *   negative cost, an end before its start, an id that looks like a path; a content file
 *   with a duplicate id, a control character in an id, an id of 300 characters, a negative
 *   cost. Expected: refused whole (also with `--skip-invalid`), each problem on its line,
 *   the lake's dimension as it was.
 * - A campaign id that looks like a path already in the lake (written by another tool).
 *   Expected: the campaigns run leaves that campaign out, says so, and stores the others;
 *   a re-run does the same (no failure, no failure notice, nothing outside the store).
 * - A failed campaigns run: its failure notice names the campaigns report.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { runReportWithAlerts } from "../../functions/lib/alerts/on-call.ts";
import { type LakeRow, writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { runCli } from "../unit/cli/commands/capture.ts";
import {
  clockAt,
  createLocalWorld,
  type LocalWorld,
  outbox,
  runLog,
} from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

const DAY = "2026-03-02";
const BAD_ID = "../../escaped";
const RECIPIENTS = [
  "reports:",
  "  daily:",
  "    - { name: managers, to: [ops-director@example.com] }",
  "  campaigns:",
  "    - { name: campaign-team, to: [campaigns@example.com] }",
  "on_call:",
  "  to: [oncall@example.com]",
  "",
].join("\n");

let world: LocalWorld;
beforeAll(async () => {
  world = await createLocalWorld({
    recipients: RECIPIENTS,
    lake: async (lakeDir) => {
      const joins: LakeRow[] = [];
      for (const campaign of ["spring-sale", BAD_ID]) {
        for (let i = 0; i < 3; i++) {
          joins.push({
            event_id: `join-${campaign}-${i}`,
            event_time: new Date(`${DAY}T0${i + 1}:00:00Z`),
            user_id: `u${i}`,
            event_type: "campaign_join",
            channel: "app",
            campaign_id: campaign,
          });
        }
      }
      await writeLake(
        lakeDir,
        {
          events: joins,
          // Written by another tool than `opspulse import`: nothing checked the id.
          campaigns: ["spring-sale", BAD_ID].map((id) => ({
            id,
            name: `Campaign ${id}`,
            type: "conversion",
            start_date: "2026-02-20",
            end_date: "2026-03-10",
            cost: "1000.00",
          })),
        },
        { fileStem: "dims-{i}" },
      );
    },
  });
});
afterAll(() => world?.close());

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe("dimension files are validated whole", () => {
  const write = (name: string, text: string) => {
    const dir = join(world.root, "files");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it("a campaigns file with a duplicate id, a negative cost, an end before its start or a path as id is refused whole", async () => {
    const lake = await world.lakeCopy("campaign-file", () => undefined);
    const before = filesUnder(join(lake, "dims"));
    const file = write(
      "campaigns.csv",
      [
        "id,name,type,start_date,end_date,cost",
        "spring,Spring,conversion,2026-03-01,2026-03-10,100.00",
        "spring,Spring again,conversion,2026-03-01,2026-03-10,0.01",
        "autumn,Autumn,viral,2026-09-01,2026-09-10,-5.00",
        "winter,Winter,viral,2026-12-10,2026-12-01,10.00",
        `${BAD_ID},Escape,viral,2026-03-01,2026-03-10,10.00`,
        `${"x".repeat(65)},Long,viral,2026-03-01,2026-03-10,10.00`,
        "ok_1,Fine,activation,2026-03-01,2026-03-01,0",
        "",
      ].join("\n"),
    );
    const plain = await runCli(["import", "campaigns", "--file", file, "--lake", lake]);
    const skipping = await runCli([
      "import",
      "campaigns",
      "--file",
      file,
      "--lake",
      lake,
      "--skip-invalid",
    ]);

    for (const result of [plain, skipping]) {
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/line 3, id: duplicate id \(first on line 2\)/);
      expect(result.stderr).toMatch(/line 4, cost: a cost must not be negative/);
      expect(result.stderr).toMatch(/line 5, end_date: end_date must not be before start_date/);
      expect(result.stderr).toMatch(/line 6, id: campaign id "\.\.\/\.\.\/escaped" may hold only/);
      expect(result.stderr).toMatch(/line 7, id: a campaign id has at most 64 characters/);
      expect(result.stderr).not.toMatch(/line 8/);
      expect(result.stderr).toMatch(
        /5 of 7 rows are invalid; campaigns is a dimension, refused whole \(--skip-invalid does not apply\)/,
      );
    }
    expect(filesUnder(join(lake, "dims"))).toEqual(before);
    recordFault({
      area: "Bad data",
      fault:
        "campaigns file: duplicate id, negative cost, end before start, `../../` id, 65-character id (with and without --skip-invalid)",
      expected: "refused whole, each row's reason on its line; lake unchanged",
      observed: `exit ${plain.code} and ${skipping.code}; 5 of 7 rows named (duplicate names its first line); dims files unchanged (${before.length})`,
    });
  });

  it("a content file with a duplicate id, a control character, a 300-character id or a negative cost is refused whole; a URL id is fine", async () => {
    const lake = await world.lakeCopy("content-file", () => undefined);
    const before = filesUnder(join(lake, "dims"));
    const row = (id: string, cost = "1.00") =>
      JSON.stringify({
        id,
        title: "A title",
        format: "article",
        published_at: "2026-03-01T02:00:00Z",
        production_cost: cost,
      });
    const url = "https://example.com/articles/how-to?id=7&lang=zh-CN#top";
    const bad = write(
      "content.jsonl",
      [
        row(url),
        row(url),
        row("tab\there"),
        row("y".repeat(300)),
        row("cheap", "-1.00"),
        row("bidi\u202Eevil"),
        "",
      ].join("\n"),
    );
    const refused = await runCli(["import", "content", "--file", bad, "--lake", lake]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/line 2, id: duplicate id \(first on line 1\)/);
    expect(refused.stderr).toMatch(/line 3, id: a content id must be printable/);
    expect(refused.stderr).toMatch(/line 4, id: a content id has at most 256 characters/);
    expect(refused.stderr).toMatch(/line 5, production_cost: a cost must not be negative/);
    expect(refused.stderr).toMatch(/line 6, id: a content id must be printable/);
    expect(filesUnder(join(lake, "dims"))).toEqual(before);

    const good = write("content-good.jsonl", `${row(url)}\n${row("a-b_c.7")}\n`);
    const accepted = await runCli(["import", "content", "--file", good, "--lake", lake]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toMatch(/^replaced 2 content rows/);
    recordFault({
      area: "Bad data",
      fault: "content file: duplicate id, tab and U+202E in ids, 300-character id, negative cost",
      expected: "refused whole with row reasons; URL ids accepted",
      observed: `exit ${refused.code}, 5 of 6 rows named, lake unchanged; a file of a URL id and a plain id: exit ${accepted.code}, "${accepted.stdout.split(" from")[0]}"`,
    });
  });
});

describe("a bad campaign id already in the lake", () => {
  it("is left out of the campaigns runs with a notice; the runs of two days store the others and send no failure", async () => {
    const out = world.newOut("bad-id");
    const summaries = [];
    // Two days in a row: each later run met the bad id again.
    for (const [date, runAt] of [
      [DAY, "2026-03-03T00:00:00Z"],
      ["2026-03-03", "2026-03-04T00:00:00Z"],
    ] as const) {
      const { deps, close } = await world.open(out, { clock: clockAt(runAt) });
      try {
        summaries.push(await runReportWithAlerts(deps, { report: "campaigns", date }));
      } finally {
        await close();
      }
    }
    const emails = outbox(out);
    expect(summaries.map((s) => s.outcome)).toEqual(["ok", "ok"]);
    expect(emails.filter((e) => e.list.includes("failure"))).toEqual([]);
    const stored = filesUnder(join(out, "snapshots", "campaigns"));
    expect(stored).toContain(join("spring-sale", DAY, "r001.json"));
    expect(stored.every((file) => !file.includes("escaped"))).toBe(true);
    // Nothing was written beside the output folder's own folders.
    expect(readdirSync(world.root).filter((name) => name.includes("escaped"))).toEqual([]);
    expect(summaries[0]?.warnings?.join(" ")).toMatch(/campaign id "\.\.\/\.\.\/escaped"/);
    const team = emails.find((e) => e.list === "campaign-team");
    expect(team?.text).toMatch(
      /1 campaign left out: id "\.\.\/\.\.\/escaped" is not a campaign id/,
    );
    const documents = stored.filter((file) => /r\d+\.json$/.test(file));
    const logged = runLog(out);
    recordFault({
      area: "Bad data",
      fault:
        "campaign id `../../escaped` already in the lake's campaigns dimension; campaigns runs of two days",
      expected: "that campaign left out with a notice; runs ok; no failure notice",
      observed: `outcomes ${summaries.map((s) => s.outcome).join(", ")}; ${documents.length} documents stored (${documents.map((file) => file.split("/").slice(0, -1).join("/")).join(", ")}); ${emails.length} emails, 0 failure notices; notice in the campaign team's email; run log warns ${logged.filter((line) => JSON.stringify(line).includes("campaign left out")).length} times`,
    });
  });

  it("a failed campaigns run's notice names the campaigns report, not the daily one", async () => {
    const out = world.newOut("failed-campaigns");
    const real = await createDuckDbEngine({ lakeDir: world.lakeDir, threads: 1 });
    const broken: QueryEngine = {
      ...real,
      run: () => Promise.reject(new Error("Athena is down for maintenance")),
    };
    const { deps, close } = await world.open(out, { engine: broken });
    try {
      const summary = await runReportWithAlerts(deps, { report: "campaigns", date: DAY }).catch(
        (error: { summary?: { outcome: string } }) => error.summary,
      );
      expect(summary?.outcome).toBe("failed");
    } finally {
      await close();
      await real.close();
    }
    const [notice] = outbox(out).filter((e) => e.list === "on-call.failure");
    expect(notice?.subject).toMatch(/campaigns report/);
    expect(`${notice?.subject} ${notice?.text}`).not.toMatch(/daily report/i);
    recordFault({
      area: "Bad data",
      fault: "campaigns run fails (engine down)",
      expected: "failure notice names the campaigns report",
      observed: `subject "${notice?.subject.replace(/\(run .*\)/, "(run …)")}"`,
    });
  });
});
