/**
 * Fuzz: generated hostile input (fast-check) for every importer and every CLI date, id and
 * path argument, run in-process (no process per case) in a sandbox folder that is also the
 * working directory.
 *
 * - Importers: each table × CSV and JSON Lines, 500 generated files each — rows of good
 *   values with hostile ones mixed in (control characters, quotes, `../`, formulas, SQL,
 *   huge and non-ASCII text, wrong types), columns missing, unknown or shuffled, garbage
 *   lines and bytes, byte-order marks, CRLF, `--skip-invalid` or not.
 * - CLI: each command's date, id and path arguments at once, 500 cases per command, each
 *   argument a good value or a hostile one.
 *
 * Expected, for every case: a one-line error (an `ImportError`; exit 2 and one
 * `opspulse:` line) or a correct import (the rows counted are the rows written, in the
 * partitions reported); nothing half-written (a refused case leaves the lake or sandbox as
 * it was, no scratch folder or lock is left); no stack trace; no file outside the sandbox.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  CAMPAIGN_TYPES,
  CONTENT_FORMATS,
  EVENT_TYPES,
  ORDER_STATUSES,
  type SqlType,
  TABLES,
} from "../../functions/lib/contract/schema.ts";
import {
  IMPORT_FORMATS,
  IMPORT_TABLES,
  ImportError,
  type ImportFormat,
  type ImportTable,
  importFile,
} from "../../functions/lib/lake/importer.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { sqlString } from "../../functions/lib/query/sql-literal.ts";
import { writeAlertConfig } from "../e2e/alerts-fixture.ts";
import { runCli } from "../unit/cli/commands/capture.ts";
import { recordFault } from "./support/record.ts";

/** Cases per importer and per command. */
const CASES = 500;
/** Fixed seeds: a failure names its case, and a re-run finds it again. */
const SEED = 18;

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

let sandbox: string;
let repoCwd: string;
let repoBefore: string[];
let verifier: DuckDBInstance;

/** Names directly in `dir` (what a stray write beside the sandbox would change). */
const names = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

/** Every file and folder under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

beforeAll(async () => {
  repoCwd = process.cwd();
  repoBefore = names(repoCwd);
  sandbox = mkdtempSync(join(tmpdir(), "opspulse-fuzz-"));
  // Relative paths land in the sandbox, not in the repository.
  process.chdir(sandbox);
  verifier = await DuckDBInstance.create(":memory:", { threads: "1" });
});

afterAll(() => {
  process.chdir(repoCwd);
  verifier?.closeSync();
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------
// Hostile values

/** Text people and attackers put where a date, an id or a name goes. */
const HOSTILE_CONSTANTS = [
  "",
  " ",
  ".",
  "..",
  "../../etc/passwd",
  "..\\..\\windows",
  "/etc/passwd",
  "~",
  "'",
  '"',
  "''; DROP TABLE events; --",
  "x' OR '1'='1",
  '=HYPERLINK("http://example.com")',
  "+1",
  "-1",
  "@SUM(A1)",
  "\t",
  "\r\n",
  "\u0000",
  "\u001b[31m",
  "\uFEFF",
  "\u202Eevil",
  "\u2028",
  "%s%n",
  ["$", "{HOME}"].join(""),
  "$(id)",
  "`id`",
  "*",
  "[a]",
  "{a,b}",
  "?",
  "NaN",
  "Infinity",
  "1e309",
  "-0",
  "2026-02-30",
  "2026-13-01",
  "0000-00-00",
  "9999-12-31",
  "2026-3-1",
  "2026-03-01T25:00:00Z",
  "2026-03-01T00:00:00",
  "2026-03-01 00:00:00Z",
  "2026-W09",
  "数据",
  "o'brien",
  "a".repeat(300),
  "x".repeat(5000),
];

const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_CONSTANTS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30, unit: "binary" }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Any JSON value a hostile JSON Lines cell may hold. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 1e21, [], {}) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const day = fc
  .date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2026-06-30T00:00:00Z") })
  .filter((d) => !Number.isNaN(d.getTime()));
const isoDate = day.map((d) => d.toISOString().slice(0, 10));
const isoInstant = day.map((d) => d.toISOString());
const amount = fc.integer({ min: 0, max: 10_000_000 }).map((n) => (n / 100).toFixed(2));
const word = fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/);

