/**
 * The portable-SQL check: every query file must run with the same meaning on Athena (Trino)
 * and on DuckDB, so the numbers in a local demo are the numbers in production.
 *
 * A file passes when
 * 1. it binds with a sample value of each declared parameter and the result parses with the
 *    Trino grammar of `dt-sql-parser`;
 * 2. it calls only functions of {@link PORTABLE_FUNCTIONS}, whose results are the same on
 *    both engines, and none of the constructs that differ (time zones, the clock, `/`,
 *    arrays, engine-specific functions; see {@link BANNED_FUNCTIONS} for the reasons);
 * 3. it starts with a header comment (grain, `-- @param` lines, output columns), uses every
 *    parameter it declares and ends in `select * from final` (dbt style);
 * 4. it reads only the logical tables of `queries/_sources.yaml` (or its own CTEs and the
 *    inline `:calendar` table), and filters each partitioned table on `dt` in the `where`
 *    clause of the `select` that reads it, so that both engines prune partitions.
 *
 * Used by the test over `queries/` and usable from a CLI; not needed at run time (the
 * parser is a development dependency).
 */
import { readdirSync } from "node:fs";
import { registerHooks } from "node:module";
import type { TrinoSQL, TrinoSqlListener } from "dt-sql-parser";
import { DEFAULT_QUERIES_DIR, loadSources, readQueryText, type SourceDecl } from "./catalog.ts";
import {
  bindParams,
  type ParamValue,
  parseQueryFile,
  placeholdersIn,
  type QueryFile,
  sampleParamValue,
} from "./query-file.ts";

/** One reason a query file is not portable. */
export interface SqlProblem {
  /** File name as given, e.g. `user_daily.sql`. */
  readonly file: string;
  /** 1-based line in the file, when the problem has a place. */
  readonly line?: number;
  readonly message: string;
}

/** `file:line: message`, the form editors and CI logs link to. */
export function formatProblem(problem: SqlProblem): string {
  return `${problem.file}${problem.line ? `:${problem.line}` : ""}: ${problem.message}`;
}

/**
 * Functions whose result is the same on Trino and DuckDB for the argument types our
 * queries use. Deliberately short: widen it when a query needs a function, after checking
 * both engines' documentation for NULL handling, result type and rounding.
 */
export const PORTABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  // Aggregates. `sum` of decimal(18,2) is decimal(38,2) on both; counts are bigint.
  "count",
  "sum",
  "min",
  "max",
  "count_if",
  "max_by",
  "min_by",
  "bool_or",
  "bool_and",
  // Window functions (same default frame on both engines).
  "row_number",
  "rank",
  "dense_rank",
  "lag",
  "lead",
  "first_value",
  "last_value",
  // Scalars.
  "coalesce",
  "nullif",
  "greatest", // arguments checked: see checkGreatestLeast
  "least",
  "abs",
  "round",
  "floor",
  "ceil",
  "ceiling",
  "sign",
  "date_diff", // arguments checked: see checkDateDiff
  "lower",
  "upper",
  "length",
  "substr",
  "replace",
  "trim",
  "ltrim",
  "rtrim",
  "strpos",
  "starts_with",
]);

