/**
 * Imports a CSV or JSON Lines file into the local lake: how a user brings real data.
 *
 * Every row is validated with the zod schema of its table (`contract/schema.ts`). Rows are
 * staged as Parquet in a scratch folder inside the lake while the file is read, so memory
 * stays flat; only when the whole file has been checked are the staged files moved into
 * their `dt=` partitions. A file with invalid rows writes nothing, unless the caller asks
 * to skip them. Fact tables are appended to; dimensions (campaigns, content, identities) are replaced,
 * and a dimension file is checked whole (ids unique besides each row's own rules) and
 * refused whole when any row is wrong: a half-replaced dimension would drop campaigns.
 *
 * Files are named after a hash of the imported file's bytes (`import-<hash>-…`), so
 * importing the same file twice is detected and refused instead of doubling the data; the
 * check and the move into the table happen under the table's import lock
 * (`import-lock.ts`), so two imports of one file at once cannot both write it.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  closeSync,
  createReadStream,
  existsSync,
  globSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import type * as z from "zod";
import { type IdentityLine, identityOverlaps } from "../contract/identities.ts";
import { type IdentityRow, ROW_SCHEMAS, TABLES, type TableSpec } from "../contract/schema.ts";
import { ImportLockedError, withImportLock } from "./import-lock.ts";
import { type LakeRow, LakeWriter } from "./writer.ts";

export type ImportTable = TableSpec["name"];
export type ImportFormat = "csv" | "jsonl";
export const IMPORT_TABLES = Object.keys(TABLES) as ImportTable[];
export const IMPORT_FORMATS: readonly ImportFormat[] = ["csv", "jsonl"];

export interface ImportOptions {
  readonly table: ImportTable;
  readonly file: string;
  /**
   * Inferred from the extension (`.csv`; `.jsonl`, `.ndjson`) when not given, else from
   * the first character (`{`: JSON Lines).
   */
  readonly format?: ImportFormat;
  /**
   * Write the valid rows and report the invalid ones, instead of writing nothing (fact
   * tables; a dimension file is refused whole). A file without a valid row is refused.
   */
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
    /** The table, when it is a dimension (refused whole, `--skip-invalid` or not). */
    dimension?: ImportTable,
  ) {
    super(
      problemCount === rowsRead && rowsRead > 0 && dimension === undefined
        ? `${file}: none of its ${rowsRead} rows is valid, nothing was written; fix them (is it the right table and format?)`
        : dimension === undefined
          ? `${file}: ${problemCount} of ${rowsRead} rows are invalid, nothing was written; fix them, or pass --skip-invalid to import only the valid rows`
          : `${file}: ${problemCount} of ${rowsRead} rows are invalid; ${dimension} is a dimension, refused whole (--skip-invalid does not apply): nothing was written, fix them and import the file again`,
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
    filesUnder(join(resolve(lakeDir), tableFolder(name)), "**/import-*.parquet"),
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
  const format = options.format ?? detectFormat(file);
  const lakeDir = resolve(options.lakeDir);
  const hash = await sha256OfFile(file);
  const fileStem = `import-${hash.slice(0, 16)}`;
  const dimension = !spec.partitionTimeColumn;
  if (!dimension) refuseImportedEarlier(file, lakeDir, table, fileStem);

  const scratch = join(lakeDir, `.${fileStem}-${process.pid}-${randomUUID().slice(0, 8)}.tmp`);
  const problems: RowProblem[] = [];
  let problemCount = 0;
  let rowsRead = 0;
  let rowsWritten = 0;
  // Opened at the first batch to stage: a refused file starts no engine and writes nothing.
  let writer: LakeWriter | undefined;
  const closeWriter = () => {
    writer?.close();
    writer = undefined;
  };
  const problem = (found: RowProblem) => {
    if (problemCount++ < MAX_REPORTED_PROBLEMS) problems.push(found);
  };
  try {
    let batch: LakeRow[] = [];
    let batchNumber = 0;
    const dimensionRows: LakeRow[] = [];
    /** Dimension ids seen so far, with the line of their first row. */
    const firstLineOfId = new Map<string, number>();
    /** The identities' mappings with their lines, for the whole-file overlap check. */
    const identityLines: IdentityLine[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      writer ??= await LakeWriter.open(scratch);
      await writer.write(table, batch, { fileStem: `${fileStem}-${batchNumber++}-{i}` });
      batch = [];
    };
    const rows = format === "csv" ? readCsv(file, table) : readJsonLines(file);
    for await (const row of rows) {
      rowsRead++;
      if ("problem" in row) {
        problem({ line: row.line, column: null, reason: row.problem });
        continue;
      }
      const result = ROW_SCHEMAS[table].safeParse(row.values);
      if (!result.success) {
        problem(describeIssues(row.line, result.error.issues, row.values));
        continue;
      }
      if (table === "identities") {
        const mapping = result.data as IdentityRow;
        identityLines.push({
          line: row.line,
          sourceUserId: mapping.source_user_id,
          userId: mapping.user_id,
          validFrom: mapping.valid_from,
          validTo: mapping.valid_to,
        });
        dimensionRows.push(mapping);
      } else if (dimension) {
        const id = String((result.data as { id: string }).id);
        const first = firstLineOfId.get(id);
        if (first !== undefined) {
          problem({
            line: row.line,
            column: "id",
            reason: `duplicate id (first on line ${first})`,
          });
          continue;
        }
        firstLineOfId.set(id, row.line);
        dimensionRows.push(result.data);
      } else {
        batch.push(result.data);
        if (batch.length >= BATCH_ROWS) await flush();
      }
      rowsWritten++;
    }
    if (rowsRead === 0) throw new ImportError(`${file} has no rows: nothing to import`);
    // One source id, one person at a time: checked over the whole file (both rows named).
    for (const overlap of identityOverlaps(identityLines)) problem(overlap);
    if (problemCount > 0 && (dimension || !options.skipInvalid || rowsWritten === 0))
      throw new InvalidRowsError(
        file,
        problems,
        problemCount,
        rowsRead,
        dimension ? table : undefined,
      );
    await flush();
    closeWriter();

    mkdirSync(lakeDir, { recursive: true });
    const partitions = await withImportLock(lakeDir, table, async () => {
      if (dimension) {
        const lakeWriter = await LakeWriter.open(lakeDir);
        try {
          await lakeWriter.write(table, dimensionRows, { fileStem, overwrite: true });
        } finally {
          lakeWriter.close();
        }
        return [];
      }
      // Checked again under the lock: another import of this file may have moved in since.
      refuseImportedEarlier(file, lakeDir, table, fileStem);
      return moveStagedFiles(join(scratch, spec.name), join(lakeDir, spec.name));
    }).catch((error: unknown) => {
      if (error instanceof ImportLockedError)
        throw new ImportError(error.message, { cause: error });
      throw error;
    });
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

/** Refuses a fact-table import whose files (same bytes, same name stem) are in the lake. */
function refuseImportedEarlier(
  file: string,
  lakeDir: string,
  table: ImportTable,
  fileStem: string,
): void {
  const earlier = filesUnder(join(lakeDir, table), `dt=*/${fileStem}-*.parquet`);
  if (earlier.length > 0)
    throw new ImportError(
      `${file} was already imported into ${table} (${earlier.length} files named ${fileStem}-*): nothing written; delete those files first to import it again`,
    );
}

/**
 * The files matching `pattern` under `folder`, as full paths. The folder is the glob's
 * working directory, never part of the pattern: a folder named `data [old]` is a name.
 */
function filesUnder(folder: string, pattern: string): string[] {
  if (!existsSync(folder)) return [];
  return globSync(pattern, { cwd: folder }).map((path) => join(folder, path));
}

/**
 * The format of a file: from its extension, else from its first character after a
 * byte-order mark and white space (`{` starts JSON Lines).
 */
function detectFormat(file: string): ImportFormat {
  const extension = extname(file).toLowerCase();
  if (extension === ".csv") return "csv";
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  const head = Buffer.alloc(4096);
  const fd = openSync(file, "r");
  let length: number;
  try {
    length = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const start = head
    .subarray(0, length)
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .trimStart();
  if (start.startsWith("{")) return "jsonl";
  throw new ImportError(
    `cannot tell the format of ${basename(file)} from its extension: pass --format csv or --format jsonl`,
  );
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Links staged `dt=…/*.parquet` files into the lake (a link fails when the name is taken:
 * nothing is overwritten); returns the partitions touched. On a failure the files linked
 * so far are removed again, so the table holds all of the file or none of it.
 */
function moveStagedFiles(from: string, to: string): string[] {
  const staged = filesUnder(from, "dt=*/*.parquet");
  const partitions = new Set<string>();
  const linked: string[] = [];
  try {
    for (const path of staged) {
      const target = join(to, relative(from, path));
      mkdirSync(dirname(target), { recursive: true });
      linkSync(path, target);
      linked.push(target);
      partitions.add(basename(dirname(path)).slice("dt=".length));
    }
  } catch (error) {
    for (const path of linked) rmSync(path, { force: true });
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      throw new ImportError(
        `a staged file is already in ${to}: nothing written; delete the files of an earlier import of this file first`,
        { cause: error },
      );
    throw error;
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
  return issue.code === "unrecognized_keys" ? issue.keys.map(quotedIfOdd).join(", ") : null;
}

/** A name from the file as one printable line: JSON-quoted (control characters escaped). */
function quoted(name: string): string {
  return JSON.stringify(name);
}

/** A key from the file as is when it is a plain name, JSON-quoted otherwise. */
function quotedIfOdd(name: string): string {
  return /^[\w.-]+$/.test(name) ? name : quoted(name);
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
      `${file}: unknown column ${quoted(unknown)} in the header; ${table} columns are ${expectedHeader(table)}${hint}`,
    );
  const duplicate = header.find((name, i) => header.indexOf(name) !== i);
  if (duplicate !== undefined)
    throw new ImportError(`${file}: column ${quoted(duplicate)} appears twice in the header`);
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
  for await (const line of lines) {
    lineNumber++;
    // A byte-order mark (Windows editors write one) is not part of the first object.
    const text = lineNumber === 1 ? line.replace(/^\uFEFF/, "") : line;
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
