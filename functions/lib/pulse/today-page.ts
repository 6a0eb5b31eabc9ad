/**
 * The dashboard's "today" page, rewritten by each pulse: per table, hour by hour against
 * the band of the same weekday of past weeks, today so far, freshness, data quality of the
 * last hours and the stalls, with the time of the last pulse. Plain HTML and CSS (no
 * charts, no templates), one column under 600 px so that it reads on a 390 px phone; English
 * (`dashboard/today.html`) and Chinese (`dashboard/today.zh-CN.html`), each linking the other.
 */

import type { PulseResult, TablePulse } from "../kpi/pulse.ts";
import type { Locale } from "../kpi/registry.ts";
import { escapeHtml } from "../report/email/template.ts";

interface Strings {
  readonly title: string;
  readonly lastPulse: (at: string, zone: string) => string;
  readonly table: (t: string) => string;
  readonly hour: string;
  readonly today: string;
  readonly normal: string;
  readonly soFar: string;
  readonly band: (lower: string, upper: string) => string;
  readonly noBand: string;
  readonly freshness: string;
  readonly newestRecord: (m: string) => string;
  readonly newestFile: (m: string) => string;
  readonly quality: (from: number, share: string) => string;
  readonly stalled: (what: string) => string;
  readonly belowPace: string;
  readonly allFlowing: string;
  readonly other: string;
  readonly measure: (m: string) => string;
}

const EN: Strings = {
  title: "Today",
  lastPulse: (at, zone) => `Last pulse ${at} (${zone})`,
  table: (t) => (t === "events" ? "Events" : "Orders"),
  hour: "Hour",
  today: "Today",
  normal: "Normal",
  soFar: "So far",
  band: (l, u) => `normal ${l}–${u}`,
  noBand: "no baseline yet",
  freshness: "Freshness",
  newestRecord: (m) => `newest valid record ${m} min ago`,
  newestFile: (m) => `newest file ${m} min ago`,
  quality: (from, share) => `Valid records since ${String(from).padStart(2, "0")}:00: ${share}`,
  stalled: (what) => `Stalled: ${what}`,
  belowPace: "Below a normal day so far",
  allFlowing: "Data flowing",
  other: "中文",
  measure: (m) => (m === "valid_events" ? "valid events" : "paid orders"),
};

const ZH: Strings = {
  title: "今日",
  lastPulse: (at, zone) => `最近一次检查 ${at}（${zone}）`,
  table: (t) => (t === "events" ? "事件" : "订单"),
  hour: "小时",
  today: "今日",
  normal: "正常",
  soFar: "至今",
  band: (l, u) => `正常范围 ${l}–${u}`,
  noBand: "暂无基线",
  freshness: "新鲜度",
  newestRecord: (m) => `最新有效记录 ${m} 分钟前`,
  newestFile: (m) => `最新文件 ${m} 分钟前`,
  quality: (from, share) => `${String(from).padStart(2, "0")}:00 以来有效记录占比 ${share}`,
  stalled: (what) => `中断：${what}`,
  belowPace: "今日进度低于正常水平",
  allFlowing: "数据正常流入",
  other: "English",
  measure: (m) => (m === "valid_events" ? "有效事件" : "已支付订单"),
};

const STRINGS: Readonly<Record<Locale, Strings>> = { en: EN, "zh-CN": ZH };

/** The page file of a locale. */
export function todayPageKey(locale: Locale): string {
  return locale === "en" ? "dashboard/today.html" : "dashboard/today.zh-CN.html";
}

/** Both pages of a pulse. */
export function renderTodayPages(result: PulseResult, at: Date): { key: string; html: string }[] {
  return (["en", "zh-CN"] as const).map((locale) => ({
    key: todayPageKey(locale),
    html: renderTodayPage(result, at, locale),
  }));
}

/** The local time of the pulse, `2026-03-01 10:45`. */
function localTime(result: PulseResult): string {
  const hh = String(Math.floor(result.minuteOfDay / 60)).padStart(2, "0");
  const mm = String(result.minuteOfDay % 60).padStart(2, "0");
  return `${result.today} ${hh}:${mm}`;
}

const number = (locale: Locale, n: number) =>
  new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n);

