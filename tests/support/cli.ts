/**
 * `node bin/opspulse.js …` in its own process, as a person runs it: exit code, stdout and
 * stderr, never a thrown error (a refused command is an outcome the tests read).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../..");
export const OPSPULSE_BIN = join(REPO, "bin", "opspulse.js");

/** How a CLI process ended. */
export interface CliOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** The process's whole environment (default: this one's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Default: the repository. */
  readonly cwd?: string;
  /** The Node binary (default: the one running the tests). */
  readonly node?: string;
  readonly timeoutMs?: number;
}

/** Runs the CLI; a killed or timed-out process ends with code -1. */
export function spawnOpspulse(
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliOutcome> {
  return new Promise((done) => {
    execFile(
      options.node ?? process.execPath,
      [OPSPULSE_BIN, ...args],
      {
        cwd: options.cwd ?? REPO,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 120_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** This environment without the developer's `OPSPULSE_*` and `AWS_*` settings, plus `extra`. */
export function envWithoutSettings(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("OPSPULSE_") && !key.startsWith("AWS_"))
      env[key] = value;
  }
  return { ...env, ...extra };
}

/** Only `PATH` and `HOME`: the local runtime, whatever this environment holds. */
export function minimalEnv(): Record<string, string> {
  return {
    ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
  };
}

/** The list of each email a local run sent to `out` (`<list>.eml` in the outbox), across runs, sorted. */
export function sentEmails(out: string): string[] {
  const outbox = join(out, "outbox");
  if (!existsSync(outbox)) return [];
  return readdirSync(outbox)
    .flatMap((run) => readdirSync(join(outbox, run)))
    .filter((file) => file.endsWith(".eml"))
    .map((file) => file.replace(/\.eml$/, ""))
    .sort();
}
