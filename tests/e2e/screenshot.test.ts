/**
 * Renders the daily email in headless Chromium (Debian package `chromium`) and checks that
 * what a manager would see is there: not blank, the header drawn, status colours present,
 * and Chinese glyphs (not empty boxes) in the zh-CN email. Skips, saying so, when Chromium
 * is not installed. `.ci/run` installs it with fonts-noto-cjk.
 *
 * docs/daily-email.png is the same kind of screenshot, of the demo's daily email:
 *   npm run demo, then chromium --headless … --window-size=800,2110 file://…/managers.html
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateLake } from "../../functions/lib/lake/generator.ts";
import { buildTemplates } from "../../scripts/build-templates.ts";
import { CHROMIUM, chromiumAvailable, chromiumScreenshot } from "../support/chromium.ts";
import { renderEmailPreviews } from "../support/email-previews.ts";
import { countPixels, type Image, near } from "./png.ts";

const available = chromiumAvailable;
if (!available) {
  process.stderr.write(`notice: ${CHROMIUM} not found: the email screenshot tests are skipped\n`);
}

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const html: { en: string; zh: string } = { en: "", zh: "" };
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  if (!available) return;
  const lakeDir = join(root, "lake");
  await generateLake({ seed: 5, days: 40, endDate: "2026-03-08", users: 3000, lakeDir });
  const dist = join(root, "templates");
  await buildTemplates(undefined, dist);
  const previews = await renderEmailPreviews({
    lakeDir,
    templatesDir: dist,
    outDir: join(root, "out"),
    report: "daily",
    date: "2026-03-08",
  });
  html.en = previews.find((e) => e.list === "en")?.html ?? "";
  html.zh = previews.find((e) => e.list === "zh")?.html ?? "";
}, 120_000);

let shots = 0;
/** Renders an HTML document to a PNG with headless Chromium and decodes it. */
async function screenshot(document: string, width: number, height: number): Promise<Image> {
  const name = `shot-${shots++}`;
  const page = join(root, `${name}.html`);
  const png = join(root, `${name}.png`);
  writeFileSync(page, document);
  return chromiumScreenshot({
    file: page,
    png,
    width,
    height,
    profileDir: join(root, "chromium-profile"),
  });
}

const white = near([255, 255, 255], 8);

describe.skipIf(!available)("the daily email in Chromium", () => {
  it("is not blank: header, text and status colours are drawn", async () => {
    const image = await screenshot(html.en, 800, 1600);
    expect(image.width).toBe(800);
    const total = image.width * image.height;
    const inked = total - countPixels(image, white);
    expect(inked / total).toBeGreaterThan(0.2); // the grey page, cards and text
    expect(countPixels(image, near([15, 23, 42]))).toBeGreaterThan(20_000); // the navy header
    const breachRed = countPixels(image, near([185, 28, 28], 30));
    const metGreen = countPixels(image, near([21, 128, 61], 30));
    expect(breachRed + metGreen).toBeGreaterThan(50);
  });

  it("draws Chinese glyphs in the zh-CN email, not empty boxes", async () => {
    const zh = await screenshot(html.zh, 800, 1600);
    expect(zh.width * zh.height - countPixels(zh, white)).toBeGreaterThan(
      0.2 * zh.width * zh.height,
    );
    // The same number of characters that no font has: if the CJK text drew as boxes too,
    // both would leave the same ink.
    const page = (text: string) =>
      `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#fff"><div style="font:64px 'Noto Sans CJK SC',sans-serif;color:#000">${text}</div>`;
    const ink = (image: Image) => countPixels(image, (rgb) => rgb[0] < 128);
    const cjk = ink(await screenshot(page("日活跃用户数据"), 600, 120));
    const missing = ink(
      await screenshot(page("\u2fe0\u2fe1\u2fe2\u2fe3\u2fe4\u2fe5\u2fe6"), 600, 120),
    );
    expect(cjk).toBeGreaterThan(1000);
    expect(Math.abs(cjk - missing)).toBeGreaterThan(0.25 * cjk);
  });
});
