/**
 * Query files and their parameters.
 *
 * A query file declares its parameters in its header (`-- @param name type  what it is`)
 * and uses them as `:name`. Before a query runs, every parameter is validated against its
 * declared type and rendered as a typed SQL literal that both Trino and DuckDB read the
 * same way. Values never reach SQL as raw text: dates, instants and numbers are checked by
 * shape, strings are quoted with quotes doubled and control characters rejected.
 */
import { sqlString } from "./sql-literal.ts";

/** Parameter types a query header may declare. */
export const PARAM_TYPES = [
  "date",
  "timestamp",
  "varchar",
  "integer",
  "decimal",
  "varchar_list",
  "calendar",
] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** One declared parameter of a query. */
export interface ParamDecl {
  readonly name: string;
  readonly type: ParamType;
  readonly description: string;
}

/**
 * One local day and one UTC partition it overlaps, with the day's UTC bounds. A `calendar`
 * parameter renders as an inline `(VALUES …)` table; a query names it and its columns,
 * `join :cal as cal (local_date, dt, day_start, day_end) on e.dt = cal.dt`, and then
 * filters on the bounds, to bucket rows by local day without time-zone functions.
 */
export interface CalendarParamRow {
  readonly localDate: string;
  readonly dt: string;
  readonly dayStartUtc: Date;
  readonly dayEndUtc: Date;
}

export type ParamValue = string | number | Date | readonly string[] | readonly CalendarParamRow[];
export type QueryParams = Readonly<Record<string, ParamValue>>;

/**
 * The `dt` partitions of a raw table a query reads, named by its parameters: a header line
 * `-- @partitions events :events_dts` (a varchar_list of dt values) or
 * `-- @partitions events :events_dt_from..:events_dt_to` (varchar bounds, both included).
 * The query must filter the table on those same parameters (`dt in :events_dts`, `dt
 * between :events_dt_from and :events_dt_to`): Athena prunes by that filter through
 * partition projection; the DuckDB engine also lists only those partitions' files, so
 * that a query's cost does not grow with the number of days in the lake.
 */
export type PartitionScope =
  | { readonly table: string; readonly list: string }
  | { readonly table: string; readonly from: string; readonly to: string };

/** A parsed query file. */
export interface QueryFile {
  readonly name: string;
  readonly sql: string;
  readonly params: readonly ParamDecl[];
  /** The partitions of raw tables it reads, when its header says (`@partitions`). */
  readonly partitions?: readonly PartitionScope[];
}

/** A query was called wrongly (missing, extra or malformed parameter) or is malformed. */
export class QueryParamError extends Error {
  override name = "QueryParamError";
}

const PARAM_LINE = /^--\s*@param\s+([a-z_][a-z0-9_]*)\s+([a-z_]+)\s*(.*)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Parses a query file's text; `name` is its file name without `.sql`. */
export function parseQueryFile(name: string, sql: string): QueryFile {
  const params: ParamDecl[] = [];
  for (const line of sql.split("\n")) {
    if (!/^--\s*@param\b/.test(line.trim())) continue;
    const match = PARAM_LINE.exec(line.trim());
    if (!match) {
      throw new QueryParamError(
        `queries/${name}.sql has a malformed line "${line.trim()}": write "-- @param <name> <type> <description>" with a lower-case name and a type among ${PARAM_TYPES.join(", ")}.`,
      );
    }
    const [, paramName = "", type = "", description = ""] = match;
    if (params.some((p) => p.name === paramName)) {
      throw new QueryParamError(
        `queries/${name}.sql declares @param ${paramName} twice: keep one declaration.`,
      );
    }
    if (!(PARAM_TYPES as readonly string[]).includes(type)) {
      throw new QueryParamError(
        `queries/${name}.sql declares @param ${paramName} with unknown type "${type}": use one of ${PARAM_TYPES.join(", ")}.`,
      );
    }
    params.push({ name: paramName, type: type as ParamType, description: description.trim() });
  }
  const partitions = parsePartitionScopes(name, sql, params);
  return partitions.length ? { name, sql, params, partitions } : { name, sql, params };
}

const PARTITIONS_LINE =
  /^--\s*@partitions\s+([a-z_][a-z0-9_]*)\s+:([a-z_][a-z0-9_]*)(?:\s*\.\.\s*:([a-z_][a-z0-9_]*))?\s*$/;

