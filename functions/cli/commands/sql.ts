import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { createDuckDbEngine } from "../../lib/adapters/duckdb.ts";
import { parseQueryFile } from "../../lib/query/query-file.ts";
import { DEFAULT_LAKE_DIR } from "../defaults.ts";
import { UserError } from "../errors.ts";

/** `opspulse sql --file queries/x.sql --param k=v`: runs one query file and prints its rows. */
export function registerSql(program: Command): void {
  program
    .command("sql")
    .description("run one query file on the local lake and print its rows (for ops and debugging)")
    .requiredOption("--file <path>", "the .sql file, e.g. queries/user_daily.sql")
    .option(
      "--param <name=value...>",
      "a parameter; dates as YYYY-MM-DD, timestamps as ISO 8601, lists comma-separated",
      collect,
      [],
    )
    .option("--lake <dir>", "local lake folder", DEFAULT_LAKE_DIR)
    .option("--json", "print JSON Lines instead of a table")
    .action(async (opts: { file: string; param: string[]; lake: string; json?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(opts.file, "utf8");
      } catch {
        throw new UserError(
          `cannot read ${opts.file}: give the path of a .sql file, e.g. --file queries/user_daily.sql`,
        );
      }
      const query = parseQueryFile(basename(opts.file, ".sql"), text);
      const params: Record<string, string | number | Date | string[]> = {};
      for (const pair of opts.param) {
        const eq = pair.indexOf("=");
        if (eq < 1)
          throw new UserError(
            `--param "${pair}" is not name=value: write e.g. --param day=2026-03-01`,
          );
        const name = pair.slice(0, eq);
        const value = pair.slice(eq + 1);
        const decl = query.params.find((p) => p.name === name);
        if (!decl)
          throw new UserError(
            `${opts.file} has no parameter "${name}"; it declares: ${query.params.map((p) => p.name).join(", ") || "none"}`,
          );
        params[name] =
          decl.type === "timestamp"
            ? new Date(value)
            : decl.type === "integer" || decl.type === "decimal"
              ? Number(value)
              : decl.type === "varchar_list"
                ? value.split(",")
                : value;
      }
      const engine = await createDuckDbEngine({ lakeDir: opts.lake });
      try {
        const result = await engine.run(query, params);
        if (opts.json)
          for (const row of result.rows) process.stdout.write(`${JSON.stringify(row)}\n`);
        else console.table(result.rows);
        process.stderr.write(
          `${result.rows.length} rows in ${result.stats.elapsedMs.toFixed(0)} ms\n`,
        );
      } finally {
        await engine.close();
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