/** Functions that are explicitly refused, with the reason and what to write instead. */
export const BANNED_FUNCTIONS: Readonly<Record<string, string>> = {
  avg: "avg is a ratio, and DuckDB returns DOUBLE where Trino keeps DECIMAL: select sum(...) and count(...) and divide in TypeScript",
  date_trunc:
    "date_trunc truncates in UTC, not in the report time zone, and its result type differs (DuckDB: TIMESTAMP for a DATE): bucket by local day with the :calendar parameter",
  date_add: "date_add has different signatures on Trino and DuckDB: write `x + interval '7' day`",
  concat:
    "concat skips NULLs on DuckDB but returns NULL on Trino: use the || operator, which returns NULL on both",
  at_timezone: "time-zone arithmetic belongs in TypeScript (functions/lib/kpi/windows.ts)",
  with_timezone: "time-zone arithmetic belongs in TypeScript (functions/lib/kpi/windows.ts)",
  timezone: "time-zone arithmetic belongs in TypeScript (functions/lib/kpi/windows.ts)",
  from_unixtime: "epoch conversion depends on the session time zone: compare TIMESTAMPs instead",
  to_unixtime: "epoch conversion is engine-specific: compare TIMESTAMPs instead",
  to_timestamp: "to_timestamp is engine-specific and zone-dependent: bind a timestamp parameter",
  from_iso8601_timestamp: "parses with a zone: bind a timestamp parameter",
  date_parse: "engine-specific date parsing: bind a date parameter",
  date_format: "engine-specific formatting: format in TypeScript",
  format_datetime: "engine-specific formatting: format in TypeScript",
  parse_datetime: "engine-specific date parsing: bind a date parameter",
  strftime: "DuckDB-only: format in TypeScript",
  strptime: "DuckDB-only: bind a date or timestamp parameter",
  epoch: "DuckDB-only: compare TIMESTAMPs instead",
  epoch_ms: "DuckDB-only: compare TIMESTAMPs instead",
  now: "reads the clock: pass the run time as a timestamp parameter",
  current_timezone: "reads the session time zone: pass the zone's UTC bounds as parameters",
  today: "reads the clock: pass the report date as a date parameter",
  if: "use CASE WHEN, which is standard SQL",
  date: "use cast(x as date)",
  percentile_cont: "compute exact medians in TypeScript (RFM)",
  median: "DuckDB-only: compute exact medians in TypeScript (RFM)",
};

const BANNED_PREFIXES: readonly [string, string][] = [
  ["approx_", "approximate aggregates give different answers per engine: use exact counts"],
  ["list_", "DuckDB-only list function"],
  ["array_", "arrays are engine-specific: keep queries relational"],
  ["map_", "maps are engine-specific: keep queries relational"],
  ["json_", "JSON functions are engine-specific"],
  ["regexp_", "regular-expression dialects differ between Trino (Java) and DuckDB (RE2)"],
];

const EXTRACT_FIELDS = new Set(["year", "quarter", "month", "day", "hour", "minute", "second"]);
const INTERVAL_FIELDS = new Set(["day", "hour", "minute", "second"]);
const TIMESTAMP_LITERAL = /^'\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?'$/;

/** Options of {@link checkPortableSql}. */
export interface PortableCheckOptions {
  /** The logical tables queries may read (from `_sources.yaml`). */
  readonly sources: readonly Pick<SourceDecl, "name" | "partitioned_by">[];
}

/** Checks one query file's text; returns its problems (none when it is portable). */
export async function checkPortableSql(
  file: string,
  text: string,
  options: PortableCheckOptions,
): Promise<SqlProblem[]> {
  const problems: SqlProblem[] = [];
  const report = (message: string, line?: number) =>
    problems.push(line === undefined ? { file, message } : { file, line, message });

  let query: QueryFile;
  try {
    query = parseQueryFile(file.replace(/\.sql$/, ""), text);
  } catch (error) {
    report(reasonOf(error));
    return problems;
  }
  checkLayout(text, query, report);

  let bound: string;
  try {
    const samples: Record<string, ParamValue> = {};
    for (const param of query.params) samples[param.name] = sampleParamValue(param.type);
    bound = bindParams(query, samples);
  } catch (error) {
    report(reasonOf(error));
    return problems;
  }

  const parser = await trinoParser();
  const syntaxErrors = parser.validate(bound);
  for (const error of syntaxErrors) {
    report(`does not parse as Trino SQL: ${error.message}`, error.startLine);
  }
  if (syntaxErrors.length > 0) return problems;

  const tree = parser.parse(bound);
  const { TrinoSqlListener } = await import("dt-sql-parser");
  const listener = new TrinoSqlListener();
  const checkTables = attachRules(listener, options, report);
  parser.listen(listener, tree);
  checkTables();
  return problems;
}

/** Checks every `.sql` file of a queries folder against its `_sources.yaml`. */
export async function checkQueryFolder(dir: string = DEFAULT_QUERIES_DIR): Promise<SqlProblem[]> {
  const sources = loadSources(dir);
  const problems: SqlProblem[] = [];
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort()) {
    problems.push(...(await checkPortableSql(file, readQueryText(dir, file), { sources })));
  }
  return problems;
}

type Report = (message: string, line?: number) => void;

