/**
 * Fault: `opspulse sql --file` given a query file that writes files (COPY), reads files
 * outside the lake (`/etc/…`), or skips the portable-SQL check; and, behind the check, the
 * engine it runs on given such SQL directly.
 *
 * Expected: the command refuses such a file in one line (exit 2) and writes nothing; the
 * read-only engine refuses to write or to read outside the lake whatever SQL reaches it,
 * and cannot be switched back; the help says "read-only" and "portable".
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { parseQueryFile } from "../../functions/lib/query/query-file.ts";
import { runCli } from "../unit/cli/commands/capture.ts";
import { createLocalWorld, type LocalWorld } from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

let world: LocalWorld;
let dir: string;
beforeAll(async () => {
  world = await createLocalWorld();
  dir = join(world.root, "queries-hostile");
  mkdirSync(dir, { recursive: true });
});
afterAll(() => world?.close());

const header = ["-- Grain: one row.", "-- Output: n"];

describe("opspulse sql --file", () => {
  it("refuses a file that writes a file, reads /etc or is not portable, in one line, writing nothing", async () => {
    const escaped = join(world.root, "escaped.csv");
    const inLake = join(world.lakeDir, "escaped.csv");
    const files = {
      "copy-out": `COPY (select 1 as n) TO '${escaped}' (FORMAT csv)`,
      "copy-into-lake": [
        ...header,
        `with final as (select 1 as n) select * from final; COPY (select 1) TO '${inLake}'`,
      ].join("\n"),
      "read-etc": [
        ...header,
        "with final as (select count(*) as n from read_csv('/etc/passwd'))",
        "select * from final",
      ].join("\n"),
      "no-header": "select count(*) as n from events where dt = '2026-03-01'",
    };
    const results: { name: string; code: number; stderr: string }[] = [];
    for (const [name, text] of Object.entries(files)) {
      const file = join(dir, `${name}.sql`);
      writeFileSync(file, text);
      const result = await runCli(["sql", "--file", file, "--lake", world.lakeDir]);
      results.push({ name, ...result });
      expect(result.code, `${name}: ${result.stderr}`).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/is not a portable query file, so it is not run/);
    }
    expect(existsSync(escaped)).toBe(false);
    expect(existsSync(inLake)).toBe(false);
    recordFault({
      area: "Security",
      fault:
        "`opspulse sql --file` with COPY … TO a file, COPY into the lake, read_csv('/etc/passwd'), no header",
      expected: "refused by the portable check in one line; no file written",
      observed: `exits ${results.map((r) => r.code).join(", ")}; 0 files written; e.g. "${results[2]?.stderr.trim().replace(world.root, "…").slice(0, 140)}…"`,
    });
  });

  it("says in its help that it runs portable files read-only", async () => {
    const help = await runCli(["sql", "--help"]);
    expect(help.stdout).toMatch(/read-only/);
    expect(help.stdout).toMatch(/portable/);
  });
});

describe("the read-only engine behind it", () => {
  it("refuses writes, reads outside the lake and configuration changes, whatever SQL reaches it", async () => {
    const engine = await createDuckDbEngine({ lakeDir: world.lakeDir, readOnly: true });
    const escaped = join(world.root, "engine-escaped.csv");
    const inLake = join(world.lakeDir, "engine-escaped.csv");
    const attempts = {
      "read /etc/passwd": "select count(*) as n from read_csv('/etc/passwd')",
      "COPY out": `COPY (select 1 as n) TO '${escaped}' (FORMAT csv)`,
      "COPY into the lake": `COPY (select 1 as n) TO '${inLake}' (FORMAT csv)`,
      "turn access back on": "SET enable_external_access = true",
      "attach a database": `ATTACH '${join(world.root, "x.duckdb")}'`,
      "two statements": "select 1 as n; select 2 as n",
    };
    const errors: Record<string, string> = {};
    try {
      for (const [name, sql] of Object.entries(attempts)) {
        const query = parseQueryFile(name.replaceAll(" ", "_"), sql);
        errors[name] = await engine.run(query, {}).then(
          () => "ran",
          (error: Error) => error.message,
        );
      }
      // And the lake itself is still read.
      const events = await engine.run(
        parseQueryFile("events", "select count(*) as n from events"),
        {},
      );
      expect(Number(events.rows[0]?.n)).toBeGreaterThan(0);
    } finally {
      await engine.close();
    }
    expect(errors["read /etc/passwd"]).toMatch(/Permission Error/);
    for (const name of [
      "COPY out",
      "COPY into the lake",
      "turn access back on",
      "attach a database",
      "two statements",
    ]) {
      expect(errors[name], name).toMatch(/not one SELECT statement|Permission Error|locked/);
    }
    expect(existsSync(escaped) || existsSync(inLake)).toBe(false);
    recordFault({
      area: "Security",
      fault:
        "SQL past the check on the read-only engine: read /etc/passwd, COPY out and into the lake, SET, ATTACH, two statements",
      expected: "each refused; the lake still read",
      observed: `${Object.values(errors).filter((e) => e !== "ran").length} of ${Object.keys(attempts).length} refused (Permission Error / not one SELECT); 0 files written`,
    });
  });
});
