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