/** Header comment, declared-but-unused parameters, the dbt-style ending. */
function checkLayout(text: string, query: QueryFile, report: Report): void {
  const lines = text.split("\n");
  const firstCode = lines.findIndex((line) => line.trim() !== "" && !line.trim().startsWith("--"));
  const header = (firstCode === -1 ? lines : lines.slice(0, firstCode)).map((l) => l.trim());
  if (!lines[0]?.trim().startsWith("--")) {
    report(
      "must start with a header comment (-- Grain: …, -- @param …, -- Output: …) before any SQL",
      1,
    );
  }
  if (!header.some((line) => /^--\s*grain\b[^:]*:/i.test(line))) {
    report('header has no "-- Grain: one row per …" line', 1);
  }
  if (!header.some((line) => /^--\s*(output|columns)\b[^:]*:/i.test(line))) {
    report('header has no "-- Output: column, …" line listing the output columns', 1);
  }
  lines.forEach((line, index) => {
    if (index >= firstCode && firstCode !== -1 && /^\s*--\s*@param\b/.test(line)) {
      report("@param lines belong in the header comment, before any SQL", index + 1);
    }
  });
  const used = new Set(placeholdersIn(query.sql));
  for (const param of query.params) {
    if (!used.has(param.name)) {
      report(`declares @param ${param.name} but never uses :${param.name}: remove the line`);
    }
  }
  const code = lines
    .filter((line) => !line.trim().startsWith("--"))
    .join("\n")
    .trimEnd();
  if (code.endsWith(";")) {
    report("ends with ';': remove it (Trino's API accepts exactly one statement, no ';')");
  } else if (!/select\s+\*\s+from\s+final$/i.test(code)) {
    report("must end with `select * from final` (name the last CTE `final`)");
  }
}

/**
 * Function and construct rules, applied while walking the Trino parse tree; returns the
 * table rules, which need the whole tree (every CTE name) and run after the walk.
 */
