import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./capture.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HEADER = "order_id,user_id,order_time,updated_at,amount,currency,status";
const GOOD = `${HEADER}\no1,u1,2026-03-01T10:00:00Z,2026-03-01T10:00:00Z,99.00,CNY,paid\no2,u2,2026-03-02T10:00:00Z,2026-03-02T10:00:00Z,5,CNY,paid\n`;
const BAD = `${HEADER}\n${Array.from({ length: 23 }, (_, i) => `o${i},,2026-03-01T10:00:00Z,2026-03-01T10:00:00Z,1.00,CNY,paid`).join("\n")}\no99,u1,2026-03-01T10:00:00Z,2026-03-01T10:00:00Z,1.00,CNY,paid\n`;

describe("opspulse import", () => {
  it("imports a CSV and says where it went", async () => {
    const file = join(root, "good.csv");
    writeFileSync(file, GOOD);
    const lake = join(root, "lake-good");
    const { code, stdout } = await runCli(["import", "orders", "--file", file, "--lake", lake]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `appended 2 orders rows from ${file} in ${lake} (2 partitions, dt=2026-03-01 … 2026-03-02)\n`,
    );
    const again = await runCli(["import", "orders", "--file", file, "--lake", lake]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already imported into orders/);
  });

  it("rejects a bad file: 20 problems, then how many more, and a one-line fix", async () => {
    const file = join(root, "bad.csv");
    writeFileSync(file, BAD);
    const lake = join(root, "lake-bad");
    const { code, stderr } = await runCli(["import", "orders", "--file", file, "--lake", lake]);
    expect(code).toBe(2);
    const lines = stderr.trimEnd().split("\n");
    expect(lines[0]).toBe("  line 2, user_id: required, but empty");
    expect(lines[20]).toBe("  … and 3 more");
    expect(lines[21]).toMatch(
      /opspulse: .*bad\.csv: 23 of 24 rows are invalid, nothing was written; .*--skip-invalid/,
    );
    expect(lines).toHaveLength(22);
    expect(existsSync(join(lake, "orders"))).toBe(false);
  });

  it("with --skip-invalid writes the good rows and reports the skipped ones", async () => {
    const file = join(root, "bad.csv");
    writeFileSync(file, BAD);
    const lake = join(root, "lake-skip");
    const { code, stdout, stderr } = await runCli([
      "import",
      "orders",
      "--file",
      file,
      "--skip-invalid",
      "--lake",
      lake,
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^appended 1 orders rows .*\(partition dt=2026-03-01\)\n$/);
    expect(stderr).toMatch(/^skipped 23 invalid rows:\n {2}line 2, user_id/);
  });

  it("names the fix for an unknown table or format", async () => {
    const table = await runCli(["import", "users", "--file", "x.csv"]);
    expect(table.code).not.toBe(0);
    expect(table.stderr).toMatch(
      /Allowed choices are events, orders, campaigns, content, identities/,
    );
    const format = await runCli(["import", "events", "--file", "x.csv", "--format", "xlsx"]);
    expect(format.code).not.toBe(0);
    expect(format.stderr).toMatch(/Allowed choices are csv, jsonl/);
  });
});
