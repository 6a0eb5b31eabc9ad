/**
 * `opspulse import identities`: the identity map is a dimension (replaced whole, refused
 * whole) whose rows must not map one source id twice at overlapping times; the refusal
 * names both rows and the fix (shared/kpi-spec.md, "Identity").
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { identityOverlaps } from "../../../functions/lib/contract/identities.ts";
import { type InvalidRowsError, importFile } from "../../../functions/lib/lake/importer.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-identities-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let cases = 0;
function fixture(name: string, text: string): { lake: string; file: string } {
  const dir = join(root, `case-${++cases}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), text);
  return { lake: join(dir, "lake"), file: join(dir, name) };
}

const HEADER = "source,source_user_id,user_id,valid_from,valid_to";

describe("import identities", () => {
  it("writes the map as a dimension, an empty valid_to read as still holding", async () => {
    const { lake, file } = fixture(
      "map.csv",
      `${HEADER}\nweb,web_1,p1,2026-03-01T00:00:00Z,2026-04-01T00:00:00Z\nweb,web_1,p2,2026-04-01T00:00:00Z,\nwecom,wx_9,p1,2026-03-05T08:00:00+08:00,\n`,
    );
    const report = await importFile({ table: "identities", file, lakeDir: lake });
    expect(report.rowsWritten).toBe(3);
    const engine = await createDuckDbEngine({ lakeDir: lake, threads: 1 });
    try {
      expect(
        await engine.raw("SELECT * FROM identities ORDER BY source_user_id, valid_from"),
      ).toEqual([
        {
          source: "web",
          source_user_id: "web_1",
          user_id: "p1",
          valid_from: "2026-03-01T00:00:00Z",
          valid_to: "2026-04-01T00:00:00Z",
        },
        {
          source: "web",
          source_user_id: "web_1",
          user_id: "p2",
          valid_from: "2026-04-01T00:00:00Z",
          valid_to: null,
        },
        {
          source: "wecom",
          source_user_id: "wx_9",
          user_id: "p1",
          valid_from: "2026-03-05T00:00:00Z",
          valid_to: null,
        },
      ]);
    } finally {
      await engine.close();
    }
  });

  it("refuses a source id mapped to two people at overlapping times, naming both rows", async () => {
    const { lake, file } = fixture(
      "overlap.jsonl",
      [
        {
          source: "web",
          source_user_id: "web_1",
          user_id: "p1",
          valid_from: "2026-03-01T00:00:00Z",
        },
        {
          source: "app",
          source_user_id: "app_2",
          user_id: "p2",
          valid_from: "2026-03-01T00:00:00Z",
        },
        {
          source: "web",
          source_user_id: "web_1",
          user_id: "p7",
          valid_from: "2026-05-01T00:00:00Z",
          valid_to: "2026-06-01T00:00:00Z",
        },
      ]
        .map((row) => JSON.stringify(row))
        .join("\n"),
    );
    const error = (await importFile({ table: "identities", file, lakeDir: lake }).catch(
      (e: unknown) => e,
    )) as InvalidRowsError;
    expect(error.message).toMatch(/identities is a dimension, refused whole/);
    expect(error.problems).toEqual([
      {
        line: 3,
        column: "valid_from",
        reason:
          'source id "web_1" is mapped to "p1" (line 1) and to "p7" (line 3) at overlapping times (lines 1 and 3): set valid_to of line 1 to at most 2026-05-01T00:00:00.000Z, or remove one row',
      },
    ]);
    expect(existsSync(join(lake, "dims", "identities"))).toBe(false);
  });

  it("refuses a valid_to that is not after valid_from", async () => {
    const { lake, file } = fixture(
      "backwards.csv",
      `${HEADER}\nweb,web_1,p1,2026-03-01T00:00:00Z,2026-03-01T00:00:00Z\n`,
    );
    const error = (await importFile({ table: "identities", file, lakeDir: lake }).catch(
      (e: unknown) => e,
    )) as InvalidRowsError;
    expect(error.problems).toEqual([
      {
        line: 2,
        column: "valid_to",
        reason: "valid_to must be after valid_from (or empty: the mapping still holds)",
      },
    ]);
  });
});

describe("identityOverlaps", () => {
  const row = (line: number, id: string, user: string, from: string, to: string | null) => ({
    line,
    sourceUserId: id,
    userId: user,
    validFrom: new Date(from),
    validTo: to === null ? null : new Date(to),
  });

  it("accepts back-to-back ranges and ranges of other ids", () => {
    expect(
      identityOverlaps([
        row(1, "a", "p1", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
        row(2, "a", "p2", "2026-02-01T00:00:00Z", null),
        row(3, "b", "p1", "2026-01-01T00:00:00Z", null),
      ]),
    ).toEqual([]);
  });

  it("finds a range inside a long earlier one, and a second open row of the same person", () => {
    const found = identityOverlaps([
      row(1, "a", "p1", "2026-01-01T00:00:00Z", "2026-12-01T00:00:00Z"),
      row(2, "a", "p2", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"),
      row(3, "a", "p3", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z"),
      row(4, "b", "p1", "2026-01-01T00:00:00Z", null),
      row(5, "b", "p1", "2026-06-01T00:00:00Z", null),
    ]);
    expect(found.map((f) => f.line)).toEqual([2, 3, 5]);
    expect(found[0]?.reason).toContain('"p1" (line 1) and to "p2" (line 2)');
    expect(found[2]?.reason).toContain('mapped to "p1" twice');
  });
});
