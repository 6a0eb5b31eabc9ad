import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFsSnapshotStore } from "../../../functions/lib/adapters/fs-store.ts";
import { runCli } from "../cli/commands/capture.ts";
import { dailyDrafts } from "./fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("opspulse dashboard", () => {
  it("builds the page of the stored snapshots under --out and prints where it is", async () => {
    const snapshots = createFsSnapshotStore({ dir: join(root, "out", "snapshots") });
    for (const draft of dailyDrafts("2026-03-08", 3)) await snapshots.put(draft);
    const result = await runCli(["dashboard", "--out", join(root, "out"), "--from", "2026-03-07"]);
    expect(result.code, result.stderr).toBe(0);
    const index = join(root, "out", "dashboard", "index.html");
    expect(result.stdout).toMatch(/^dashboard 2026-03-07 … 2026-03-08 \(\d+ KB\)\n/);
    expect(result.stdout).toContain(`  ${index}\n`);
    const html = readFileSync(index, "utf8");
    expect(html).toContain("2026-03-07 – 2026-03-08");
    expect(html).not.toContain("03-06"); // outside --from
  });

  it("says what to run first when nothing is stored, exit 2", async () => {
    const result = await runCli(["dashboard", "--out", join(root, "empty")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^opspulse: no daily snapshot under .*: run "npm run demo"/);
    expect(existsSync(join(root, "empty", "dashboard"))).toBe(false);
  });
});
