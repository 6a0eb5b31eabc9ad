/**
 * The today page on a 390 px phone, in English and Chinese, as headless Chromium lays it out:
 * nothing reaches past the screen and no table cell overflows; a stalled channel and a slow
 * hour are marked. Skipped with a notice when Chromium is not installed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  DEFAULT_PULSE_SETTINGS,
  evaluatePulse,
  type PulseRow,
  pulseBaselineDays,
} from "../../functions/lib/kpi/pulse.ts";
import { localMidnightUtc } from "../../functions/lib/kpi/windows.ts";
import { renderTodayPage } from "../../functions/lib/pulse/today-page.ts";
import { chromiumAvailable, chromiumDumpDom } from "../support/chromium.ts";

if (!chromiumAvailable) {
  process.stdout.write(
    "notice: chromium is not installed; the today page's phone layout is not checked\n",
  );
}
const root = mkdtempSync(join(tmpdir(), "opspulse-today-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TODAY = "2026-03-10";
const ZONE = "Asia/Shanghai";
const dayStart = localMidnightUtc(TODAY, ZONE);
const at = new Date(dayStart.getTime() + (12 * 60 + 15) * 60_000);
const baseline = pulseBaselineDays(TODAY, ZONE, DEFAULT_PULSE_SETTINGS.band).slice(0, 4);
const rows: PulseRow[] = [];
for (const channel of ["app", "a-very-long-channel-name-from-a-partner", "wecom"]) {
  for (let hour = 0; hour < 24; hour++) {
    const n = hour < 7 ? 12 : 12_345;
    for (const day of baseline) {
      rows.push({
        source: "baseline",
        localDate: day,
        localHour: hour,
        channel,
        records: n,
        valid: n,
        users: n,
        newestValidTime: null,
      });
    }
    if (hour <= 12 && !(channel === "app" && hour >= 10)) {
      rows.push({
        source: "today",
        localDate: TODAY,
        localHour: hour,
        channel,
        records: n,
        valid: hour === 12 ? n / 4 : n,
        users: n,
        newestValidTime: new Date(
          Math.min(at.getTime(), dayStart.getTime() + (hour + 1) * 3_600_000) - 60_000,
        ),
      });
    }
  }
}
const result = evaluatePulse({
  at,
  timeZone: ZONE,
  today: TODAY,
  dayStart,
  rows: { events: rows, orders: [] },
  settings: DEFAULT_PULSE_SETTINGS,
});

function measuring(html: string, width: number): string {
  const srcdoc = html.replaceAll("&", "&amp;").replaceAll('"', "&quot;");
  return `<!doctype html><html><body style="margin:0">
<iframe id="page" style="width:${width}px;height:1200px;border:0" srcdoc="${srcdoc}"></iframe>
<script>
document.getElementById("page").addEventListener("load", (event) => {
  const doc = event.target.contentDocument;
  const visible = (el) => el.getClientRects().length > 0;
  const overflowing = [...doc.querySelectorAll("td, th")].filter(visible)
    .filter((cell) => cell.scrollWidth > cell.clientWidth + 1).map((cell) => cell.textContent.trim().slice(0, 40));
  const tooWide = [...doc.body.querySelectorAll("*")]
    .filter((el) => visible(el) && el.getBoundingClientRect().right > ${width} + 1)
    .map((el) => el.tagName.toLowerCase() + ": " + el.textContent.trim().slice(0, 60)).slice(0, 5);
  const out = document.createElement("pre");
  out.id = "layout";
  out.textContent = JSON.stringify({ pageWidth: doc.documentElement.scrollWidth, overflowing, tooWide });
  document.body.append(out);
});
</script></body></html>`;
}

describe.skipIf(!chromiumAvailable)("the today page on a 390 px phone", () => {
  it.each(["en", "zh-CN"] as const)(
    "%s: fits the screen, marks the stall and the slow hour",
    async (locale) => {
      const html = renderTodayPage(result, at, locale);
      expect(html).toContain(locale === "en" ? "Stalled: app" : "中断：app");
      expect(html).toContain('class="val low"');
      const file = join(root, `today-${locale}.html`);
      writeFileSync(file, measuring(html, 390));
      const dom = await chromiumDumpDom({
        file,
        width: 500,
        height: 1300,
        profileDir: join(root, "profile"),
      });
      const json = /<pre id="layout">([^<]*)<\/pre>/.exec(dom)?.[1] ?? "";
      const layout = JSON.parse(
        json
          .replaceAll("&quot;", '"')
          .replaceAll("&lt;", "<")
          .replaceAll("&gt;", ">")
          .replaceAll("&amp;", "&"),
      );
      expect(layout).toEqual({ pageWidth: 390, overflowing: [], tooWide: [] });
    },
    90_000,
  );
});