/** A good value of a column, as text (what a CSV cell or a JSON string holds). */
function goodValue(table: ImportTable, column: string, type: SqlType): fc.Arbitrary<unknown> {
  const choices: Record<string, readonly string[]> = {
    event_type: EVENT_TYPES,
    status: ORDER_STATUSES,
    type: CAMPAIGN_TYPES,
    format: CONTENT_FORMATS,
  };
  const choice = choices[column];
  if (choice) return fc.constantFrom(...choice);
  if (column === "currency") return fc.constant("CNY");
  if (column === "id" && table === "content")
    return fc.oneof(
      word,
      word.map((w) => `https://example.com/a/${w}?x=1`),
    );
  switch (type) {
    case "timestamp":
      return isoInstant;
    case "date":
      return isoDate;
    case "decimal(18,2)":
      return amount;
    case "boolean":
      return fc.constantFrom("true", "false", "");
    default:
      return word;
  }
}

interface GeneratedFile {
  readonly bytes: Buffer;
  readonly format: ImportFormat | undefined;
  readonly extension: string;
  readonly skipInvalid: boolean;
}

/** `value` one time in eight, else null. */
const rarely = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: value });

/** A generated file of `table` in `format`: mostly good rows, hostile cells and lines. */
function fileOf(table: ImportTable, format: ImportFormat): fc.Arbitrary<GeneratedFile> {
  const columns = TABLES[table].columns;
  // Fact tables take a fresh engine per import that writes: keep those to about one in ten.
  const good = TABLES[table].partitionTimeColumn ? 4 : 10;
  const cell = (column: (typeof columns)[number]) =>
    fc.oneof(
      { weight: good, arbitrary: goodValue(table, column.name, column.type) },
      { weight: 1, arbitrary: format === "csv" ? hostileText : hostileJson },
    );
  const row = fc.record(Object.fromEntries(columns.map((c) => [c.name, cell(c)])));
  const rowsArb = fc.array(row, { minLength: 0, maxLength: 6 });
  const lines = fc.tuple(
    rowsArb,
    rarely(fc.constantFrom(...columns.map((c) => c.name))), // a column dropped
    rarely(hostileText), // an unknown column
    rarely(hostileText), // a garbage line
    fc.boolean(), // shuffle columns
  );
  const body = lines.map(([rows, dropped, unknown, garbage, shuffle]) => {
    const drop = new Set(dropped === null ? [] : [dropped]);
    let header = columns.map((c) => c.name).filter((name) => !drop.has(name));
    if (shuffle) header = [...header].reverse();
    if (unknown !== null) header = [...header, `x${unknown}`];
    const out: string[] = [];
    if (format === "csv") {
      const quote = (value: unknown) => {
        const text = value === null || value === undefined ? "" : String(value);
        return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
      };
      out.push(header.map(quote).join(","));
      for (const r of rows) out.push(header.map((name) => quote(r[name] ?? "")).join(","));
    } else {
      for (const r of rows) {
        const object = Object.fromEntries(header.map((name) => [name, r[name] ?? null]));
        out.push(JSON.stringify(object));
      }
    }
    if (garbage !== null) out.splice(Math.min(1, out.length), 0, garbage);
    return out;
  });
  return fc
    .tuple(
      fc.oneof({ weight: 12, arbitrary: body }, { weight: 1, arbitrary: fc.constant([]) }),
      rarely(fc.uint8Array({ maxLength: 64 })), // raw bytes instead
      fc.boolean(), // byte-order mark
      fc.constantFrom("\n", "\r\n"),
      fc.constantFrom<ImportFormat | undefined>(undefined, undefined, format),
      fc.constantFrom(false, false, false, true), // --skip-invalid
    )
    .map(([text, raw, bom, eol, given, skipInvalid]) => ({
      bytes: raw
        ? Buffer.from(raw)
        : Buffer.from(`${bom ? "\uFEFF" : ""}${text.join(eol)}${eol}`, "utf8"),
      format: given,
      extension: format === "csv" ? ".csv" : ".jsonl",
      skipInvalid,
    }));
}

/** Rows in Parquet `files`, read by a DuckDB of the test's own. */
async function rowsIn(files: readonly string[]): Promise<number> {
  const connection = await verifier.connect();
  try {
    const result = await connection.runAndReadAll(
      `SELECT count(*) FROM read_parquet([${files.map(sqlString).join(", ")}])`,
    );
    return Number(result.getRowsJson()[0]?.[0]);
  } finally {
    connection.closeSync();
  }
}