function attachRules(
  listener: TrinoSqlListener,
  options: PortableCheckOptions,
  report: Report,
): () => void {
  const sources = new Map(options.sources.map((s) => [s.name.toLowerCase(), s]));
  const cteNames = new Set<string>();
  const querySpecs: QuerySpec[] = [];
  const tableReads: { name: string; line: number; spec: QuerySpec | undefined }[] = [];
  const at = (ctx: { start: { line: number } | null }) => ctx.start?.line;
  const refuse = (ctx: { start: { line: number } | null }, what: string) => report(what, at(ctx));

  listener.enterNamedQuery = (ctx) => {
    cteNames.add(identifierName(ctx.identifier().getText()));
  };
  listener.enterQuerySpecification = (ctx) => {
    querySpecs.push(ctx);
  };
  listener.exitQuerySpecification = () => {
    querySpecs.pop();
  };
  listener.enterTableName = (ctx) => {
    const name = ctx.tableOrViewName().getText();
    tableReads.push({ name, line: at(ctx) ?? 0, spec: querySpecs.at(-1) });
  };
  listener.enterFunctionCall = (ctx) => {
    const name = identifierName(ctx.functionName().getText());
    const banned = BANNED_FUNCTIONS[name] ?? BANNED_PREFIXES.find(([p]) => name.startsWith(p))?.[1];
    if (banned) return refuse(ctx, `uses ${name}(): ${banned}`);
    if (!PORTABLE_FUNCTIONS.has(name)) {
      return refuse(
        ctx,
        `uses ${name}(), which is not on the portable function list (functions/lib/query/portable.ts): check that Trino and DuckDB agree on it and add it there`,
      );
    }
    const args = ctx.expression().map((arg) => arg.getText());
    if (name === "date_diff") checkDateDiff(args, (why) => refuse(ctx, why));
    if (name === "greatest" || name === "least") {
      checkGreatestLeast(name, args, (why) => refuse(ctx, why));
    }
  };
  listener.enterArithmeticBinary = (ctx) => {
    if (ctx.SLASH()) {
      refuse(
        ctx,
        "uses '/': division is integer division on Trino and not on DuckDB; return the numerator and denominator and divide in TypeScript",
      );
    }
  };
  const timeZone = "time-zone arithmetic belongs in TypeScript (functions/lib/kpi/windows.ts)";
  const clock = "reads the clock: pass the date or instant as a parameter";
  listener.enterAtTimeZone = (ctx) => refuse(ctx, `uses AT TIME ZONE: ${timeZone}`);
  listener.enterCurrentDate = (ctx) => refuse(ctx, `uses current_date: ${clock}`);
  listener.enterCurrentTimestamp = (ctx) => refuse(ctx, `uses current_timestamp: ${clock}`);
  listener.enterCurrentTime = (ctx) => refuse(ctx, `uses current_time: ${clock}`);
  listener.enterLocalTimestamp = (ctx) => refuse(ctx, `uses localtimestamp: ${clock}`);
  listener.enterLocalTime = (ctx) => refuse(ctx, `uses localtime: ${clock}`);
  listener.enterTypeConstructor = (ctx) => {
    const type = ctx.KW_DOUBLE() ? "double" : identifierName(ctx.identifier()?.getText() ?? "");
    const literal = ctx.string().getText();
    if (type === "date" || (type === "timestamp" && TIMESTAMP_LITERAL.test(literal))) return;
    refuse(
      ctx,
      type === "timestamp"
        ? `uses TIMESTAMP ${literal}: a timestamp literal with a zone is ${timeZone}`
        : `uses ${type.toUpperCase()} ${literal}: only DATE and TIMESTAMP literals read the same on both engines (DuckDB types DECIMAL '1.50' as decimal(18,3)); write cast('1.50' as decimal(18,2))`,
    );
  };
  listener.enterCast = (ctx) => {
    const type = ctx.type().getText().toLowerCase();
    if (type.includes("timezone") || type.includes("zone")) {
      refuse(ctx, `casts to ${type}: ${timeZone}`);
    } else if (/^(array|map|row|json)/.test(type)) {
      refuse(ctx, `casts to ${type}: complex types are engine-specific`);
    }
  };
  listener.enterExtract = (ctx) => {
    const field = identifierName(ctx.identifier().getText());
    if (!EXTRACT_FIELDS.has(field)) {
      refuse(
        ctx,
        `uses extract(${field} …): engines number weekdays and weeks differently; derive weekdays and weeks in TypeScript (windows.ts)`,
      );
    }
  };
  listener.enterInterval = (ctx) => {
    const fields = ctx.intervalField().map((f) => f.getText().toLowerCase());
    if (ctx.KW_TO() || !fields.every((f) => INTERVAL_FIELDS.has(f))) {
      refuse(
        ctx,
        `uses INTERVAL … ${fields.join(" TO ").toUpperCase()}: only single-unit day/hour/minute/second intervals are portable; do calendar arithmetic in TypeScript`,
      );
    }
  };
  const engineSpecific = (what: string) => (ctx: { start: { line: number } | null }) =>
    refuse(ctx, `uses ${what}, which is engine-specific: keep queries relational and portable`);
  listener.enterLambda = engineSpecific("a lambda");
  listener.enterSubscript = engineSpecific("a subscript x[i]");
  listener.enterArrayConstructor = engineSpecific("ARRAY[…]");
  listener.enterUnnest = engineSpecific("UNNEST");
  listener.enterListAgg = engineSpecific("listagg");
  listener.enterJsonValue = engineSpecific("json_value");
  listener.enterJsonQuery = engineSpecific("json_query");
  listener.enterJsonExists = engineSpecific("json_exists");
  listener.enterJsonObject = engineSpecific("json_object");
  listener.enterJsonArray = engineSpecific("json_array");
  listener.enterJsonTable = engineSpecific("json_table");
  listener.enterTableFunctionInvocation = engineSpecific("a table function");
  listener.enterNormalize = engineSpecific("normalize");
  listener.enterMeasure = engineSpecific("a MATCH_RECOGNIZE measure");
  listener.enterCurrentUser = engineSpecific("current_user");
  listener.enterCurrentCatalog = engineSpecific("current_catalog");
  listener.enterCurrentSchema = engineSpecific("current_schema");
  listener.enterCurrentPath = engineSpecific("current_path");
  listener.enterTrim = (ctx) => {
    if (ctx.KW_FROM()) refuse(ctx, "uses trim(… FROM …): write trim(x), ltrim(x) or rtrim(x)");
  };

  return () => {
    for (const read of tableReads) {
      const name = identifierName(read.name);
      if (cteNames.has(name)) continue;
      const source = sources.get(name);
      if (!source) {
        report(
          `reads table ${read.name}, which is not declared in queries/_sources.yaml (declared: ${[...sources.keys()].join(", ")})`,
          read.line,
        );
        continue;
      }
      if (
        source.partitioned_by &&
        !(read.spec && whereMentions(read.spec, source.partitioned_by))
      ) {
        report(
          `reads ${name} without a ${source.partitioned_by} filter in the where clause of the same select: add e.g. \`${source.partitioned_by} between :dt_from and :dt_to\` so that only the needed partitions are scanned`,
          read.line,
        );
      }
    }
  };
}

