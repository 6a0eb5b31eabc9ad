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
  const { file, png, width, height, profileDir, flags = [] } = options;
  await promisify(execFile)(
    CHROMIUM,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      ...flags,
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${profileDir}`,
      `--screenshot=${png}`,
      `--window-size=${width},${height}`,
      `file://${file}`,
    ],
    { timeout: 60_000 },
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
  const { file, width, height, profileDir } = options;
  const { stdout } = await promisify(execFile)(
    CHROMIUM,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${profileDir}`,
      `--window-size=${width},${height}`,
      "--virtual-time-budget=5000",
      "--dump-dom",
      `file://${file}`,
    ],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}