function parsePartitionScopes(
  name: string,
  sql: string,
  params: readonly ParamDecl[],
): PartitionScope[] {
  const scopes: PartitionScope[] = [];
  const typeOf = (param: string) => params.find((p) => p.name === param)?.type;
  for (const line of sql.split("\n")) {
    if (!/^--\s*@partitions\b/.test(line.trim())) continue;
    const match = PARTITIONS_LINE.exec(line.trim());
    if (!match) {
      throw new QueryParamError(
        `queries/${name}.sql has a malformed line "${line.trim()}": write "-- @partitions <table> :<dt list>" or "-- @partitions <table> :<first dt>..:<last dt>".`,
      );
    }
    const [, table = "", first = "", last] = match;
    const wanted: [string, ParamType][] =
      last === undefined
        ? [[first, "varchar_list"]]
        : [
            [first, "varchar"],
            [last, "varchar"],
          ];
    for (const [param, type] of wanted) {
      if (typeOf(param) !== type) {
        throw new QueryParamError(
          `queries/${name}.sql scopes ${table} by :${param}, which is not a declared ${type} parameter: declare it with "-- @param ${param} ${type} <description>".`,
        );
      }
    }
    scopes.push(last === undefined ? { table, list: first } : { table, from: first, to: last });
  }
  return scopes;
}

const INCLUDE_LINE = /^\s*--\s*@include\s+([a-z_][a-z0-9_]*)\s*$/;

/**
 * `sql` with each line `-- @include <fragment>` replaced by that fragment's CTEs (its text
 * without its leading comment block), so that a rule shared by several queries — the latest
 * record of an order — is written once (`queries/_fragments/<fragment>.sql`). The line
 * goes in the including query's `with` list, after the CTEs the fragment reads.
 */
export function expandIncludes(
  queryName: string,
  sql: string,
  readFragment: (fragment: string) => string | undefined,
): string {
  if (!sql.includes("@include")) return sql;
  return sql
    .split("\n")
    .map((line) => {
      const match = INCLUDE_LINE.exec(line);
      if (!match) return line;
      const fragment = match[1] ?? "";
      const text = readFragment(fragment);
      if (text === undefined) {
        throw new QueryParamError(
          `queries/${queryName}.sql includes "${fragment}", which is not a file of queries/_fragments/: create queries/_fragments/${fragment}.sql or fix the name.`,
        );
      }
      const lines = text.trimEnd().split("\n");
      const body = lines.findIndex((l) => l.trim() !== "" && !l.trim().startsWith("--"));
      return `-- (included from queries/_fragments/${fragment}.sql)\n${lines.slice(body).join("\n")}`;
    })
    .join("\n");
}

/**
 * `sql` (a query that starts with `with`) with `ctes` put first in its `with` list: a CTE
 * named like a table shadows it for the whole query.
 */
export function prependCtes(
  queryName: string,
  sql: string,
  ctes: readonly { readonly name: string; readonly sql: string }[],
): string {
  if (ctes.length === 0) return sql;
  const lines = sql.split("\n");
  const first = lines.findIndex((line) => line.trim() !== "" && !line.trim().startsWith("--"));
  const opening = /^\s*with\b/i;
  if (first === -1 || !opening.test(lines[first] ?? "")) {
    throw new Error(
      `queries/${queryName}.sql must start with "with" so that tables can be shadowed by CTEs.`,
    );
  }
  const defined = ctes
    .map(({ name, sql: body }) => `${name} as (\n${body.trimEnd()}\n),\n`)
    .join("\n");
  const head = lines.slice(0, first).join("\n");
  const rest = [(lines[first] ?? "").replace(opening, ""), ...lines.slice(first + 1)].join("\n");
  return `${head}\nwith\n\n${defined}${rest}`;
}

/** The `:name` placeholders used in a query body (outside comments and string literals). */
export function placeholdersIn(sql: string): string[] {
  const names = new Set<string>();
  forEachCodeSegment(sql, (code) => {
    for (const match of code.matchAll(/(?<![:\w]):([a-z_][a-z0-9_]*)/g)) names.add(match[1] ?? "");
  });
  return [...names];
}

/** Renders the query with every `:name` replaced by a validated, typed literal. */
export function bindParams(query: QueryFile, params: QueryParams): string {
  const declared = new Map(query.params.map((p) => [p.name, p]));
  for (const used of placeholdersIn(query.sql)) {
    if (!declared.has(used)) {
      throw new QueryParamError(
        `queries/${query.name}.sql uses :${used} but does not declare it: add "-- @param ${used} <type> <description>" to its header.`,
      );
    }
  }
  for (const name of Object.keys(params)) {
    if (!declared.has(name)) {
      throw new QueryParamError(`queries/${query.name}.sql has no parameter "${name}".`);
    }
  }
  const literals = new Map<string, string>();
  for (const decl of query.params) {
    const value = params[decl.name];
    if (value === undefined) {
      throw new QueryParamError(
        `queries/${query.name}.sql needs parameter "${decl.name}" (${decl.type}).`,
      );
    }
    literals.set(decl.name, renderLiteral(query.name, decl, value));
  }
  let out = "";
  forEachSegment(query.sql, (text, isCode) => {
    out += isCode
      ? text.replace(
          /(?<![:\w]):([a-z_][a-z0-9_]*)/g,
          (_, name: string) => literals.get(name) ?? "",
        )
      : text;
  });
  return out;
}