type QuerySpec = Parameters<NonNullable<TrinoSqlListener["enterQuerySpecification"]>>[0];
type Tree = { getChildCount(): number; getChild(i: number): Tree | null; getText(): string };

/** Whether a select's own `where` clause (not a nested subquery's) names the column. */
function whereMentions(spec: QuerySpec, column: string): boolean {
  const where = spec.whereClause();
  if (!where) return false;
  const visit = (node: Tree): boolean => {
    if (node.getChildCount() === 0) return identifierName(node.getText()) === column;
    // A nested select has its own where clause; its filter does not prune this one's scan.
    if ("selectList" in node) return false;
    for (let i = 0; i < node.getChildCount(); i++) {
      const child = node.getChild(i);
      if (child && visit(child)) return true;
    }
    return false;
  };
  return visit(where as unknown as Tree);
}

/**
 * `date_diff('day', a, b)` agrees between engines only for DATE arguments: on timestamps
 * Trino counts whole elapsed days and DuckDB counts midnights crossed. A DATE argument is a
 * DATE literal, a cast to date, or a column whose name says it holds a date (`…date`).
 */
function checkDateDiff(args: readonly string[], refuse: (why: string) => void): void {
  const [unit, ...dates] = args;
  if (unit?.toLowerCase() !== "'day'") {
    refuse(
      `uses date_diff(${unit}, …): only the 'day' unit means the same on both engines; do month/year arithmetic in TypeScript`,
    );
    return;
  }
  const isDate = (arg: string) =>
    /^date'/i.test(arg) || /^cast\(.*asdate\)$/i.test(arg) || /(^|\.)"?\w*date"?$/i.test(arg);
  for (const arg of dates) {
    if (!isDate(arg)) {
      refuse(
        `uses date_diff('day', …) on ${arg}: on timestamps Trino counts whole days and DuckDB counts midnights; pass DATE values (a DATE literal, cast(… as date), or a column named …date)`,
      );
    }
  }
}

/**
 * `greatest`/`least` return NULL when any argument is NULL on Trino but ignore NULLs on
 * DuckDB; they agree when no argument can be NULL: literals and `coalesce(…)` calls.
 */
function checkGreatestLeast(
  name: string,
  args: readonly string[],
  refuse: (why: string) => void,
): void {
  const nonNull = (arg: string) =>
    /^coalesce\(/i.test(arg) || /^(date|timestamp)'/i.test(arg) || /^-?\d+(\.\d+)?$/.test(arg);
  for (const arg of args) {
    if (!nonNull(arg)) {
      refuse(
        `uses ${name}(…) with ${arg}, which may be NULL: Trino returns NULL then and DuckDB ignores it; wrap it in coalesce(…) or write a CASE`,
      );
    }
  }
}

/** Lower-cased identifier without double quotes. */
function identifierName(text: string): string {
  return text.replace(/^"(.*)"$/, "$1").toLowerCase();
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let parserModule: Promise<TrinoSQL> | undefined;

/**
 * The Trino parser of `dt-sql-parser`. Its ESM build imports relative paths without file
 * extensions, which bundlers accept and Node's resolver does not; a resolve hook scoped
 * to that package adds them, so the check also runs outside the test runner.
 */
function trinoParser(): Promise<TrinoSQL> {
  parserModule ??= (async () => {
    registerHooks({
      resolve(specifier, context, nextResolve) {
        try {
          return nextResolve(specifier, context);
        } catch (error) {
          const fromParser = context.parentURL?.includes("/node_modules/dt-sql-parser/");
          if (!fromParser || !specifier.startsWith(".")) throw error;
          for (const suffix of [".js", "/index.js"]) {
            try {
              return nextResolve(`${specifier}${suffix}`, context);
            } catch {
              // try the next form
            }
          }
          throw error;
        }
      },
    });
    const { TrinoSQL } = await import("dt-sql-parser");
    return new TrinoSQL();
  })();
  return parserModule;
}
