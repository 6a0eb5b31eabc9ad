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
    // A usage error quotes what was typed: its control characters must not break the line.
    .configureOutput({ outputError: (text, write) => write(`${printable(text.trimEnd())}\n`) })
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
    process.stderr.write(`opspulse: ${printable(describeError(error))}\n`);
    if (process.env.OPSPULSE_DEBUG && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    return error instanceof UserError || isPathError(error) ? 2 : 1;
  }
}

/**
 * A file-system error about a path the person gave (no such folder, a name too long, a
 * file where a folder should be, no permission): theirs to fix, like a {@link UserError}.
 */
function isPathError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    typeof code === "string" &&
    [
      "ENOENT",
      "ENOTDIR",
      "EISDIR",
      "ENAMETOOLONG",
      "EACCES",
      "EPERM",
      "EEXIST",
      "ELOOP",
      "ERR_INVALID_ARG_VALUE",
    ].includes(code)
  );
}

/** `text` on one line: control characters (a newline or CR in a path) escaped as in JSON. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
  return text.replace(/[\u0000-\u001f\u007f]/g, (char) => JSON.stringify(char).slice(1, -1));
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.name;
  return String(error);
}