/** A sample value of each type, for checking that a query parses with its parameters bound. */
export function sampleParamValue(type: ParamType): ParamValue {
  const day = new Date("2026-01-01T00:00:00Z");
  switch (type) {
    case "date":
      return "2026-01-01";
    case "timestamp":
      return day;
    case "varchar":
      return "sample";
    case "integer":
      return 1;
    case "decimal":
      return 1.5;
    case "varchar_list":
      return ["a", "b"];
    case "calendar":
      return [{ localDate: "2026-01-01", dt: "2026-01-01", dayStartUtc: day, dayEndUtc: day }];
  }
}

function renderLiteral(queryName: string, decl: ParamDecl, value: ParamValue): string {
  const fail = (expected: string): never => {
    throw new QueryParamError(
      `queries/${queryName}.sql parameter "${decl.name}" must be ${expected}, got ${describeValue(value)}.`,
    );
  };
  switch (decl.type) {
    case "date":
      return typeof value === "string" && isCalendarDate(value)
        ? `DATE '${value}'`
        : fail("a date YYYY-MM-DD");
    case "timestamp":
      return isRenderableInstant(value) ? timestampLiteral(value) : fail("a valid Date");
    case "integer":
      // Negative numbers are parenthesised so that `x -:n` cannot render as a `--` comment.
      return typeof value === "number" && Number.isSafeInteger(value)
        ? value < 0
          ? `(${value})`
          : String(value)
        : fail("an integer");
    case "decimal":
      return typeof value === "number" && Number.isFinite(value)
        ? `CAST('${value}' AS DOUBLE)`
        : fail("a finite number");
    case "varchar":
      return typeof value === "string" ? stringLiteral(value, fail) : fail("a string");
    case "varchar_list": {
      if (
        !Array.isArray(value) ||
        value.length === 0 ||
        !value.every((v) => typeof v === "string")
      ) {
        return fail("a non-empty list of strings");
      }
      return `(${(value as string[]).map((v) => stringLiteral(v, fail)).join(", ")})`;
    }
    case "calendar": {
      if (!Array.isArray(value) || value.length === 0) return fail("a non-empty calendar");
      const rows = (value as CalendarParamRow[]).map((row) => {
        if (
          typeof row !== "object" ||
          row === null ||
          !isCalendarDate(row.localDate) ||
          !isCalendarDate(row.dt) ||
          !isRenderableInstant(row.dayStartUtc) ||
          !isRenderableInstant(row.dayEndUtc)
        ) {
          fail("calendar rows { localDate, dt: YYYY-MM-DD, dayStartUtc, dayEndUtc: Date }");
        }
        return `(DATE '${row.localDate}', '${row.dt}', ${timestampLiteral(row.dayStartUtc)}, ${timestampLiteral(row.dayEndUtc)})`;
      });
      return `(VALUES ${rows.join(", ")})`;
    }
  }
}

/** `YYYY-MM-DD` naming a real calendar day (not 2026-02-30). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== "string" || !DATE.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(value);
}

/** A valid Date in years 0000–9999, which is what a `TIMESTAMP '…'` literal can hold. */
function isRenderableInstant(value: unknown): value is Date {
  return (
    value instanceof Date &&
    !Number.isNaN(value.getTime()) &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value.toISOString())
  );
}

/** The value as a person would recognise it in an error message (JSON loses NaN, Dates). */
function describeValue(value: unknown): string {
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? "an invalid Date" : value.toISOString();
  if (typeof value === "number") return String(value);
  if (value === undefined) return "undefined";
  return JSON.stringify(value) ?? String(value);
}

function timestampLiteral(instant: Date): string {
  return `TIMESTAMP '${instant.toISOString().replace("T", " ").replace("Z", "")}'`;
}

function stringLiteral(text: string, fail: (expected: string) => never): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f]/.test(text)) return fail("a string without control characters");
  return sqlString(text);
}

/** Walks the SQL, calling back with each run of code or of comment/string text. */
function forEachSegment(sql: string, visit: (text: string, isCode: boolean) => void): void {
  let i = 0;
  let code = "";
  const flush = () => {
    if (code) visit(code, true);
    code = "";
  };
  while (i < sql.length) {
    const rest = sql.slice(i);
    let end = -1;
    if (rest.startsWith("--")) {
      end = rest.indexOf("\n");
      end = end === -1 ? rest.length : end;
    } else if (rest.startsWith("/*")) {
      end = rest.indexOf("*/");
      end = end === -1 ? rest.length : end + 2;
    } else if (rest[0] === "'" || rest[0] === '"') {
      const quote = rest[0];
      let j = 1;
      while (j < rest.length) {
        if (rest[j] === quote && rest[j + 1] === quote) j += 2;
        else if (rest[j] === quote) break;
        else j++;
      }
      end = Math.min(j + 1, rest.length);
    }
    if (end > 0) {
      flush();
      visit(rest.slice(0, end), false);
      i += end;
    } else {
      code += sql[i];
      i++;
    }
  }
  flush();
}

function forEachCodeSegment(sql: string, visit: (code: string) => void): void {
  forEachSegment(sql, (text, isCode) => {
    if (isCode) visit(text);
  });
}
