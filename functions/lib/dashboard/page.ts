/**
 * The dashboard page: one self-contained HTML file — inline CSS, charts inlined as SVG, no
 * script, no stylesheet or image fetched — so it opens from a folder, an email link or a
 * pre-signed S3 URL alike, and shows the same thing in a year.
 *
 * Sections: headline KPI trends with their targets, the campaign ROI board, RFM segments and
 * their migration, the other KPIs with targets, and data freshness and quality.
 */
import { rfmBarsSpec } from "../charts/email-charts.ts";
import { type ChartSpec, vegaLiteToSvg } from "../charts/vega.ts";
import { DEFAULT_DRIVER_OPTIONS, type Driver } from "../kpi/drivers.ts";
import type { Status } from "../kpi/evaluate.ts";
import { type Locale, METRICS, type MetricDef } from "../kpi/registry.ts";
import type { RfmSummary } from "../kpi/rfm.ts";
import {
  driverText,
  EMPTY_VALUE,
  STATUS_COLORS,
  STRINGS,
  valueFormatter,
} from "../report/email/i18n.ts";
import { targetText } from "../report/email/target-text.ts";
import { escapeHtml } from "../report/email/template.ts";
import type { MetricSnapshot } from "../report/snapshot.ts";
import type { CampaignCurve, DashboardData, StoredSnapshot } from "./data.ts";
import { rfmMigrationSpec, roiBoardSpec, statusMixSpec, trendRows, trendSpec } from "./specs.ts";

/** How the page is made. */
export interface DashboardPageOptions {
  readonly locale: Locale;
  readonly currency: string;
  /** When the page was made (shown in its header). */
  readonly generatedAt: Date;
  /** What made it: a run id, or `opspulse dashboard`. */
  readonly madeBy: string;
  /** The same page in each language (the switch; `href` empty for this page's own). */
  readonly alternates?: readonly {
    readonly locale: Locale;
    readonly label: string;
    readonly href: string;
  }[];
}

const TEXT = {
  en: {
    title: "OpsPulse dashboard",
    range: (from: string, to: string) => `${from} – ${to}`,
    generated: (at: string, by: string) => `generated ${at} UTC by ${by}`,
    trends: "Headline KPI trends",
    trendsNote: "Daily values; the dashed line is the target each day was judged against.",
    roiBoard: "Campaign ROI board",
    roiNote: (source: string) =>
      `Each campaign's cumulative ROI by day of the campaign, against the ROI target (from the ${source}).`,
    noCampaigns: "No campaign snapshots in this range.",
    campaign: "Campaign",
    day: "Day of campaign",
    roi: "ROI (revenue / cost)",
    segments: "RFM segments",
    segmentsNote: (week: string) =>
      `Week ${week}: customers per segment (bars), last week's (ticks), and how customers moved between segments since last week.`,
    noSegments: "No weekly RFM snapshot in this range.",
    migrationFrom: "last week",
    migrationTo: "this week",
    none: "no order",
    otherKpis: "Other KPIs with targets",
    quality: "Data freshness and quality",
    qualityNote:
      "Freshness, validation share and identity coverage of the lake; metrics per status each day.",
    statusMix: "Metrics per status, per day",
    snapshots: "Stored snapshots",
    period: "Period",
    revision: "Rev.",
    created: "Stored (UTC)",
    config: "Config",
    breaches: "Breaches",
    warnings: "Warnings",
    latest: "Latest",
    status: "Status",
    target: "Target",
    noData: "No snapshots in this range: run a report first (opspulse run daily --date D).",
    lifecycle: "Lifecycle layers",
  },
  "zh-CN": {
    title: "OpsPulse 运营看板",
    range: (from: string, to: string) => `${from} – ${to}`,
    generated: (at: string, by: string) => `生成于 ${at} UTC · ${by}`,
    trends: "核心指标趋势",
    trendsNote: "每日数值；虚线为当日考核所用的目标。",
    roiBoard: "活动 ROI 看板",
    roiNote: (source: string) =>
      `各活动按活动天数的累计 ROI 与 ROI 目标对比（来源：${source === "campaigns report" ? "活动报告" : "日报"}）。`,
    noCampaigns: "此区间内没有活动快照。",
    campaign: "活动",
    day: "活动第几天",
    roi: "ROI（收入 / 成本）",
    segments: "RFM 客户分层",
    segmentsNote: (week: string) =>
      `${week}：各分层客户数（柱）、上周（刻度），以及自上周以来客户在分层之间的迁移。`,
    noSegments: "此区间内没有周报 RFM 快照。",
    migrationFrom: "上周",
    migrationTo: "本周",
    none: "无订单",
    otherKpis: "其他有目标的指标",
    quality: "数据新鲜度与质量",
    qualityNote: "数据湖的新鲜度、校验通过率与统一身份覆盖率；每日各状态的指标数。",
    statusMix: "每日各状态指标数",
    snapshots: "已存储的快照",
    period: "周期",
    revision: "版本",
    created: "存储时间 (UTC)",
    config: "配置",
    breaches: "未达标",
    warnings: "预警",
    latest: "最新",
    status: "状态",
    target: "目标",
    noData: "此区间内没有快照：请先运行报告（opspulse run daily --date D）。",
    lifecycle: "生命周期分层",
  },
} as const;

