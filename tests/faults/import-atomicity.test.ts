/**
 * Fault: `--skip-invalid` on a file without one valid row; two imports of the same file at
 * once; an import killed while holding the table's lock.
 *
 * Expected: the first exits non-zero (nothing to import is not success); of the two
 * concurrent imports exactly one prints "appended" and writes, the other is refused as
 * already imported, and the table holds the file's rows once; a lock whose process is gone
 * is taken over.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importFile, listImportedFiles } from "../../functions/lib/lake/importer.ts";
import { runCli } from "../unit/cli/commands/capture.ts";
import { countEventsWithPrefix } from "./support/event-count.ts";
import { createLocalWorld, type LocalWorld } from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

let world: LocalWorld;
let dir: string;
beforeAll(async () => {
  world = await createLocalWorld();
  dir = join(world.root, "import-files");
  mkdirSync(dir, { recursive: true });
});
afterAll(() => world?.close());

const rows = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      event_id: `${prefix}-${i}`,
      event_time: `2026-03-0${1 + (i % 3)}T0${i % 9}:00:00Z`,
      user_id: `u${i}`,
      event_type: "page_view",
    }),
  ).join("\n");

describe("import outcomes are told truthfully", () => {
  it("--skip-invalid with no valid row exits non-zero and writes nothing", async () => {
    const lake = await world.lakeCopy("skip", () => undefined);
    const file = join(dir, "all-bad.jsonl");
    writeFileSync(file, '{"event_id": "x"}\n{"event_id": "y", "user_id": ""}\nnot json\n');
    const before = listImportedFiles(lake).length;
    const result = await runCli([
      "import",
      "events",
      "--file",
      file,
      "--lake",
      lake,
      "--skip-invalid",
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/none of its 3 rows is valid, nothing was written/);
    expect(listImportedFiles(lake)).toHaveLength(before);
    recordFault({
      area: "Bad input",
      fault: "`import --skip-invalid` of a file with no valid row",
      expected: "non-zero exit, nothing written",
      observed: `exit ${result.code}: "${result.stderr.trim().split("\n").at(-1)?.replace(world.root, "…")}"`,
    });
  });

  it("two imports of one file at once: one appends, the other is refused, the rows are there once", async () => {
    const lake = await world.lakeCopy("concurrent", () => undefined);
    const file = join(dir, "twice.jsonl");
    writeFileSync(file, `${rows("twice", 30)}\n`);
    const outcomes = await Promise.allSettled([
      importFile({ table: "events", file, lakeDir: lake }),
      importFile({ table: "events", file, lakeDir: lake }),
    ]);
    const appended = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(appended).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(
      /was already imported into events/,
    );
    expect(await countEventsWithPrefix(lake, "twice-")).toBe(30);
    recordFault({
      area: "Bad input",
      fault: "two imports of the same file into events at once",
      expected: "one appends, the other is refused as already imported; rows once",
      observed: `${appended.length} appended, ${refused.length} refused ("already imported"); ${await countEventsWithPrefix(lake, "twice-")} of 30 rows in the lake`,
    });
  });

  it("a lock left by an import that was killed is taken over", async () => {
    const lake = await world.lakeCopy("stale-lock", () => undefined);
    // A process id that is not running: the highest possible one.
    writeFileSync(join(lake, ".import-events.lock"), "4194304\n");
    const file = join(dir, "after-crash.jsonl");
    writeFileSync(file, `${rows("crash", 4)}\n`);
    const report = await importFile({ table: "events", file, lakeDir: lake });
    expect(report.rowsWritten).toBe(4);
    expect(await countEventsWithPrefix(lake, "crash-")).toBe(4);
  });
});
