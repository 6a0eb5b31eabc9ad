/**
 * Headless Chromium for the screenshot tests: where it is, whether this machine has it, and
 * one page drawn to a decoded PNG.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { decodePng, type Image } from "../e2e/png.ts";

export const CHROMIUM = "/usr/bin/chromium";

/** Whether Chromium is installed here (the screenshot tests are skipped without it). */
export const chromiumAvailable = existsSync(CHROMIUM);

/** Headless, quiet, its own profile, one window of the size asked for; then `flags`, the page last. */
function chromiumArgs(
  options: { readonly width: number; readonly height: number; readonly profileDir: string },
  flags: readonly string[],
  file: string,
): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    `--user-data-dir=${options.profileDir}`,
    `--window-size=${options.width},${options.height}`,
    ...flags,
    `file://${file}`,
  ];
}

/**
 * Draws `file` (a path on disk) at `width`×`height` into `png` with headless Chromium and
 * decodes it; `profileDir` is Chromium's user data folder, `flags` are added to the usual ones.
 */
export async function chromiumScreenshot(options: {
  readonly file: string;
  readonly png: string;
  readonly width: number;
  readonly height: number;
  readonly profileDir: string;
  readonly flags?: readonly string[];
}): Promise<Image> {
  const { file, png, flags = [] } = options;
  await promisify(execFile)(
    CHROMIUM,
    chromiumArgs(options, [...flags, `--screenshot=${png}`], file),
    {
      timeout: 60_000,
    },
  );
  return decodePng(readFileSync(png));
}

/**
 * Loads `file` at `width`×`height` in headless Chromium, lets its scripts run and returns the
 * serialised DOM (`--dump-dom`): a page can write what it measured into itself for a test.
 */
export async function chromiumDumpDom(options: {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly profileDir: string;
}): Promise<string> {
  const { stdout } = await promisify(execFile)(
    CHROMIUM,
    chromiumArgs(
      options,
      ["--hide-scrollbars", "--virtual-time-budget=5000", "--dump-dom"],
      options.file,
    ),
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}