/** A one-line message: no newline, no stack frame. */
function expectOneLine(text: string): void {
  expect(text.trimEnd()).not.toMatch(/\n/);
  expect(text).not.toMatch(/^\s+at /m);
}

// ---------------------------------------------------------------------------------------
// Importers

describe("fuzz: every importer", () => {
  const cases = IMPORT_TABLES.flatMap((table) =>
    IMPORT_FORMATS.map((format) => [table, format] as const),
  );
  const tally: Record<string, { imported: number; refused: number; rows: number }> = {};

  it.each(cases)(
    "%s as %s: hostile files",
    async (table, format) => {
      const lake = join(sandbox, `lake-${table}-${format}`);
      const files = join(sandbox, `files-${table}-${format}`);
      mkdirSync(files, { recursive: true });
      const counts = { imported: 0, refused: 0, rows: 0 };
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fileOf(table, format), async (generated) => {
          const file = join(files, `case-${n++}${generated.extension}`);
          writeFileSync(file, generated.bytes);
          const before = tree(lake);
          let report: Awaited<ReturnType<typeof importFile>>;
          try {
            report = await importFile({
              table,
              file,
              lakeDir: lake,
              ...(generated.format ? { format: generated.format } : {}),
              skipInvalid: generated.skipInvalid,
            });
          } catch (error) {
            // Refused: in one line, by the importer, and nothing changed in the lake.
            expect(error, String((error as Error)?.stack)).toBeInstanceOf(ImportError);
            expectOneLine((error as Error).message);
            expect(tree(lake)).toEqual(before);
            counts.refused++;
            return;
          }
          const after = tree(lake);
          const added = after.filter((path) => !before.includes(path));
          expect(added.filter((path) => /\.tmp|\.lock/.test(path))).toEqual([]);
          expect(report.rowsWritten).toBeGreaterThan(0);
          expect(report.rowsWritten + report.rowsSkipped).toBe(report.rowsRead);
          if (TABLES[table].partitionTimeColumn) {
            // The file's rows, once, in the partitions reported.
            const parquet = added.filter((path) => path.endsWith(".parquet"));
            expect(parquet.every((path) => path.includes(`${report.fileStem}-`))).toBe(true);
            expect(await rowsIn(parquet.map((path) => join(lake, path)))).toBe(report.rowsWritten);
            const partitions = [...new Set(parquet.map((path) => /dt=([^/]+)/.exec(path)?.[1]))];
            expect(partitions.sort()).toEqual(report.partitions);
            expect(after.filter((path) => !added.includes(path))).toEqual(before);
          } else {
            // The dimension replaced whole: one file, the file's rows.
            const dims = join(lake, "dims", table);
            const current = readdirSync(dims);
            expect(current).toEqual([`${report.fileStem}.parquet`]);
            expect(await rowsIn([join(dims, current[0] ?? "")])).toBe(report.rowsWritten);
          }
          counts.imported++;
          counts.rows += report.rowsWritten;
        }),
        { numRuns: CASES, seed: SEED + n },
      );
      expect(counts.imported + counts.refused).toBe(CASES);
      // Both outcomes were exercised.
      expect(counts.imported).toBeGreaterThan(10);
      expect(counts.refused).toBeGreaterThan(10);
      tally[`${table}/${format}`] = counts;
      rmSync(lake, { recursive: true, force: true });
    },
    180_000,
  );

  afterAll(() => {
    const entries = Object.entries(tally);
    if (entries.length !== cases.length) return;
    recordFault({
      area: "Bad input",
      fault: `fuzz: ${CASES} generated hostile files per importer (${entries.length}: each table as CSV and JSON Lines)`,
      expected:
        "a one-line ImportError with the lake unchanged, or a correct import; no stack trace",
      observed: entries
        .map(
          ([name, c]) => `${name} ${c.imported} imported (${c.rows} rows) / ${c.refused} refused`,
        )
        .join("; "),
    });
  });
});

// ---------------------------------------------------------------------------------------
// CLI arguments

