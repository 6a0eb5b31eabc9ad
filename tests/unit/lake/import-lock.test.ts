import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ImportLockedError, withImportLock } from "../../../functions/lib/lake/import-lock.ts";

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), "opspulse-lock-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("withImportLock", () => {
  it("runs critical sections of one table one at a time and removes the lock after", async () => {
    const lake = fresh();
    const order: string[] = [];
    const section = (name: string) =>
      withImportLock(lake, "events", async () => {
        order.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 30));
        order.push(`${name} out`);
      });
    await Promise.all([section("a"), section("b")]);
    expect(order).toEqual(["a in", "a out", "b in", "b out"]);
    expect(existsSync(join(lake, ".import-events.lock"))).toBe(false);
  });

  it("takes over a lock whose process is gone, and gives up on a live one after the wait", async () => {
    const lake = fresh();
    writeFileSync(join(lake, ".import-orders.lock"), "4194304\n");
    await expect(withImportLock(lake, "orders", () => "ran")).resolves.toBe("ran");
    writeFileSync(join(lake, ".import-orders.lock"), `${process.pid}\n`);
    await expect(withImportLock(lake, "orders", () => "ran", 50)).rejects.toThrow(
      ImportLockedError,
    );
  });
});
