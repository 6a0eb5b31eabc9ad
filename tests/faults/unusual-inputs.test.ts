/**
 * Fault: inputs that are fine but unusual — a JSON Lines file with a UTF-8 byte-order mark
 * (Windows editors write one), a JSON Lines file with another extension, and lake, output
 * and input paths holding an apostrophe, spaces and non-ASCII letters (`o'brien 数据`).
 *
 * Expected: imported like any other file, the format told right; `generate`, `import` and a
 * `run` over such paths work (no path is spliced into SQL text); the rows in the lake are
 * the rows of the file.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { runCli } from "../unit/cli/commands/capture.ts";
import { countEventsWithPrefix } from "./support/event-count.ts";
import { createLocalWorld, type LocalWorld } from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

const BOM = "\uFEFF";
const UNUSUAL = "o'brien's data 数据 ü";

let world: LocalWorld;
beforeAll(async () => {
  world = await createLocalWorld();
});
afterAll(() => world?.close());

const event = (id: string, hour: number) =>
  JSON.stringify({
    event_id: id,
    event_time: `2026-03-05T${String(hour).padStart(2, "0")}:00:00Z`,
    user_id: `u-${id}`,
    event_type: "page_view",
    channel: "app",
  });

describe("unusual but fine inputs", () => {
  it("a JSON Lines file with a byte-order mark is imported, whatever its extension", async () => {
    const lake = await world.lakeCopy("bom", () => undefined);
    const dir = join(world.root, "bom-files");
    mkdirSync(dir, { recursive: true });
    const results = [];
    for (const [name, prefix] of [
      ["events.jsonl", "bom-a"],
      ["events.json", "bom-b"],
      ["events.txt", "bom-c"],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, `${BOM}${event(`${prefix}-1`, 1)}\n${event(`${prefix}-2`, 2)}\n`);
      const result = await runCli(["import", "events", "--file", file, "--lake", lake]);
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
      expect(result.stderr).not.toMatch(/CSV/);
      results.push(result);
    }
    const csv = join(dir, "events.csv");
    writeFileSync(
      csv,
      `${BOM}event_id,event_time,user_id,event_type\r\nbom-d-1,2026-03-05T03:00:00Z,u1,page_view\r\n`,
    );
    const csvResult = await runCli(["import", "events", "--file", csv, "--lake", lake]);
    expect(csvResult.code, csvResult.stderr).toBe(0);
    expect(await countEventsWithPrefix(lake, "bom-")).toBe(7);
    recordFault({
      area: "Bad input",
      fault: "JSON Lines with a byte-order mark as .jsonl, .json, .txt; CSV with one",
      expected: "imported, the format told right",
      observed: `4 of 4 imported (exit ${[...results, csvResult].map((r) => r.code).join(", ")}); 7 rows in the lake`,
    });
  });

  it("generate, import and run work on lake, output and file paths with an apostrophe, spaces and non-ASCII", async () => {
    const base = join(world.root, UNUSUAL);
    const lake = join(base, "lake 'one'");
    const out = join(base, "out d'été");
    mkdirSync(base, { recursive: true });
    const generated = await runCli([
      "generate",
      "--days",
      "3",
      "--users",
      "40",
      "--end-date",
      "2026-03-04",
      "--lake",
      lake,
    ]);
    expect(generated.code, generated.stderr).toBe(0);

    const file = join(base, "l'import été.jsonl");
    writeFileSync(file, `${event("quote-1", 4)}\n${event("quote-2", 5)}\n`);
    const imported = await runCli(["import", "events", "--file", file, "--lake", lake]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^appended 2 events rows/);
    expect(await countEventsWithPrefix(lake, "quote-")).toBe(2);

    const run = await runCli([
      "run",
      "daily",
      "--date",
      "2026-03-04",
      "--lake",
      lake,
      "--out",
      out,
      "--config",
      world.configDir,
      "--send", // a past period: a manual run previews unless asked to send
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { outcome: string };
    expect(summary.outcome).toBe("ok");
    expect(readdirSync(join(out, "snapshots", "daily"))).toEqual(["2026-03-04"]);
    // Rollups were built in the lake under its own name.
    expect(readdirSync(lake)).toContain("rollups");
    recordFault({
      area: "Bad input",
      fault: `lake, output and input paths with an apostrophe, spaces and non-ASCII (\`${UNUSUAL}/lake 'one'\`)`,
      expected: "generate, import and run work (no path spliced into SQL)",
      observed: `generate exit ${generated.code}; import "${imported.stdout.split(" from")[0]}"; run ${summary.outcome}, snapshot stored`,
    });
  });

  it("a lake path with a glob character is written, and refused for reading in one line rather than read as a pattern", async () => {
    const lake = join(world.root, "lake [copy]");
    const generated = await runCli(["generate", "--days", "2", "--users", "10", "--lake", lake]);
    expect(generated.code, generated.stderr).toBe(0);
    await expect(createDuckDbEngine({ lakeDir: lake })).rejects.toThrow(
      /holds a glob character \(\* \? \[ \] \{ \}\), which DuckDB would expand/,
    );
  });
});
