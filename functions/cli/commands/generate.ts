import type { Command } from "commander";
import { parseIsoDate } from "../../lib/kpi/windows.ts";
import {
  DEFAULT_GENERATE_OPTIONS,
  GenerateOptionsError,
  type GenerateSummary,
} from "../../lib/lake/generator.ts";
import { listImportedFiles } from "../../lib/lake/importer.ts";
import { generateIncidentLake, type IncidentLakeSummary } from "../../lib/lake/incident-lake.ts";
import { DEFAULT_LAKE_DIR } from "../defaults.ts";
import { UserError } from "../errors.ts";

/**
 * `opspulse generate`: writes the deterministic sample lake (same options, same bytes).
 * Replaces the lake's tables; refuses when the lake holds imported data, unless --force.
 */
export function registerGenerate(program: Command): void {
  const defaults = DEFAULT_GENERATE_OPTIONS;
  program
    .command("generate")
    .description(
      "generate a deterministic sample lake (replaces its events, orders, campaigns, content)",
    )
    .option(
      "--seed <n>",
      "seed of the simulation: the same seed gives the same bytes",
      String(defaults.seed),
    )
    .option("--days <n>", "UTC days (dt partitions) to generate", String(defaults.days))
    .option("--end-date <date>", "last day of the lake, YYYY-MM-DD", defaults.endDate)
    .option("--users <n>", "users who sign up during those days", String(defaults.users))
    .option("--lake <dir>", "local lake folder", DEFAULT_LAKE_DIR)
    .option("--force", "replace the tables even if the lake holds imported files")
    .option(
      "--incidents [per-kind]",
      "inject known incidents (2 of each kind) and list them in <lake>/incidents.json",
    )
    .action(
      async (opts: {
        seed: string;
        days: string;
        endDate: string;
        users: string;
        lake: string;
        force?: boolean;
        incidents?: boolean | string;
      }) => {
        const imported = listImportedFiles(opts.lake);
        if (imported.length > 0 && !opts.force)
          throw new UserError(
            `${opts.lake} holds ${imported.length} imported files that generate would delete: use another --lake, or pass --force`,
          );
        const options = {
          seed: wholeNumber("--seed", opts.seed),
          days: wholeNumber("--days", opts.days),
          endDate: calendarDate("--end-date", opts.endDate),
          users: wholeNumber("--users", opts.users),
          lakeDir: opts.lake,
        };
        const interactive = process.stderr.isTTY === true;
        let reported = 0;
        let summary: IncidentLakeSummary;
        try {
          const perKind =
            typeof opts.incidents === "string" ? wholeNumber("--incidents", opts.incidents) : 2;
          summary = await generateIncidentLake(
            {
              ...options,
              onProgress: ({ daysDone, days, events }) => {
                const line = `generating: day ${daysDone}/${days}, ${events.toLocaleString("en-US")} events`;
                if (interactive) process.stderr.write(`\r${line}`);
                else if (daysDone === days || daysDone - reported >= days / 4) {
                  process.stderr.write(`${line}\n`);
                  reported = daysDone;
                }
              },
            },
            opts.incidents ? { perKind } : undefined,
          );
        } catch (error) {
          if (error instanceof GenerateOptionsError)
            throw new UserError(`${error.message}`, { cause: error });
          throw error;
        } finally {
          if (interactive) process.stderr.write("\n");
        }
        process.stdout.write(`${describeSummary(summary, opts.lake).join("\n")}\n`);
        if (summary.truthPath)
          process.stdout.write(
            `  incidents ${String(summary.truth?.incidents.length ?? 0).padStart(11)} injected, listed in ${summary.truthPath}\n`,
          );
      },
    );
}

/** The short summary printed after a run. */
export function describeSummary(summary: GenerateSummary, lake: string): string[] {
  const n = (value: number) => value.toLocaleString("en-US").padStart(11);
  return [
    `Sample lake in ${lake}: seed ${summary.seed}, ${summary.days} days ${summary.firstDate} … ${summary.endDate}`,
    `  events    ${n(summary.rows.events)} records (${summary.invalid.events} invalid on purpose, ${summary.late.events} late)`,
    `  orders    ${n(summary.rows.orders)} records (${summary.invalid.orders} invalid on purpose, ${summary.late.orders} late)`,
    `  campaigns ${n(summary.rows.campaigns)}`,
    `  content   ${n(summary.rows.content)}`,
    `  signups   ${n(summary.signups)} users`,
    `  ${summary.files} files, ${(summary.bytes / 1e6).toFixed(1)} MB on disk, generated in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
  ];
}

function calendarDate(option: string, text: string): string {
  try {
    return parseIsoDate(text);
  } catch {
    throw new UserError(
      `${option} "${text}" is not a calendar date: write e.g. ${option} 2026-11-22`,
    );
  }
}

function wholeNumber(option: string, text: string): number {
  if (!/^\d+$/.test(text.trim()))
    throw new UserError(`${option} "${text}" is not a whole number: write e.g. ${option} 7`);
  return Number(text);
}
