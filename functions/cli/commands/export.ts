import { randomUUID } from "node:crypto";
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { createFsSnapshotStore } from "../../lib/adapters/fs-store.ts";
import { LOCALES } from "../../lib/config/schema.ts";
import { exportHistory } from "../../lib/export/history.ts";
import { toCsv, toJsonl } from "../../lib/export/metric-table.ts";
import type { Locale } from "../../lib/kpi/registry.ts";
import { DEFAULT_OUT_DIR } from "../defaults.ts";
import { UserError } from "../errors.ts";
import { dateOption } from "./run.ts";

interface ExportOptions {
  readonly report: string;
  readonly from: string;
  readonly to: string;
  readonly format: "csv" | "jsonl";
  readonly out?: string;
  readonly snapshots?: string;
  readonly locale: Locale;
}

/**
 * Writes `content` to `file` whole (a temporary file renamed into place), in a folder that
 * must exist: a typo in --out is an error, not a new folder.
 */
function writeWhole(file: string, content: Buffer): void {
  const folder = dirname(resolve(file));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UserError(`--out ${file}: the folder ${folder} does not exist; create it first`);
  }
  const temporary = join(folder, `.opspulse-export-${process.pid}-${randomUUID()}.tmp`);
  try {
    writeFileSync(temporary, content, { flag: "wx" });
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new UserError(`--out ${file}: cannot write it (${(error as Error).message})`, {
      cause: error,
    });
  }
}

/**
 * `opspulse export --report R --from D --to D --format csv|jsonl [--out FILE]`: the stored
 * snapshot history as one row per period × metric (period, scope, metric id, label, unit,
 * value, status, target, threshold, previous, year earlier, revision). CSV is UTF-8 with a
 * byte-order mark, so that Excel shows the Chinese labels.
 */
export function registerExport(program: Command): void {
  program
    .command("export")
    .description("export the stored snapshot history of a report as CSV or JSON Lines")
    .requiredOption("--report <name>", "daily, weekly (or another stored report)")
    .requiredOption("--from <date>", "first day, YYYY-MM-DD")
    .requiredOption("--to <date>", "last day, YYYY-MM-DD (weekly: a day of the last week)")
    .addOption(
      new Option("--format <format>", "file format").choices(["csv", "jsonl"]).default("csv"),
    )
    .option("--out <file>", "write to this file (default: standard output)")
    .option(
      "--snapshots <dir>",
      `snapshots folder (default: $OPSPULSE_OUT_DIR/snapshots or ${DEFAULT_OUT_DIR}/snapshots)`,
    )
    .addOption(
      new Option("--locale <locale>", "language of the labels").choices(LOCALES).default("en"),
    )
    .action(async (opts: ExportOptions) => {
      const from = dateOption("--from", opts.from);
      const to = dateOption("--to", opts.to);
      if (from > to) throw new UserError(`--from ${from} is after --to ${to}: swap them`);
      if (!/^[A-Za-z0-9][A-Za-z0-9_.=-]{0,63}$/.test(opts.report) || opts.report === "history") {
        throw new UserError(`--report "${opts.report}" is not a report name: e.g. daily or weekly`);
      }
      const dir =
        opts.snapshots ?? join(process.env.OPSPULSE_OUT_DIR ?? DEFAULT_OUT_DIR, "snapshots");
      const { periods, rows } = await exportHistory(createFsSnapshotStore({ dir }), {
        report: opts.report,
        from,
        to,
        locale: opts.locale,
      });
      const content = opts.format === "csv" ? toCsv(rows) : Buffer.from(toJsonl(rows), "utf8");
      if (opts.out) {
        writeWhole(opts.out, content);
        process.stderr.write(
          `${opts.report} ${from} … ${to}: ${periods} period${periods === 1 ? "" : "s"}, ${rows.length} rows → ${opts.out}\n`,
        );
      } else process.stdout.write(content);
      if (periods === 0) {
        process.stderr.write(
          `notice: no ${opts.report} snapshot in ${dir} between ${from} and ${to} (run "opspulse backfill ${opts.report} --from ${from} --to ${to}" first)\n`,
        );
      }
    });
}
