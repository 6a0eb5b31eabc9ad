/**
 * Imports a CSV or JSON Lines file into the local lake: how a user brings real data.
 *
 * Every row is validated with the zod schema of its table (`contract/schema.ts`). Rows are
 * staged as Parquet in a scratch folder inside the lake while the file is read, so memory
 * stays flat; only when the whole file has been checked are the staged files moved into
 * their `dt=` partitions. A file with invalid rows writes nothing, unless the caller asks
 * to skip them. Fact tables are appended to; dimensions (campaigns, content) are replaced.
 *
 * Files are named after a hash of the imported file's bytes (`import-<hash>-…`), so
 * importing the same file twice is detected and refused instead of doubling the data.
 */
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  globSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import type * as z from "zod";
import { ROW_SCHEMAS, TABLES, type TableSpec } from "../contract/schema.ts";
import { type LakeRow, LakeWriter } from "./writer.ts";

export type ImportTable = TableSpec["name"];
export type ImportFormat = "csv" | "jsonl";
export const IMPORT_TABLES = Object.keys(TABLES) as ImportTable[];
export const IMPORT_FORMATS: readonly ImportFormat[] = ["csv", "jsonl"];

export interface ImportOptions {
  readonly table: ImportTable;
  readonly file: string;
  /** Inferred from the extension (`.csv`; `.jsonl`, `.ndjson`) when not given. */
  readonly format?: ImportFormat;
  /** Write the valid rows and report the invalid ones, instead of writing nothing. */
  readonly skipInvalid?: boolean;
  readonly lakeDir: string;
}

/** One row that failed validation. */
export interface RowProblem {
  /** 1-based line of the file where the row starts (CSV: the header is line 1). */
  readonly line: number;
  /** The column at fault, when there is one. */
  readonly column: string | null;
  readonly reason: string;
}

export interface ImportReport {
  readonly table: ImportTable;
  readonly file: string;
  readonly format: ImportFormat;
  readonly rowsRead: number;
  readonly rowsWritten: number;
  /** Invalid rows left out (only with `skipInvalid`). */
  readonly rowsSkipped: number;
  /** The first {@link MAX_REPORTED_PROBLEMS} problems. */
  readonly problems: readonly RowProblem[];
  /** `dt` partitions written to (fact tables), ascending. */
  readonly partitions: readonly string[];
  /** File name stem of the written files, `import-<hash>`. */
  readonly fileStem: string;
}

/** How many row problems a report lists before "and N more". */
export const MAX_REPORTED_PROBLEMS = 20;

/** An import that cannot go ahead; the message says what to fix. Nothing was written. */
export class ImportError extends Error {
  override name = "ImportError";
}

/** The file has invalid rows and nothing was written. */
export class InvalidRowsError extends ImportError {
  override name = "InvalidRowsError";
  readonly problems: readonly RowProblem[];
  readonly problemCount: number;
  readonly rowsRead: number;

  constructor(
    file: string,
    problems: readonly RowProblem[],
    problemCount: number,
    rowsRead: number,
  ) {
    super(
      `${file}: ${problemCount} of ${rowsRead} rows are invalid, nothing was written; fix them, or pass --skip-invalid to import only the valid rows`,
    );
    this.problems = problems;
    this.problemCount = problemCount;
    this.rowsRead = rowsRead;
  }
}

/** Lines describing row problems: up to {@link MAX_REPORTED_PROBLEMS}, then "and N more". */
export function formatProblems(problems: readonly RowProblem[], problemCount: number): string[] {
  const lines = problems
    .slice(0, MAX_REPORTED_PROBLEMS)
    .map((p) => `  line ${p.line}${p.column ? `, ${p.column}` : ""}: ${p.reason}`);
  if (problemCount > lines.length) lines.push(`  … and ${problemCount - lines.length} more`);
  return lines;
}

/** Imported files already in the lake (their names start with `import-`). */
export function listImportedFiles(lakeDir: string, table?: ImportTable): string[] {
  const tables = table ? [table] : IMPORT_TABLES;
  return tables.flatMap((name) =>
    globSync(join(resolve(lakeDir), tableFolder(name), "**", "import-*.parquet")),
  );
}

/** Rows per staged Parquet batch: bounds memory for big files. */
const BATCH_ROWS = 100_000;

