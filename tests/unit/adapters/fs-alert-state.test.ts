import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import {
  createFsAlertStateStore,
  FsAlertStateError,
} from "../../../functions/lib/adapters/fs-alert-state.ts";
import type { AlertStateStore } from "../../../functions/lib/ports.ts";

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
const freshDir = () => join(tmp, `store-${++counter}`);

interface Tally {
  readonly writers: string[];
}

/** Load, add `writer`, save; on a conflict load again. Returns the attempts it took. */
async function addWriter(store: AlertStateStore, writer: string): Promise<number> {
  for (let attempt = 1; attempt <= 200; attempt++) {
    const { state, version } = await store.load();
    const tally = (state as Tally | undefined) ?? { writers: [] };
    await new Promise((r) => setImmediate(r)); // let the other writers interleave
    if (await store.save({ writers: [...tally.writers, writer] }, version)) return attempt;
  }
  throw new Error(`${writer} never saved`);
}

describe("createFsAlertStateStore", () => {
  it("starts empty, then returns what was saved with its version", async () => {
    const store = createFsAlertStateStore({ dir: freshDir() });
    expect(await store.load()).toEqual({ state: undefined, version: undefined });
    expect(await store.save({ a: 1 }, undefined)).toBe(true);
    expect(await store.load()).toEqual({ state: { a: 1 }, version: "1" });
    expect(await store.save({ a: 2 }, "1")).toBe(true);
    expect(await store.load()).toEqual({ state: { a: 2 }, version: "2" });
  });

  it("refuses a save from a writer that read an older version", async () => {
    const store = createFsAlertStateStore({ dir: freshDir() });
    await store.save({ a: 1 }, undefined);
    await store.save({ a: 2 }, "1");
    expect(await store.save({ stale: true }, "1")).toBe(false);
    expect(await store.save({ stale: true }, undefined)).toBe(false);
    expect((await store.load()).state).toEqual({ a: 2 });
  });

  it("rejects a version it never handed out", async () => {
    const store = createFsAlertStateStore({ dir: freshDir() });
    await expect(store.save({}, "../x")).rejects.toThrow(FsAlertStateError);
  });

  it("names the file when the latest version is not JSON", async () => {
    const dir = freshDir();
    const store = createFsAlertStateStore({ dir });
    await store.save({ a: 1 }, undefined);
    writeFileSync(store.pathOf("2"), "{ not json");
    await expect(store.load()).rejects.toThrow(/v000002\.json is not readable JSON/);
  });

  it("loses no update among 20 concurrent writers with separate store instances", async () => {
    const dir = freshDir();
    const writers = Array.from({ length: 20 }, (_, i) => `w${i}`);
    const attempts = await Promise.all(
      writers.map((w) => addWriter(createFsAlertStateStore({ dir }), w)),
    );
    const { state, version } = await createFsAlertStateStore({ dir }).load();
    expect(((state as Tally).writers ?? []).sort()).toEqual([...writers].sort());
    expect(version).toBe("20");
    // The writers really raced: some had to retry.
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  });

  it("loses no update among 20 concurrent writer processes", async () => {
    const dir = freshDir();
    const script = join(tmp, "writer.ts");
    const storeModule = resolve("functions/lib/adapters/fs-alert-state.ts");
    writeFileSync(
      script,
      `import { createFsAlertStateStore } from ${JSON.stringify(storeModule)};
const store = createFsAlertStateStore({ dir: process.argv[2] });
const writer = process.argv[3];
for (let attempt = 1; ; attempt++) {
  const { state, version } = await store.load();
  const writers = state?.writers ?? [];
  if (await store.save({ writers: [...writers, writer] }, version)) break;
  if (attempt > 500) throw new Error("never saved");
}
`,
    );
    const node = resolve("node_modules/.bin/node");
    const writers = Array.from({ length: 20 }, (_, i) => `p${i}`);
    await Promise.all(writers.map((w) => run(node, [script, dir, w])));
    const { state, version } = await createFsAlertStateStore({ dir }).load();
    expect(((state as Tally).writers ?? []).sort()).toEqual([...writers].sort());
    expect(version).toBe("20");
  });

  it("prunes old versions but keeps recent ones, and fails a writer whose version was pruned", async () => {
    const dir = freshDir();
    const store = createFsAlertStateStore({ dir });
    let version: string | undefined;
    for (let i = 1; i <= 30; i++) {
      expect(await store.save({ i }, version)).toBe(true);
      version = String(i);
    }
    expect(readdirSync(dir)).toHaveLength(30); // all younger than an hour
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    for (let i = 1; i <= 30; i++) utimesSync(store.pathOf(String(i)), twoHoursAgo, twoHoursAgo);
    expect(await store.save({ i: 31 }, "30")).toBe(true);
    const left = readdirSync(dir).sort();
    expect(left).toHaveLength(20);
    expect(left[0]).toBe("v000012.json");
    // A writer that read version 5 (since pruned) creates v000006 only to find v000005 gone.
    rmSync(store.pathOf("6"), { force: true });
    expect(await store.save({ stale: true }, "5")).toBe(false);
    expect(readdirSync(dir)).not.toContain("v000006.json");
    expect(await store.load()).toEqual({ state: { i: 31 }, version: "31" });
  });
});