const TREND_SIZE = { width: 540, height: 170 };
const SMALL_SIZE = { width: 350, height: 130 };

/** Renders the dashboard page of `data`. */
export async function renderDashboardPage(
  data: DashboardData,
  options: DashboardPageOptions,
): Promise<string> {
  const { locale } = options;
  const t = TEXT[locale];
  const strings = STRINGS[locale];
  const format = valueFormatter(locale, options.currency);
  const latestDaily = data.daily.at(-1);
  const latestWeekly = [...data.weekly].reverse().find((doc) => rfmOf(doc) !== undefined);
  const sections: string[] = [];

  // Headline KPI trends
  const headline = METRICS.filter((def) => def.headline && def.periods.includes("day"));
  const trendCards = await Promise.all(
    headline.map(async (def) => {
      const rows = trendRows(data.daily, def, false);
      const latest = latestDaily?.metrics?.[def.id];
      return card(
        `kpi-${def.id}`,
        metricHeader(def, latest, locale, format, latestDaily?.drivers?.[def.id]),
        rows.length > 0 ? await inlineSvg(trendSpec(def, rows, TREND_SIZE)) : empty(t.noData),
      );
    }),
  );
  sections.push(
    section("trends", t.trends, t.trendsNote, `<div class="grid two">${trendCards.join("")}</div>`),
  );

  // Campaign ROI board
  const roiTarget = data.campaigns.find((c) => c.target !== null)?.target ?? null;
  const roiBody =
    data.campaigns.length > 0
      ? `${await inlineSvg(
          roiBoardSpec(
            data.campaigns,
            roiTarget,
            { day: t.day, roi: t.roi, target: t.target },
            {
              width: 1100,
              height: 280,
            },
          ),
        )}${campaignTable(data.campaigns, locale, format, t, strings.status)}`
      : empty(t.noCampaigns);
  sections.push(
    section(
      "roi-board",
      t.roiBoard,
      t.roiNote(data.campaignSource),
      `<div class="card">${roiBody}</div>`,
    ),
  );

  // RFM segments and migration
  const rfm = latestWeekly ? rfmOf(latestWeekly) : undefined;
  if (rfm && latestWeekly) {
    const bars = rfmBarsSpec(rfm, locale, 540, rfm.segments.length * 30 + 40);
    const migration = rfmMigrationSpec(
      rfm,
      locale,
      { from: t.migrationFrom, to: t.migrationTo, none: t.none },
      { width: 540, height: 300 },
    );
    const [barsSvg, migrationSvg] = await Promise.all([inlineSvg(bars), inlineSvg(migration)]);
    sections.push(
      section(
        "segments",
        t.segments,
        t.segmentsNote(latestWeekly.periodKey),
        `<div class="grid two"><div class="card">${barsSvg}</div><div class="card">${migrationSvg}</div></div>${lifecycleTable(latestWeekly, locale, format, t)}`,
      ),
    );
  } else {
    sections.push(
      section("segments", t.segments, "", `<div class="card">${empty(t.noSegments)}</div>`),
    );
  }

  // Other KPIs with targets (daily, then weekly-only)
  const quality = new Set(["data_freshness_minutes", "data_quality", "identity_coverage"]);
  const others: { def: MetricDef; docs: readonly StoredSnapshot[]; weekly: boolean }[] = [
    ...METRICS.filter(
      (def) => !def.headline && !def.scope && !quality.has(def.id) && def.periods.includes("day"),
    ).map((def) => ({ def, docs: data.daily, weekly: false })),
    ...METRICS.filter(
      (def) => !def.scope && !def.periods.includes("day") && !quality.has(def.id),
    ).map((def) => ({ def, docs: data.weekly, weekly: true })),
  ].filter(({ def, docs }) => docs.some((doc) => doc.metrics?.[def.id]?.target));
  if (others.length > 0) {
    const cards = await Promise.all(
      others.map(async ({ def, docs, weekly }) =>
        card(
          `kpi-${def.id}`,
          metricHeader(def, docs.at(-1)?.metrics?.[def.id], locale, format),
          await inlineSvg(trendSpec(def, trendRows(docs, def, weekly), SMALL_SIZE)),
        ),
      ),
    );
    sections.push(
      section("other-kpis", t.otherKpis, "", `<div class="grid three">${cards.join("")}</div>`),
    );
  }

  // Data freshness and quality
  const qualityCards = await Promise.all(
    METRICS.filter((def) => quality.has(def.id)).map(async (def) => {
      const rows = trendRows(data.daily, def, false);
      return rows.length > 0
        ? card(
            `kpi-${def.id}`,
            metricHeader(
              def,
              latestDaily?.metrics?.[def.id],
              locale,
              format,
              latestDaily?.drivers?.[def.id],
            ),
            await inlineSvg(trendSpec(def, rows, SMALL_SIZE)),
          )
        : "";
    }),
  );
  const statusMix =
    data.daily.length > 0
      ? card(
          "status-mix",
          `<h3>${escapeHtml(t.statusMix)}</h3>`,
          await inlineSvg(statusMixSpec(data.daily, strings.status, SMALL_SIZE)),
        )
      : "";
  sections.push(
    section(
      "quality",
      t.quality,
      t.qualityNote,
      `<div class="grid three">${[...qualityCards, statusMix].join("")}</div>${snapshotTable(data, t)}`,
    ),
  );

  const summary = latestDaily?.statusCounts
    ? (["breach", "warning", "met", "data_incomplete", "insufficient_data"] as const)
        .filter((status) => (latestDaily.statusCounts?.[status] ?? 0) > 0)
        .map((status) =>
          chip(strings.statusCount(status, latestDaily.statusCounts?.[status] ?? 0), status),
        )
        .join(" ")
    : "";
  const generatedAt = options.generatedAt.toISOString().slice(0, 16).replace("T", " ");
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${t.title} · ${t.range(data.from, data.to)}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <div class="wrap">
    <div class="brand">OPSPULSE</div>
    ${localeSwitch(options)}
    <h1>${escapeHtml(t.title)}</h1>
    <div class="meta">${escapeHtml(t.range(data.from, data.to))} · ${escapeHtml(t.generated(generatedAt, options.madeBy))}</div>
    ${latestDaily ? `<div class="summary"><span class="latest">${escapeHtml(`${t.latest}: ${latestDaily.periodKey}`)}</span> ${summary}</div>` : ""}
  </div>
</header>
<main class="wrap">
${data.daily.length === 0 && data.weekly.length === 0 ? `<p class="empty">${escapeHtml(t.noData)}</p>` : ""}
${sections.join("\n")}
</main>
</body>
</html>
`;
}

/** The language switch: this page's language, links to the others. */
function localeSwitch(options: DashboardPageOptions): string {
  const alternates = options.alternates ?? [];
  if (alternates.length < 2) return "";
  const items = alternates.map((alternate) =>
    alternate.href
      ? `<a href="${escapeHtml(alternate.href)}" hreflang="${alternate.locale}" lang="${alternate.locale}">${escapeHtml(alternate.label)}</a>`
      : `<strong lang="${alternate.locale}" aria-current="page">${escapeHtml(alternate.label)}</strong>`,
  );
  return `<nav class="locales">${items.join(" · ")}</nav>`;
}

let inlined = 0;

/**
 * A chart's SVG for inlining: its element ids (clip paths) get a prefix of their own, so that
 * charts on one page never resolve `url(#…)` to another chart's element.
 */
async function inlineSvg(spec: ChartSpec): Promise<string> {
  const svg = await vegaLiteToSvg(spec);
  const prefix = `c${++inlined}-`;
  return svg
    .replaceAll(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
    .replaceAll(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`);
}

function rfmOf(doc: StoredSnapshot): RfmSummary | undefined {
  const rfm = doc.details?.rfm as Partial<RfmSummary> | undefined;
  return rfm && Array.isArray(rfm.segments) && Array.isArray(rfm.migration)
    ? (rfm as RfmSummary)
    : undefined;
}

type Text = (typeof TEXT)[Locale];
type Format = ReturnType<typeof valueFormatter>;

function metricHeader(
  def: MetricDef,
  latest: MetricSnapshot | undefined,
  locale: Locale,
  format: Format,
  drivers: readonly Driver[] = [],
): string {
  const status = latest?.status;
  // The target as the email shows it: pro-rated month to date, year-on-year growth.
  const target = latest ? (targetText(def, latest, locale, format) ?? "") : "";
  return `<div class="metric"><h3 title="${escapeHtml(def.description)}">${escapeHtml(def.label[locale])}</h3><div class="value">${escapeHtml(
    format.value(def.unit, latest?.value ?? null),
  )}${status ? ` ${chip(STRINGS[locale].status[status], status)}` : ""}</div><div class="target">${escapeHtml(target)}</div>${bandLine(def, latest, locale, format, drivers)}</div>`;
}

/** The metric's normal band and, when it is flagged, its top drivers (from the snapshot). */
function bandLine(
  def: MetricDef,
  latest: MetricSnapshot | undefined,
  locale: Locale,
  format: Format,
  drivers: readonly Driver[],
): string {
  const band = latest?.band;
  if (!band) return "";
  const normal = `${locale === "en" ? "normal" : "正常范围"} ${format.value(def.unit, Math.max(0, band.lower))}–${format.value(def.unit, band.upper)}`;
  const lines = drivers
    .slice(0, DEFAULT_DRIVER_OPTIONS.limit)
    .map((d) => `<div class="sub">↳ ${escapeHtml(driverText(d, locale, format))}</div>`);
  return `<div class="target">${escapeHtml(normal)}</div>${lines.join("")}`;
}

function campaignTable(
  campaigns: readonly CampaignCurve[],
  locale: Locale,
  format: Format,
  t: Text,
  statusLabels: Readonly<Record<Status, string>>,
): string {
  const ids = [
    "participants",
    "campaign_conversion",
    "campaign_revenue",
    "campaign_cost",
    "campaign_roi",
  ];
  const defs = METRICS.filter((def) => ids.includes(def.id));
  const head = [t.campaign, t.day, ...defs.map((def) => def.label[locale]), t.status]
    .map((label, i) => `<th${i > 0 ? ' class="num"' : ""}>${escapeHtml(label)}</th>`)
    .join("");
  const rows = campaigns.map((c) => {
    const roi = c.latest.campaign_roi;
    const last = c.points.at(-1);
    const cells = defs
      .map(
        (def) =>
          `<td class="num">${escapeHtml(format.value(def.unit, c.latest[def.id]?.value ?? null))}</td>`,
      )
      .join("");
    const status = roi?.status;
    return `<tr><td>${escapeHtml(c.name)}<div class="sub">${escapeHtml(c.campaignId)}</div></td><td class="num">${last ? `${last.day}${last.final ? " ✓" : ""}` : EMPTY_VALUE}</td>${cells}<td class="num">${status ? chip(statusLabels[status], status) : ""}</td></tr>`;
  });
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function lifecycleTable(doc: StoredSnapshot, locale: Locale, format: Format, t: Text): string {
  const defs = METRICS.filter((def) => def.id.startsWith("lifecycle_") && doc.metrics?.[def.id]);
  if (defs.length === 0) return "";
  const cells = defs
    .map(
      (def) =>
        `<div class="stat"><div class="label">${escapeHtml(def.label[locale])}</div><div class="value">${escapeHtml(format.value(def.unit, doc.metrics?.[def.id]?.value ?? null))}</div></div>`,
    )
    .join("");
  return `<div class="card"><h3>${escapeHtml(t.lifecycle)}</h3><div class="stats">${cells}</div></div>`;
}

function snapshotTable(data: DashboardData, t: Text): string {
  const docs = [...data.daily, ...data.weekly]
    .sort((a, b) => ((a.createdAt ?? "") < (b.createdAt ?? "") ? 1 : -1))
    .slice(0, 14);
  if (docs.length === 0) return "";
  const rows = docs
    .map(
      (doc) =>
        `<tr><td>${escapeHtml(`${doc.report} ${doc.periodKey}`)}</td><td class="num">${doc.revision}</td><td>${escapeHtml((doc.createdAt ?? "").slice(0, 16).replace("T", " "))}</td><td>${escapeHtml(doc.configVersion ?? "")}</td><td class="num">${doc.statusCounts?.breach ?? 0}</td><td class="num">${doc.statusCounts?.warning ?? 0}</td></tr>`,
    )
    .join("");
  return `<div class="card"><h3>${escapeHtml(t.snapshots)}</h3><table><thead><tr><th>${escapeHtml(t.period)}</th><th class="num">${escapeHtml(t.revision)}</th><th>${escapeHtml(t.created)}</th><th>${escapeHtml(t.config)}</th><th class="num">${escapeHtml(t.breaches)}</th><th class="num">${escapeHtml(t.warnings)}</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function section(id: string, title: string, note: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>${note ? `<p class="note">${escapeHtml(note)}</p>` : ""}${body}</section>`;
}

function card(id: string, header: string, body: string): string {
  return `<div class="card" id="${id}">${header}<div class="chart">${body}</div></div>`;
}

function chip(text: string, status: Status): string {
  const colors = STATUS_COLORS[status];
  return `<span class="chip" style="color:${colors.color};background:${colors.background}">${escapeHtml(text)}</span>`;
}

function empty(text: string): string {
  return `<p class="empty">${escapeHtml(text)}</p>`;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#eef2f6;color:#0f172a;font:14px/1.45 "Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
svg text{font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif !important}
.wrap{max-width:1180px;margin:0 auto;padding:0 20px}
header{background:#0f172a;color:#e2e8f0;padding:22px 0 18px}
header .brand{font-size:11px;letter-spacing:3px;color:#94a3b8;font-weight:700}
header .locales{float:right;font-size:13px;color:#94a3b8}
header .locales a{color:#5eead4}
header .locales strong{color:#fff}
header h1{margin:4px 0 2px;font-size:24px;color:#fff}
header .meta{font-size:13px;color:#94a3b8}
header .summary{margin-top:10px}
header .latest{font-weight:600;margin-right:6px;color:#e2e8f0}
section{margin:24px 0}
h2{font-size:18px;margin:0 0 4px}
h3{font-size:13px;margin:0 0 2px;color:#334155}
.note{margin:0 0 12px;color:#64748b;font-size:13px}
.grid{display:grid;gap:14px}
.grid.two{grid-template-columns:repeat(2,minmax(0,1fr))}
.grid.three{grid-template-columns:repeat(3,minmax(0,1fr))}
@media (max-width:900px){.grid.two,.grid.three{grid-template-columns:1fr}}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:14px 16px;margin-bottom:14px;overflow-x:auto}
.grid .card{margin-bottom:0}
.metric .value{font-size:22px;font-weight:700;margin:2px 0}
.metric .target{font-size:12px;color:#64748b;min-height:16px}
.chart{margin-top:6px}
.chart svg{display:block;max-width:100%;height:auto}
.card>svg{display:block;max-width:100%;height:auto}
.chip{display:inline-block;padding:0 8px;border-radius:9px;font-size:12px;font-weight:600;vertical-align:middle}
table{border-collapse:collapse;width:100%;margin-top:10px;font-size:13px}
th{font-size:11px;color:#64748b;text-align:left;border-bottom:2px solid #cbd5e1;padding:6px 8px;font-weight:600}
td{border-bottom:1px solid #e2e8f0;padding:6px 8px;vertical-align:top}
.num{text-align:right;white-space:nowrap}
.sub{font-size:11px;color:#94a3b8}
.stats{display:flex;flex-wrap:wrap;gap:10px 28px;margin-top:8px}
.stat .label{font-size:12px;color:#64748b}
.stat .value{font-size:18px;font-weight:700}
.empty{color:#64748b;font-style:italic}
`;