/** Validates `options.file` and writes it into the lake; see the module comment. */
export async function importFile(options: ImportOptions): Promise<ImportReport> {
  const { table, file } = options;
  const spec = TABLES[table];
  if (!existsSync(file) || !statSync(file).isFile())
    throw new ImportError(
      `cannot read ${file}: give the path of a .csv or .jsonl file with --file`,
    );
  const format = options.format ?? formatFromExtension(file);
  const lakeDir = resolve(options.lakeDir);
  const hash = await sha256OfFile(file);
  const fileStem = `import-${hash.slice(0, 16)}`;
  if (spec.partitionTimeColumn) {
    const earlier = globSync(join(lakeDir, spec.name, "dt=*", `${fileStem}-*.parquet`));
    if (earlier.length > 0)
      throw new ImportError(
        `${file} was already imported into ${table} (${earlier.length} files named ${fileStem}-*): nothing written; delete those files first to import it again`,
      );
  }

  const scratch = join(lakeDir, `.${fileStem}-${process.pid}.tmp`);
  const problems: RowProblem[] = [];
  let problemCount = 0;
  let rowsRead = 0;
  let rowsWritten = 0;
  const writer = await LakeWriter.open(scratch);
  let writerOpen = true;
  const closeWriter = () => {
    if (writerOpen) writer.close();
    writerOpen = false;
  };
  try {
    let batch: LakeRow[] = [];
    let batchNumber = 0;
    const dimensionRows: LakeRow[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await writer.write(table, batch, { fileStem: `${fileStem}-${batchNumber++}-{i}` });
      batch = [];
    };
    const rows = format === "csv" ? readCsv(file, table) : readJsonLines(file);
    for await (const row of rows) {
      rowsRead++;
      if ("problem" in row) {
        if (problemCount++ < MAX_REPORTED_PROBLEMS)
          problems.push({ line: row.line, column: null, reason: row.problem });
        continue;
      }
      const result = ROW_SCHEMAS[table].safeParse(row.values);
      if (!result.success) {
        if (problemCount++ < MAX_REPORTED_PROBLEMS)
          problems.push(describeIssues(row.line, result.error.issues, row.values));
        continue;
      }
      rowsWritten++;
      if (spec.partitionTimeColumn) {
        batch.push(result.data);
        if (batch.length >= BATCH_ROWS) await flush();
      } else {
        dimensionRows.push(result.data);
      }
    }
    if (rowsRead === 0) throw new ImportError(`${file} has no rows: nothing to import`);
    if (problemCount > 0 && !options.skipInvalid)
      throw new InvalidRowsError(file, problems, problemCount, rowsRead);
    await flush();
    closeWriter();

    let partitions: string[] = [];
    if (spec.partitionTimeColumn) {
      partitions = moveStagedFiles(join(scratch, spec.name), join(lakeDir, spec.name));
    } else if (dimensionRows.length > 0) {
      const lakeWriter = await LakeWriter.open(lakeDir);
      try {
        await lakeWriter.write(table, dimensionRows, { fileStem, overwrite: true });
      } finally {
        lakeWriter.close();
      }
    }
    return {
      table,
      file,
      format,
      rowsRead,
      rowsWritten,
      rowsSkipped: problemCount,
      problems,
      partitions,
      fileStem,
    };
  } finally {
    closeWriter();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function formatFromExtension(file: string): ImportFormat {
  const extension = extname(file).toLowerCase();
  if (extension === ".csv") return "csv";
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  throw new ImportError(
    `cannot tell the format of ${basename(file)} from its extension: pass --format csv or --format jsonl`,
  );
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Moves staged `dt=…/*.parquet` files into the lake; returns the partitions touched. */
function moveStagedFiles(from: string, to: string): string[] {
  const staged = existsSync(from) ? globSync(join(from, "dt=*", "*.parquet")) : [];
  const partitions = new Set<string>();
  for (const path of staged) {
    const target = join(to, relative(from, path));
    mkdirSync(dirname(target), { recursive: true });
    renameSync(path, target);
    partitions.add(basename(dirname(path)).slice("dt=".length));
  }
  return [...partitions].sort();
}

function tableFolder(table: ImportTable): string {
  return TABLES[table].partitionTimeColumn ? table : join("dims", table);
}

/** A row read from the file, or why it could not be read as a row. */
type SourceRow =
  | { readonly line: number; readonly values: Record<string, unknown> }
  | { readonly line: number; readonly problem: string };

/** A row problem from zod's issues: the first one, in words, and which other columns fail. */
function describeIssues(
  line: number,
  issues: readonly z.core.$ZodIssue[],
  values: Record<string, unknown>,
): RowProblem {
  const [issue] = issues;
  if (!issue) return { line, column: null, reason: "invalid row" };
  const column = issueColumn(issue);
  const others = [...new Set(issues.slice(1).map(issueColumn))].filter((other) => other !== column);
  const more = others.length > 0 ? ` (also wrong: ${others.join(", ")})` : "";
  return { line, column, reason: `${issueReason(issue, column, values)}${more}` };
}

function issueColumn(issue: z.core.$ZodIssue): string | null {
  if (issue.path[0] !== undefined) return String(issue.path[0]);
  return issue.code === "unrecognized_keys" ? issue.keys.join(", ") : null;
}

/** zod's message, reworded where its default says less than it could. */
function issueReason(
  issue: z.core.$ZodIssue,
  column: string | null,
  values: Record<string, unknown>,
): string {
  const value = column === null ? undefined : values[column];
  switch (issue.code) {
    case "invalid_type":
      return value == null ? "required, but missing" : issue.message;
    case "too_small":
      return value === "" ? "required, but empty" : issue.message;
    case "invalid_value":
      return `expected one of ${issue.values.map(String).join(", ")}`;
    case "invalid_union":
      return column !== null && columnType(column) === "boolean"
        ? "expected true or false (or empty)"
        : issue.message;
    case "unrecognized_keys":
      return `not a column of this table (unknown key${issue.keys.length > 1 ? "s" : ""})`;
    default:
      return issue.message;
  }
}

function columnType(column: string): string | undefined {
  for (const table of Object.values(TABLES)) {
    const spec = table.columns.find((c) => c.name === column);
    if (spec) return spec.type;
  }
  return undefined;
}

/**
 * CSV rows as objects keyed by the header. The header must name every required column of
 * the table and nothing else; an empty cell of a nullable column reads as null.
 */
async function* readCsv(file: string, table: ImportTable): AsyncGenerator<SourceRow> {
  const columns = TABLES[table].columns;
  const parser = createReadStream(file).pipe(
    parse({ bom: true, info: true, skip_empty_lines: true, relax_column_count: true }),
  );
  let header: string[] | undefined;
  const nullable = new Set(columns.filter((c) => c.nullable).map((c) => c.name));
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!header) {
        header = record.map((name) => name.trim());
        checkHeader(file, table, header);
        continue;
      }
      const line = info.lines - record.reduce((n, cell) => n + countNewlines(cell), 0);
      if (record.length !== header.length) {
        yield { line, problem: `expected ${header.length} fields, found ${record.length}` };
        continue;
      }
      const values: Record<string, unknown> = {};
      header.forEach((name, i) => {
        const cell = record[i] ?? "";
        values[name] = cell === "" && nullable.has(name) ? null : cell;
      });
      yield { line, values };
    }
  } catch (error) {
    if (error instanceof ImportError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImportError(
      `${file} is not valid CSV (${reason}); fix the file or pass --format jsonl`,
    );
  }
  if (!header)
    throw new ImportError(
      `${file} is empty: expected a header line such as ${expectedHeader(table)}`,
    );
}

function checkHeader(file: string, table: ImportTable, header: readonly string[]): void {
  const columns = TABLES[table].columns;
  const known = new Set(columns.map((c) => c.name));
  const hint = header[0]?.startsWith("{") ? "; if the file is JSON Lines, pass --format jsonl" : "";
  const unknown = header.find((name) => !known.has(name));
  if (unknown !== undefined)
    throw new ImportError(
      `${file}: unknown column "${unknown}" in the header; ${table} columns are ${expectedHeader(table)}${hint}`,
    );
  const duplicate = header.find((name, i) => header.indexOf(name) !== i);
  if (duplicate !== undefined)
    throw new ImportError(`${file}: column "${duplicate}" appears twice in the header`);
  const missing = columns.filter((c) => !c.nullable && !header.includes(c.name)).map((c) => c.name);
  if (missing.length > 0)
    throw new ImportError(
      `${file}: the header lacks required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; ${table} columns are ${expectedHeader(table)}`,
    );
}

function expectedHeader(table: ImportTable): string {
  return TABLES[table].columns.map((c) => c.name).join(",");
}

/** JSON Lines rows: one JSON object per non-blank line. */
async function* readJsonLines(file: string): AsyncGenerator<SourceRow> {
  const lines = createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNumber = 0;
  let seenObject = false;
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (!seenObject)
        throw new ImportError(
          `${file} does not look like JSON Lines (line ${lineNumber} is not JSON); pass --format csv if it is CSV`,
        );
      yield { line: lineNumber, problem: "not valid JSON" };
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      yield { line: lineNumber, problem: "expected a JSON object" };
      continue;
    }
    seenObject = true;
    yield { line: lineNumber, values: value as Record<string, unknown> };
  }
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) count++;
  return count;
}
