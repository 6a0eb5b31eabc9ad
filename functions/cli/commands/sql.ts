import { existsSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { Command } from "commander";
import { createDuckDbEngine, LakePathError } from "../../lib/adapters/duckdb.ts";
import { DEFAULT_TIME_ZONE } from "../../lib/config/schema.ts";
import {
  calendar,
  InvalidPeriodError,
  parseIsoDate,
  parseTimeZone,
  partitionsFor,
} from "../../lib/kpi/windows.ts";
import { loadSources, readQueryText } from "../../lib/query/catalog.ts";
import {
  bindParams,
  type CalendarParamRow,
  type ParamDecl,
  type ParamValue,
  parseQueryFile,
  QueryParamError,
} from "../../lib/query/query-file.ts";
import { DEFAULT_LAKE_DIR } from "../defaults.ts";
import { UserError } from "../errors.ts";

interface SqlOptions {
  readonly file: string;
  readonly param: string[];
  readonly lake: string;
  readonly tz: string;
  readonly json?: boolean;
}

/**
 * `opspulse sql --file queries/x.sql --param k=v`: runs one query file and prints its rows.
 * Only a file that passes the portable-SQL check (`query/portable.ts`: a header, logical
 * tables only, ending in `select * from final`) is run, and it runs read-only: one SELECT,
 * on an engine that can read the lake's files and nothing else.
 */
export function registerSql(program: Command): void {
  program
    .command("sql")
    .description(
      "run one portable query file read-only on the local lake and print its rows (for ops and debugging); files that fail the portable-SQL check are refused",
    )
    .requiredOption(
      "--file <path>",
      "the .sql file, e.g. queries/user_kpis.sql (header, -- @param lines, select * from final)",
    )
    .option(
      "--param <name=value...>",
      "a parameter: dates YYYY-MM-DD, timestamps ISO 8601, lists comma-separated, calendars FROM..TO (local days)",
      collect,
      [],
    )
    .option("--lake <dir>", "local lake folder", DEFAULT_LAKE_DIR)
    .option("--tz <Area/City>", "time zone of calendar parameters", DEFAULT_TIME_ZONE)
    .option("--json", "print JSON Lines instead of a table")
    .action(async (opts: SqlOptions) => {
      try {
        await runSql(opts);
      } catch (error) {
        // Wrong values and malformed query files are for the person to fix: one line, exit 2.
        if (
          error instanceof QueryParamError ||
          error instanceof InvalidPeriodError ||
          error instanceof LakePathError
        ) {
          throw new UserError(error.message, { cause: error });
        }
        throw error;
      }
    });
}

async function runSql(opts: SqlOptions): Promise<void> {
  let text: string;
  try {
    text = readQueryText(dirname(opts.file), basename(opts.file));
  } catch (error) {
    if (error instanceof QueryParamError) throw error;
    throw new UserError(
      `cannot read ${opts.file}: give the path of a .sql file, e.g. --file queries/user_kpis.sql`,
    );
  }
  const query = parseQueryFile(basename(opts.file, ".sql"), text);
  const params: Record<string, ParamValue> = {};
  for (const pair of opts.param) {
    const eq = pair.indexOf("=");
    if (eq < 1) {
      throw new UserError(`--param "${pair}" is not name=value: write e.g. --param day=2026-03-01`);
    }
    const name = pair.slice(0, eq);
    const decl = query.params.find((p) => p.name === name);
    if (!decl) {
      throw new UserError(
        `${opts.file} has no parameter "${name}"; it declares: ${query.params.map((p) => p.name).join(", ") || "none"}`,
      );
    }
    params[name] = paramValue(decl, pair.slice(eq + 1), opts.tz);
  }
  if (!existsSync(opts.lake)) {
    throw new UserError(
      `no lake at ${opts.lake}: run "opspulse generate --lake ${opts.lake}" first, or pass --lake DIR`,
    );
  }
  // Every parameter is there and valid (the engine binds them again); then the portable
  // check, last since it loads a parser.
  bindParams(query, params);
  await checkPortable(opts.file, text);
  const engine = await createDuckDbEngine({ lakeDir: opts.lake, readOnly: true });
  try {
    const result = await engine.run(query, params);
    if (opts.json) {
      for (const row of result.rows) process.stdout.write(`${JSON.stringify(row)}\n`);
    } else {
      console.table(result.rows);
    }
    const partitions = Object.entries(result.stats.partitionsRead ?? {})
      .map(([table, count]) => `${table} ${count}`)
      .join(", ");
    process.stderr.write(
      `${result.rows.length} rows in ${result.stats.elapsedMs.toFixed(0)} ms` +
        (partitions ? `; dt partitions read: ${partitions}` : "") +
        "\n",
    );
  } finally {
    await engine.close();
  }
}

/** The typed value of one `--param`; `bindParams` validates it against the declared type. */
function paramValue(decl: ParamDecl, text: string, timeZone: string): ParamValue {
  switch (decl.type) {
    case "timestamp":
      return new Date(text);
    case "integer":
    case "decimal":
      return text.trim() === "" ? Number.NaN : Number(text);
    case "varchar_list":
      return text.split(",");
    case "calendar":
      return calendarRows(decl.name, text, parseTimeZone(timeZone));
    default:
      return text;
  }
}

/** `FROM..TO` (or one date) as calendar rows: each local day with each `dt` it overlaps. */
function calendarRows(name: string, text: string, timeZone: string): CalendarParamRow[] {
  const [from = "", to = from, ...rest] = text.split("..");
  if (rest.length > 0 || from === "") {
    throw new UserError(
      `--param ${name}=${text} is not a calendar: write the local days as FROM..TO, e.g. ${name}=2026-03-01..2026-03-07`,
    );
  }
  return calendar(parseIsoDate(from), parseIsoDate(to), timeZone).flatMap((day) =>
    partitionsFor(day.fromUtc, day.toUtc).map((dt) => ({
      localDate: day.localDate,
      dt,
      dayStartUtc: day.fromUtc,
      dayEndUtc: day.toUtc,
    })),
  );
}

/**
 * Refuses a query file that fails the portable-SQL check, in one line: its first problem
 * and how many more. The check's parser is a development dependency, loaded only here.
 */
async function checkPortable(file: string, text: string): Promise<void> {
  let portable: typeof import("../../lib/query/portable.ts");
  try {
    portable = await import("../../lib/query/portable.ts");
  } catch (error) {
    throw new UserError(
      "opspulse sql needs the portable-SQL check's parser (dt-sql-parser): run npm install in the project",
      { cause: error },
    );
  }
  const problems = await portable.checkPortableSql(basename(file), text, {
    sources: loadSources(),
  });
  const [first] = problems;
  if (!first) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  throw new UserError(
    `${file} is not a portable query file, so it is not run: ${portable.formatProblem(first).replaceAll(/\s+/g, " ")}${more}`,
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
