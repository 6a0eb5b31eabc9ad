/**
 * Fault: spreadsheet formula injection in the CSVs the product writes — text cells starting
 * with `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP's list) in the emails'
 * attachment and in `opspulse export`.
 *
 * Expected: every such text cell starts with `'` (shown as text, not evaluated); numbers,
 * negative ones included, stay numbers; one writer (`export/csv.ts`) for every CSV.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsSnapshotStore } from "../../functions/lib/adapters/fs-store.ts";
import { runReportWithAlerts } from "../../functions/lib/alerts/on-call.ts";
import { type LakeRow, writeLake } from "../../functions/lib/lake/writer.ts";
import { runCli } from "../unit/cli/commands/capture.ts";
import { leaves, parseEml } from "../unit/report/eml.ts";
import { clockAt, createLocalWorld, type LocalWorld, outbox } from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

const DAY = "2026-03-02";
/** What an attacker would put in a cell; each starts a formula in a spreadsheet. */
const FORMULAS = [
  '=HYPERLINK("http://example.com/x","click")',
  "+1+cmd|' /C calc'!A0",
  "-2+3",
  "@SUM(A1:A9)",
  "\t=1+1",
  "\r=1+1",
];
const FORMULA_START = /^[=+\-@\t\r]/;

let world: LocalWorld;
beforeAll(async () => {
  world = await createLocalWorld({
    lake: async (lakeDir) => {
      // A campaign id may start with "-" (the contract allows it): it is a scope cell.
      const joins: LakeRow[] = [0, 1, 2].map((i) => ({
        event_id: `join-${i}`,
        event_time: new Date(`${DAY}T02:00:00Z`),
        user_id: `u${i}`,
        event_type: "campaign_join",
        channel: "app",
        campaign_id: "-promo",
      }));
      await writeLake(
        lakeDir,
        {
          events: joins,
          campaigns: [
            {
              id: "-promo",
              name: FORMULAS[0],
              type: "conversion",
              start_date: "2026-02-20",
              end_date: "2026-03-10",
              cost: "1000.00",
            },
          ],
        },
        { fileStem: "csv-{i}" },
      );
    },
  });
});
afterAll(() => world?.close());

/** The cells of a CSV (byte-order mark dropped), header first. */
function cells(csv: string): string[][] {
  return parse(csv.replace(/^\uFEFF/, ""), { relax_column_count: true }) as string[][];
}

/** Text cells that a spreadsheet would evaluate. */
function formulaCells(rows: readonly string[][]): string[] {
  return rows.flat().filter((cell) => FORMULA_START.test(cell) && !/^-\d+(\.\d+)?$/.test(cell));
}

describe("formula injection in CSV", () => {
  it("opspulse export neutralises formula starts in every text cell and keeps negative numbers numbers", async () => {
    const snapshots = join(world.root, "export-snapshots");
    const store = createFsSnapshotStore({ dir: snapshots });
    const hostile = Object.fromEntries(
      FORMULAS.map((formula) => [
        formula,
        { value: -0.25, status: formula, target: null, threshold: null, previous: -3 },
      ]),
    );
    await store.put({
      report: "daily",
      periodKey: DAY,
      metrics: hostile,
      scoped: { "-promo": hostile },
    } as never);
    const out = join(world.root, "export.csv");
    const result = await runCli([
      "export",
      "--report",
      "daily",
      "--from",
      DAY,
      "--to",
      DAY,
      "--snapshots",
      snapshots,
      "--out",
      out,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const rows = cells(readFileSync(out, "utf8"));
    const header = rows[0] ?? [];
    const body = rows.slice(1);
    expect(body).toHaveLength(FORMULAS.length * 2);
    expect(formulaCells(rows)).toEqual([]);
    const at = (name: string) => header.indexOf(name);
    // Shown as text: the formula after a quote, whole.
    expect(body.map((row) => row[at("metric")])).toEqual(
      [...FORMULAS, ...FORMULAS].map((formula) => `'${formula}`),
    );
    expect(body.every((row) => row[at("scope")] === "" || row[at("scope")] === "'-promo")).toBe(
      true,
    );
    // Numbers stay numbers, negative ones too.
    expect(new Set(body.map((row) => row[at("value")]))).toEqual(new Set(["-0.25"]));
    expect(new Set(body.map((row) => row[at("previous")]))).toEqual(new Set(["-3"]));
    recordFault({
      area: "Injection",
      fault:
        "metric ids, statuses and scopes starting with =, +, -, @, tab, CR in stored snapshots; `opspulse export --format csv`",
      expected: "each text cell shown as text (leading '); numbers, negative too, stay numbers",
      observed: `${body.length} rows, ${formulaCells(rows).length} cells a spreadsheet would evaluate; value -0.25 and previous -3 written as numbers`,
    });
  });

  it("the email's CSV attachment neutralises a campaign scope starting with '-'", async () => {
    const outDir = world.newOut("csv-attachment");
    const { deps, close } = await world.open(outDir, { clock: clockAt("2026-03-03T00:00:00Z") });
    try {
      const summary = await runReportWithAlerts(deps, { report: "daily", date: DAY });
      expect(summary.outcome).toBe("ok");
    } finally {
      await close();
    }
    const managers = outbox(outDir).find((email) => email.list === "managers");
    const attachment = leaves(parseEml(managers?.raw ?? "")).find(
      (part) => part.contentType === "text/csv",
    );
    const rows = cells(attachment?.body ?? "");
    const scopes = rows.slice(1).map((row) => row[1]);
    expect(scopes).toContain("'-promo");
    expect(formulaCells(rows)).toEqual([]);
    recordFault({
      area: "Injection",
      fault: "campaign id `-promo` (a scope cell) in the daily email's CSV attachment",
      expected: "the cell shown as text",
      observed: `${rows.length - 1} rows; scope cells "'-promo"; ${formulaCells(rows).length} cells a spreadsheet would evaluate`,
    });
  });

  it("every CSV is written by one helper: nothing else imports csv-stringify", () => {
    const root = join(import.meta.dirname, "../../functions");
    const writers = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
      .map((entry) => join(entry.parentPath, entry.name))
      .filter((file) => readFileSync(file, "utf8").includes("csv-stringify"))
      .map((file) => relative(root, file));
    expect(writers).toEqual([join("lib", "export", "csv.ts")]);
  });
});
