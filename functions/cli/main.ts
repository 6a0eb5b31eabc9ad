/**
 * The opspulse command line: one program, one file per command under `commands/`.
 * Each command parses its options, calls the core and maps the outcome to an exit code;
 * errors a person can fix are printed as one line, never as a stack trace.
 */
import { Command, CommanderError } from "commander";
import { registerCommands } from "./commands/index.ts";
import { UserError } from "./errors.ts";

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command("opspulse")
    .description(
      "Scheduled KPI reports for operations teams: local lake (DuckDB) or AWS (Athena, S3, SES).",
    )
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerCommands(program);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
        ? 0
        : 2; // usage errors: like UserError, something the person can fix
    }
    process.stderr.write(`opspulse: ${describeError(error)}\n`);
    if (process.env.OPSPULSE_DEBUG && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    return error instanceof UserError ? 2 : 1;
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.name;
  return String(error);
}