/** One page. */
export function renderTodayPage(result: PulseResult, at: Date, locale: Locale): string {
  const s = STRINGS[locale];
  const other = locale === "en" ? "today.zh-CN.html" : "today.html";
  const sections = result.tables.map((t) => tableSection(t, result, locale)).join("");
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="generated-at" content="${escapeHtml(at.toISOString())}">
<title>OpsPulse · ${escapeHtml(s.title)} ${escapeHtml(result.today)}</title>
<style>
body{font-family:system-ui,-apple-system,"Noto Sans CJK SC",sans-serif;margin:0;padding:12px;color:#0f172a;background:#f8fafc}
main{max-width:760px;margin:0 auto}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:0 0 8px}
.meta{color:#475569;font-size:13px;margin:0 0 12px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:12px;margin:0 0 12px}
.status{padding:6px 8px;border-radius:6px;font-size:14px;margin:0 0 8px}
.ok{background:#f0fdf4;color:#166534}.bad{background:#fef2f2;color:#991b1b}.warn{background:#fffbeb;color:#92400e}
.facts{font-size:14px;margin:0 0 8px;padding-left:18px}
table{width:100%;border-collapse:collapse;font-size:13px;table-layout:fixed}
th,td{padding:3px 4px;border-bottom:1px solid #f1f5f9;text-align:right;overflow-wrap:anywhere}
th:first-child,td:first-child{text-align:left;width:3.2em}
td.bar{width:40%}
.track{position:relative;height:12px;background:#f1f5f9;border-radius:3px}
.bandbox{position:absolute;top:0;bottom:0;background:#cbd5e1}
.val{position:absolute;top:2px;bottom:2px;left:0;background:#2563eb;border-radius:2px}
.val.low{background:#dc2626}
a{color:#2563eb}
</style></head>
<body><main>
<h1>OpsPulse · ${escapeHtml(s.title)} ${escapeHtml(result.today)}</h1>
<p class="meta">${escapeHtml(s.lastPulse(localTime(result), result.timeZone))} · <a href="${other}">${escapeHtml(s.other)}</a></p>
${sections}
</main></body></html>
`;
}

function tableSection(t: TablePulse, result: PulseResult, locale: Locale): string {
  const s = STRINGS[locale];
  const stalls = result.findings.filter(
    (f) => f.table === t.table && f.rule === "stall" && f.status === "breach",
  );
  const pace = result.findings.find(
    (f) => f.table === t.table && f.rule === "pace" && f.status === "breach",
  );
  const status =
    stalls.length > 0
      ? `<p class="status bad">${escapeHtml(s.stalled(stalls.map((f) => (f.scope === "all" ? s.table(t.table) : f.scope.replace("channel:", ""))).join(", ")))}</p>`
      : pace
        ? `<p class="status warn">${escapeHtml(s.belowPace)}</p>`
        : `<p class="status ok">${escapeHtml(s.allFlowing)}</p>`;
  const band = t.soFar.band;
  const soFar = `${s.soFar}: ${number(locale, t.soFar.value)} ${s.measure(t.soFar.measure)} · ${
    band ? s.band(number(locale, Math.max(0, band.lower)), number(locale, band.upper)) : s.noBand
  }`;
  const f = t.freshness;
  const facts = [
    soFar,
    `${s.freshness}: ${f.minutesSinceValid === null ? "—" : s.newestRecord(String(f.minutesSinceValid))}${
      f.minutesSinceArrival === null ? "" : ` · ${s.newestFile(String(f.minutesSinceArrival))}`
    }`,
    t.quality.validShare === null
      ? ""
      : s.quality(t.quality.fromHour, `${(t.quality.validShare * 100).toFixed(1)} %`),
  ].filter(Boolean);
  const max = Math.max(1, ...t.hours.map((h) => Math.max(h.valid, h.upper ?? 0)));
  const pct = (n: number) => `${Math.min(100, (n / max) * 100).toFixed(1)}%`;
  const rows = t.hours
    .map((h) => {
      const low = h.lower !== null && h.valid < h.lower;
      const bandBox =
        h.lower !== null && h.upper !== null
          ? `<div class="bandbox" style="left:${pct(h.lower)};width:${pct(h.upper - h.lower)}"></div>`
          : "";
      return `<tr><td>${String(h.hour).padStart(2, "0")}${h.minutes < 60 ? "*" : ""}</td><td class="bar"><div class="track">${bandBox}<div class="val${low ? " low" : ""}" style="width:${pct(h.valid)}"></div></div></td><td>${number(locale, h.valid)}</td><td>${h.baseline === null ? "—" : number(locale, h.baseline)}</td></tr>`;
    })
    .join("");
  return `<section><h2>${escapeHtml(s.table(t.table))}</h2>${status}<ul class="facts">${facts.map((x) => `<li>${escapeHtml(x)}</li>`).join("")}</ul>
<table><thead><tr><th>${escapeHtml(s.hour)}</th><th></th><th>${escapeHtml(s.today)}</th><th>${escapeHtml(s.normal)}</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
