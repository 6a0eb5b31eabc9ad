import { Argument, type Command, Option } from "commander";
import {
  formatProblems,
  IMPORT_FORMATS,
  IMPORT_TABLES,
  ImportError,
  type ImportFormat,
  type ImportTable,
  InvalidRowsError,
  importFile,
} from "../../lib/lake/importer.ts";
import { DEFAULT_LAKE_DIR } from "../defaults.ts";
import { UserError } from "../errors.ts";

/**
 * `opspulse import <table> --file F`: validates a CSV or JSON Lines file against the data
 * contract and writes it into the lake (fact tables appended, dimensions replaced).
 */
export function registerImport(program: Command): void {
  program
    .command("import")
    .description(
      "validate a CSV or JSON Lines file and write it into the lake (see docs/data-contract.md)",
    )
    .addArgument(new Argument("<table>", "the table the file holds").choices(IMPORT_TABLES))
    .requiredOption("--file <path>", "the file, e.g. data/events.csv")
    .addOption(
      new Option("--format <format>", "file format (default: from the extension)").choices(
        IMPORT_FORMATS,
      ),
    )
    .option("--skip-invalid", "write the valid rows and report the invalid ones")
    .option("--lake <dir>", "local lake folder", DEFAULT_LAKE_DIR)
    .action(
      async (
        table: ImportTable,
        opts: { file: string; format?: ImportFormat; skipInvalid?: boolean; lake: string },
      ) => {
        try {
          const report = await importFile({
            table,
            file: opts.file,
            format: opts.format,
            skipInvalid: opts.skipInvalid === true,
            lakeDir: opts.lake,
          });
          const [first, last] = [report.partitions[0], report.partitions.at(-1)];
          const where =
            first === undefined
              ? ""
              : first === last
                ? ` (partition dt=${first})`
                : ` (${report.partitions.length} partitions, dt=${first} … ${last})`;
          const verb =
            report.partitions.length || report.rowsWritten === 0 ? "appended" : "replaced";
          process.stdout.write(
            `${verb} ${report.rowsWritten} ${table} rows from ${opts.file} in ${opts.lake}${where}\n`,
          );
          if (report.rowsSkipped > 0) {
            process.stderr.write(`skipped ${report.rowsSkipped} invalid rows:\n`);
            process.stderr.write(
              `${formatProblems(report.problems, report.rowsSkipped).join("\n")}\n`,
            );
          }
        } catch (error) {
          if (error instanceof InvalidRowsError) {
            process.stderr.write(
              `${formatProblems(error.problems, error.problemCount).join("\n")}\n`,
            );
          }
          if (error instanceof ImportError) throw new UserError(error.message, { cause: error });
          throw error;
        }
      },
    );
}
