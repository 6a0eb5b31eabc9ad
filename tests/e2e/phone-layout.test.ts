/**
 * The report emails on a phone (390 px) and on a desktop (800 px), checked in the DOM that
 * headless Chromium lays out, not only in a picture: no table cell whose content overflows
 * it, no word or number broken across lines ("Statu s", "CN¥2,446,44 1.58"), no page wider
 * than the screen, and on the phone one headline card a row with the secondary columns
 * dropped. Skips, saying so, without Chromium.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateLake } from "../../functions/lib/lake/generator.ts";
import { buildTemplates } from "../../scripts/build-templates.ts";
import { CHROMIUM, chromiumAvailable, chromiumDumpDom } from "../support/chromium.ts";
import { renderEmailPreviews } from "../support/email-previews.ts";

if (!chromiumAvailable) {
  process.stderr.write(`notice: ${CHROMIUM} not found: the phone layout tests are skipped\n`);
}

const root = mkdtempSync(join(tmpdir(), "opspulse-phone-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const emails = new Map<string, string>();

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const lakeDir = join(root, "lake");
  await generateLake({ seed: 5, days: 40, endDate: "2026-03-08", users: 3000, lakeDir });
  const dist = join(root, "templates");
  await buildTemplates(undefined, dist);
  for (const report of ["daily", "weekly", "campaigns"] as const) {
    const previews = await renderEmailPreviews({
      lakeDir,
      templatesDir: dist,
      outDir: join(root, "out"),
      report,
      date: "2026-03-08",
    });
    for (const email of previews) emails.set(`${report}-${email.list}`, email.html);
  }
}, 240_000);

/** What the page measured about itself once laid out. */
interface Layout {
  readonly pageWidth: number;
  readonly tooWide: string[];
  readonly overflowing: string[];
  readonly brokenWords: string[];
  readonly cardWidths: number[];
  readonly shownNarrow: number;
}

/**
 * The page is laid out in an iframe of the screen's width (headless Chromium's window is at
 * least 500 px wide); once loaded, the parent measures it: every visible table cell whose
 * content is wider than the cell, every Latin word or number (no CJK; a break after a hyphen
 * is allowed) whose glyphs fall on two lines, the headline cards' widths and how many cells
 * marked for small screens are still shown.
 */
function measuringPage(html: string, width: number): string {
  const srcdoc = html.replaceAll("&", "&amp;").replaceAll('"', "&quot;");
  return `<!doctype html><html><body style="margin:0">
<iframe id="email" style="width:${width}px;height:900px;border:0" srcdoc="${srcdoc}"></iframe>
<script>
document.getElementById("email").addEventListener("load", (event) => {
  const doc = event.target.contentDocument;
  const visible = (el) => el.getClientRects().length > 0;
  const cells = [...doc.querySelectorAll("td, th")].filter(visible);
  const overflowing = cells
    .filter((cell) => cell.scrollWidth > cell.clientWidth + 1)
    .map((cell) => cell.textContent.trim().slice(0, 40));
  const brokenWords = [];
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement || !visible(node.parentElement)) continue;
    for (const match of node.data.matchAll(/[^\\s\\u2e80-\\uffff-]{2,}/g)) {
      const range = doc.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) brokenWords.push(match[0]);
    }
  }
  const cardWidths = [...doc.querySelectorAll("table[style*='border-left:4px']")]
    .filter(visible).map((card) => Math.round(card.getBoundingClientRect().width));
  const shownNarrow = [...doc.querySelectorAll(".op-hide-narrow")].filter(visible).length;
  // The innermost elements that reach past the viewport, to name what widens the page.
  const tooWide = [...doc.body.querySelectorAll("*")]
    .filter((el) => visible(el) && el.getBoundingClientRect().right > ${width} + 1)
    .filter((el) => ![...el.children].some((child) => child.getBoundingClientRect().right > ${width} + 1))
    .map((el) => el.tagName.toLowerCase() + ": " + el.textContent.trim().slice(0, 60))
    .slice(0, 5);
  const out = document.createElement("pre");
  out.id = "layout";
  out.textContent = JSON.stringify({ pageWidth: doc.documentElement.scrollWidth, tooWide, overflowing, brokenWords, cardWidths, shownNarrow });
  document.body.append(out);
});
</script></body></html>`;
}

let pages = 0;
async function layoutOf(html: string, width: number): Promise<Layout> {
  const file = join(root, `page-${pages++}.html`);
  writeFileSync(file, measuringPage(html, width));
  const dom = await chromiumDumpDom({
    file,
    width: Math.max(width, 500),
    height: 1000,
    profileDir: join(root, "chromium-profile"),
  });
  const json = /<pre id="layout">([^<]*)<\/pre>/.exec(dom)?.[1];
  if (!json) throw new Error(`the page did not measure itself: ${dom.slice(0, 200)}`);
  return JSON.parse(
    json
      .replaceAll("&quot;", '"')
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">")
      .replaceAll("&amp;", "&"),
  );
}

describe.skipIf(!chromiumAvailable)("report emails laid out by Chromium", () => {
  const names = ["daily-en", "daily-zh", "weekly-en", "weekly-zh", "campaigns-en", "campaigns-zh"];

  it.each(names)(
    "%s on a 390 px phone: nothing overflows or breaks, cards one a row",
    async (name) => {
      const html = emails.get(name) ?? "";
      expect(html.length, name).toBeGreaterThan(1000);
      const layout = await layoutOf(html, 390);
      expect(layout.pageWidth, `${name}: ${layout.tooWide.join(" | ")}`).toBeLessThanOrEqual(390);
      expect(layout.overflowing, name).toEqual([]);
      expect(layout.brokenWords, name).toEqual([]);
      expect(layout.shownNarrow, name).toBe(0);
      // One card a row: each nearly as wide as the screen's content column.
      for (const width of layout.cardWidths) expect(width, name).toBeGreaterThan(300);
      if (!name.startsWith("campaigns")) expect(layout.cardWidths.length, name).toBeGreaterThan(3);
    },
    90_000,
  );

  it.each(names)(
    "%s at 800 px: nothing overflows or breaks, cards two a row",
    async (name) => {
      const layout = await layoutOf(emails.get(name) ?? "", 800);
      expect(layout.pageWidth, name).toBeLessThanOrEqual(800);
      expect(layout.overflowing, name).toEqual([]);
      expect(layout.brokenWords, name).toEqual([]);
      for (const width of layout.cardWidths) expect(width, name).toBeLessThan(320);
    },
    90_000,
  );
});