describe("fuzz: every CLI date, id and path argument", () => {
  let lake: string;
  let emptyLake: string;
  let config: string;
  let out: string;
  let sqlFile: string;
  let eventsFile: string;

  /** The CLI cases' own folder and working directory (the importers' lakes are elsewhere). */
  let cli: string;

  beforeAll(async () => {
    cli = join(sandbox, "cli");
    mkdirSync(cli, { recursive: true });
    process.chdir(cli);
    lake = join(cli, "cli-lake");
    emptyLake = join(cli, "cli-empty-lake");
    mkdirSync(emptyLake, { recursive: true });
    await writeLake(lake, {
      events: [
        {
          event_id: "e1",
          event_time: new Date("2026-03-01T02:00:00Z"),
          user_id: "u1",
          event_type: "signup",
          channel: "app",
        },
      ],
    });
    config = join(cli, "cli-config");
    writeAlertConfig(config, "reminder_every_hours: 36\n");
    out = join(cli, "cli-out");
    sqlFile = join(cli, "events_on_day.sql");
    writeFileSync(
      sqlFile,
      [
        "-- Grain: one row, the events of one UTC day.",
        "-- @param day date the UTC day",
        "-- Output: events",
        "with final as (",
        "  select count(*) as events from events where dt = cast(:day as varchar)",
        ")",
        "select * from final",
        "",
      ].join("\n"),
    );
    eventsFile = join(cli, "cli-events.csv");
    writeFileSync(eventsFile, "event_id,event_time,user_id,event_type\n");
    // The engine's scratch folders and anything else written to the temp folder land in
    // the sandbox, where the checks below see them.
    const scratch = join(cli, "tmp");
    mkdirSync(scratch, { recursive: true });
    vi.stubEnv("TMPDIR", scratch);
    vi.stubEnv("OPSPULSE_OUT_DIR", out);
    vi.stubEnv("OPSPULSE_LAKE_DIR", emptyLake);
    vi.stubEnv("OPSPULSE_CONFIG_DIR", config);
  });

  /**
   * A hostile path inside the sandbox (the working directory): hostile names, never `..`
   * or absolute (the test must not write outside its sandbox when a path is accepted).
   */
  const hostilePath = fc
    .tuple(fc.constantFrom("p", join("nested", "a"), "."), hostileText)
    .map(([prefix, text]) => join(prefix, text.replaceAll("..", "_")));
  const date = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom("2026-03-01", "2026-03-02") },
    { weight: 5, arbitrary: hostileText },
  );
  const report = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom("daily", "weekly", "campaigns") },
    { weight: 3, arbitrary: hostileText },
  );
  const table = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...IMPORT_TABLES) },
    { weight: 3, arbitrary: hostileText },
  );
  const zone = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom("Asia/Shanghai", "UTC") },
    { weight: 3, arbitrary: hostileText },
  );
  const pathOr = (good: () => string) =>
    fc.oneof(
      { weight: 1, arbitrary: fc.constant(null).map(good) },
      { weight: 3, arbitrary: hostilePath },
    );

  /** Each command with its date, id and path arguments, generated together. */
  const commands: Record<string, fc.Arbitrary<string[]>> = {
    run: fc
      .tuple(
        report,
        date,
        zone,
        pathOr(() => emptyLake),
        pathOr(() => out),
        pathOr(() => config),
      )
      .map(([r, d, z, l, o, c]) => [
        "run",
        r,
        "--date",
        d,
        "--tz",
        z,
        "--lake",
        l,
        "--out",
        o,
        "--config",
        c,
        "--check",
      ]),
    backfill: fc
      .tuple(
        report,
        date,
        date,
        pathOr(() => emptyLake),
        pathOr(() => out),
        pathOr(() => config),
      )
      .map(([r, f, t, l, o, c]) => [
        "backfill",
        r,
        "--from",
        f,
        "--to",
        t,
        "--lake",
        l,
        "--out",
        o,
        "--config",
        c,
        "--no-email",
      ]),
    export: fc
      .tuple(
        report,
        date,
        date,
        pathOr(() => join(out, "snapshots")),
        hostilePath,
      )
      .map(([r, f, t, s, o]) => [
        "export",
        "--report",
        r,
        "--from",
        f,
        "--to",
        t,
        "--snapshots",
        s,
        "--out",
        join("exports", o),
      ]),
    import: fc
      .tuple(
        table,
        pathOr(() => eventsFile),
        pathOr(() => lake),
      )
      .map(([t, f, l]) => ["import", t, "--file", f, "--lake", l]),
    sql: fc
      .tuple(
        pathOr(() => sqlFile),
        pathOr(() => lake),
        date,
        zone,
      )
      .map(([f, l, d, z]) => ["sql", "--file", f, "--lake", l, "--param", `day=${d}`, "--tz", z]),
    // A good date writes a whole sample lake: kept rare (about 1 case in 20).
    generate: fc
      .tuple(
        fc.oneof(
          { weight: 1, arbitrary: fc.constant("2026-03-01") },
          { weight: 20, arbitrary: hostileText },
        ),
        hostilePath,
      )
      .map(([d, l]) => [
        "generate",
        "--days",
        "1",
        "--users",
        "3",
        "--end-date",
        d,
        "--lake",
        join("generated", l),
      ]),
    kpis: fc
      .tuple(
        date,
        zone,
        pathOr(() => emptyLake),
        pathOr(() => config),
      )
      .map(([d, z, l, c]) => ["kpis", "--date", d, "--tz", z, "--lake", l, "--config", c]),
    "rollup status": fc
      .tuple(
        date,
        date,
        pathOr(() => emptyLake),
        pathOr(() => config),
      )
      .map(([f, t, l, c]) => [
        "rollup",
        "status",
        "--from",
        f,
        "--to",
        t,
        "--lake",
        l,
        "--config",
        c,
      ]),
    "alerts replay": fc
      .tuple(
        report,
        date,
        date,
        pathOr(() => out),
        pathOr(() => config),
      )
      .map(([r, f, t, o, c]) => [
        "alerts",
        "replay",
        r,
        "--from",
        f,
        "--to",
        t,
        "--out",
        o,
        "--config",
        c,
      ]),
    dashboard: fc
      .tuple(
        date,
        date,
        pathOr(() => out),
        pathOr(() => config),
      )
      .map(([f, t, o, c]) => ["dashboard", "--from", f, "--to", t, "--out", o, "--config", c]),
  };
  const tally: Record<string, { ok: number; refused: number; failed: number }> = {};

  it.each(Object.keys(commands))(
    "opspulse %s",
    async (name) => {
      /** Exit 0; exit 2 (the person's to fix); exit 1 (ours: an unexpected one-line error). */
      const counts = { ok: 0, refused: 0, failed: 0 };
      await fc.assert(
        fc.asyncProperty(commands[name] as fc.Arbitrary<string[]>, async (args) => {
          const before = tree(cli);
          const result = await runCli(args);
          const shown = `${JSON.stringify(args).slice(0, 300)} → ${result.stderr.slice(0, 300)}`;
          expect(result.stderr, shown).not.toMatch(/^\s+at /m);
          expect([0, 1, 2], shown).toContain(result.code);
          if (result.code === 0) {
            counts.ok++;
            return;
          }
          // One line naming the problem, the last (progress lines may come before it; a usage
          // error may add commander's help hint).
          const lines = result.stderr
            .trimEnd()
            .split("\n")
            .filter((line) => line !== "(run with --help for usage)");
          expect(
            lines.filter((line) => /^(opspulse|error): /.test(line)),
            shown,
          ).toHaveLength(1);
          expect(lines.at(-1), shown).toMatch(/^(opspulse|error): /);
          // Nothing half-written: a refused command leaves the sandbox as it was.
          expect(tree(cli), shown).toEqual(before);
          if (result.code === 1) counts.failed++;
          else counts.refused++;
        }),
        { numRuns: CASES, seed: SEED },
      );
      tally[name] = counts;
    },
    180_000,
  );

  afterAll(() => {
    vi.unstubAllEnvs();
    // No file outside the sandbox: the repository holds what it held, the sandbox's temp
    // folder is empty again.
    expect(names(repoCwd)).toEqual(repoBefore);
    expect(names(join(cli, "tmp"))).toEqual([]);
    const escaped = tree(cli).filter((path) => relative(cli, resolve(cli, path)).startsWith(".."));
    expect(escaped).toEqual([]);
    if (Object.keys(tally).length !== Object.keys(commands).length) return;
    const total = (key: "ok" | "refused" | "failed") =>
      Object.values(tally).reduce((sum, c) => sum + c[key], 0);
    console.log(tally);
    recordFault({
      area: "Bad input",
      fault: `fuzz: ${CASES} generated cases per command for every date, id and path argument (${Object.keys(commands).join(", ")})`,
      expected:
        "exit 2 with one line, or a correct run; nothing half-written; no stack trace; no file outside the given folders",
      observed: `${total("refused")} refused in one line (exit 2), ${total("failed")} one-line exit 1, ${total("ok")} ran; 0 stack traces; repository and temp folder unchanged`,
    });
  });
});
