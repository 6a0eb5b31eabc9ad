/**
 * The view model of a report email: every text already formatted for one locale, every
 * colour chosen; the templates only place them. Sections and rows are generic over the
 * metric registry — a new module's metrics appear in their section without a template
 * change — and modules' `details` become simple tables.
 */

import type { EmailCharts } from "../../charts/email-charts.ts";
import type { BandedEvaluation } from "../../kpi/anomaly.ts";
import { orderNeedsAttention } from "../../kpi/attention.ts";
import { bandWhen } from "../../kpi/baseline-band.ts";
import { DEFAULT_DRIVER_OPTIONS, type Driver } from "../../kpi/drivers.ts";
import {
  countStatuses,
  type EvaluatedMetric,
  type Evaluation,
  STATUS_ORDER,
  type Status,
} from "../../kpi/evaluate.ts";
import {
  type Locale,
  METRICS,
  type MetricDef,
  SECTION_LABELS,
  type Section,
  type Unit,
} from "../../kpi/registry.ts";
import type { Period, UtcWindow } from "../../kpi/windows.ts";
import type { Cell } from "../../ports.ts";
import { columnLabel, localize, type NormalizedTable, normalizeDetail } from "../details.ts";
import type { SnapshotReference } from "../snapshot.ts";
import {
  CHANGE_COLORS,
  driverText,
  EMPTY_VALUE,
  type EmailStrings,
  STATUS_COLORS,
  STRINGS,
  type ValueFormatter,
  valueFormatter,
} from "./i18n.ts";
import { targetText } from "./target-text.ts";

export type { EvaluatedMetric } from "../../kpi/evaluate.ts";

/** A message shown first in the email, e.g. "data incomplete" from the completeness gate. */
export interface ReportNotice {
  readonly level: "warning" | "info";
  readonly text: Readonly<Record<Locale, string>>;
}

/** A link shown in the email's footer, e.g. the dashboard (a pre-signed URL in AWS). */
export interface ReportLink {
  readonly label: Readonly<Record<Locale, string>>;
  readonly url: string;
  /** The link in each language, where it differs (the dashboard's page per locale). */
  readonly urls?: Readonly<Partial<Record<Locale, string>>>;
}

/** An inline image as the template shows it (`cid:` of an attachment). */
interface ImageView {
  readonly src: string;
  readonly width: number;
  readonly height: number;
  readonly alt: string;
}

/** Everything one email is made from. */
export interface ReportEmailInput {
  /** `campaigns` for the campaigns report's email (its own title); default: by the period. */
  readonly report?: "campaigns";
  readonly period: Period;
  readonly locale: Locale;
  /** The recipient list, named in the footer. */
  readonly listName: string;
  /** Report-wide metrics in registry order. */
  readonly metrics: readonly EvaluatedMetric[];
  /** Per-scope metrics (campaign id → metrics). */
  readonly scoped: Readonly<Record<string, readonly EvaluatedMetric[]>>;
  /** What each scope is called (campaign id → campaign name); the id when absent. */
  readonly scopeNames?: Readonly<Record<string, string>>;
  /** The previous period's statuses: what was flagged then is not new today. */
  readonly previous?: PreviousStatuses;
  readonly details: Readonly<Record<string, unknown>>;
  readonly notices: readonly ReportNotice[];
  readonly currency: string;
  readonly minSample: number;
  readonly provenance: {
    readonly runId: string;
    readonly configVersion: string;
    readonly window: UtcWindow;
    readonly periodKey: string;
    /** Null in a dry run (nothing stored). */
    readonly revision: number | null;
    readonly comparedWith: {
      readonly previous: SnapshotReference | null;
      readonly yearEarlier: SnapshotReference | null;
    };
    /** The command that re-runs this report. */
    readonly rerunCommand: string;
  };
  /** Set when this email replaces one already delivered for the period. */
  readonly correctionOfRevision?: number;
  /** Inline charts of this email's locale (sparklines per headline metric, figures). */
  readonly charts?: EmailCharts;
  /** Links for the footer (the dashboard). */
  readonly links?: readonly ReportLink[];
  /** The drivers of anomalous or breaching metrics, by metric id (top 3 are shown). */
  readonly drivers?: Readonly<Record<string, readonly Driver[]>>;
}

interface StatusView {
  readonly label: string;
  readonly color: string;
  readonly background: string;
}
interface ChangeView {
  readonly text: string;
  readonly color: string;
}
interface CellView {
  readonly text: string;
  readonly align: "left" | "right";
  readonly color: string;
  /** The status label under a value judged breach or warning ("● Breach"), else "". */
  readonly mark: string;
  /** Dropped on small screens (secondary columns): the CSS class, else "". */
  readonly narrow: string;
}
interface TableView {
  readonly title: string;
  readonly columns: readonly {
    readonly label: string;
    readonly align: "left" | "right";
    readonly narrow: string;
  }[];
  readonly rows: readonly { readonly cells: readonly CellView[] }[];
}

/** What the templates fill in (see templates/partials/*.mjml). */
export interface EmailViewModel {
  readonly lang: string;
  readonly subject: string;
  readonly preview: string;
  readonly title: string;
  readonly periodLabel: string;
  readonly summary: readonly {
    readonly text: string;
    readonly color: string;
    readonly background: string;
  }[];
  readonly correction: string | null;
  readonly labels: {
    readonly needsAttention: string;
    readonly allClear: string;
    readonly headline: string;
    readonly metric: string;
    readonly value: string;
    readonly vsPrevious: string;
    readonly vsYearEarlier: string;
    readonly status: string;
    readonly generatedBy: string;
  };
  readonly notices: readonly {
    readonly text: string;
    readonly color: string;
    readonly background: string;
  }[];
  /** "… and N more", when the list is cut at {@link MAX_ATTENTION_ITEMS}. */
  readonly attentionMore: string | null;
  readonly attention: readonly {
    readonly severity: "breach" | "anomaly" | "warning";
    readonly label: string;
    readonly value: string;
    readonly target: string;
    readonly note: string | null;
    readonly status: StatusView;
    /** "app channel: −41 % and 78 % of the drop", best first (anomalies and breaches). */
    readonly drivers: readonly string[];
  }[];
  /** Two cards a row (`left`, `right`: lists of at most one), one a row on small screens. */
  readonly headlineRows: readonly {
    readonly left: readonly HeadlineCard[];
    readonly right: readonly HeadlineCard[];
  }[];
  /** Charts after the headline cards (weekly: RFM segment bars). */
  readonly figures: readonly (ImageView & { readonly title: string })[];
  readonly links: readonly { readonly text: string; readonly url: string }[];
  readonly sections: readonly {
    readonly title: string;
    readonly rows: readonly {
      readonly label: string;
      readonly value: string;
      readonly target: string | null;
      readonly vsPrevious: ChangeView;
      readonly vsYearEarlier: ChangeView;
      readonly status: StatusView;
    }[];
    readonly tables: readonly TableView[];
  }[];
  readonly footnotes: readonly { readonly text: string }[];
}

/** The statuses of a stored snapshot (the previous period's), report-wide and per scope. */
export interface PreviousStatuses {
  readonly metrics?: Readonly<Record<string, { readonly status?: string }>>;
  readonly scoped?: Readonly<
    Record<string, Readonly<Record<string, { readonly status?: string }>>>
  >;
}

/** A headline KPI card. */
interface HeadlineCard {
  readonly label: string;
  readonly value: string;
  readonly target: string;
  readonly status: StatusView;
  readonly change: ChangeView;
  /** The metric's sparkline, when charts are drawn. */
  readonly chart: ImageView | null;
}

/**
 * Rows a detail table shows at most; the snapshot and the dashboard keep them all. With the
 * other caps below it keeps the email's HTML under Gmail's clip whatever the data.
 */
export const MAX_DETAIL_ROWS = 10;
/** Campaigns the per-campaign table shows at most (those with most breaches first). */
export const MAX_SCOPE_ROWS = 8;
/** Columns of a table kept on small screens; the others are dropped there. */
const NARROW_COLUMNS = 3;
/** The CSS class of what small screens drop (templates/partials/head.mjml). */
const HIDE_NARROW = "op-hide-narrow";
/** Items the needs-attention list shows at most (breaches first); the tables show all. */
export const MAX_ATTENTION_ITEMS = 10;
const MAX_DETAIL_COLUMNS = 6;

/** Builds the view model of one email. */
export function buildEmailModel(input: ReportEmailInput): EmailViewModel {
  const { locale, period } = input;
  const strings = STRINGS[locale];
  const format = valueFormatter(locale, input.currency);
  const kind = period.kind;
  const view = metricViewer(locale, format, kind, input.minSample);
  const scopeName = (scope: string) => input.scopeNames?.[scope] ?? scope;

  const scopedMetrics = Object.entries(input.scoped).flatMap(([scope, metrics]) =>
    metrics.map((m) => ({ ...m, scope })),
  );
  const allEvaluations = [...input.metrics, ...scopedMetrics].map((m) => m.evaluation);
  const counts = countStatuses(allEvaluations);
  const title =
    input.report === "campaigns" ? strings.campaignsReportTitle : strings.reportTitle[kind];
  const periodLabel = periodText(period, locale, format, strings);
  const shortPeriod =
    kind === "day"
      ? format.longDate(period.start)
      : `${input.provenance.periodKey} (${format.shortDate(period.start)} – ${format.shortDate(period.end)})`;
  const correction = input.correctionOfRevision !== undefined;

  const summary = STATUS_ORDER.filter((status) => status !== "no_target" && counts[status] > 0).map(
    (status) => ({
      text: strings.statusCount(status, counts[status]),
      color: STATUS_COLORS[status].color,
      background: STATUS_COLORS[status].background,
    }),
  );

  // The contract's order (kpi/attention.ts): new before ongoing, then breach, anomaly,
  // warning, then the farthest from its target (band widths for anomalies).
  const flaggedBefore = (id: string, scope: string | undefined) => {
    const before = scope
      ? input.previous?.scoped?.[scope]?.[id]?.status
      : input.previous?.metrics?.[id]?.status;
    return before === "breach" || before === "warning" || before === "anomaly";
  };
  const attention = orderNeedsAttention(
    [
      ...input.metrics.map((m) => ({ ...m, scope: undefined as string | undefined })),
      ...scopedMetrics,
    ],
    (m) => {
      const e = m.evaluation as BandedEvaluation;
      return {
        status: e.status,
        isNew: e.ongoing !== true && !flaggedBefore(m.def.id, m.scope),
        measured: e.measured,
        threshold: e.threshold,
        bandWidths: e.anomaly?.distance ?? null,
        id: `${m.def.id}|${m.scope ?? ""}`,
      };
    },
  ).map((m) => ({
    severity: m.evaluation.status as "breach" | "anomaly" | "warning",
    label: m.scope ? `${scopeName(m.scope)} · ${m.def.label[locale]}` : m.def.label[locale],
    value: format.value(m.def.unit, m.evaluation.value),
    target:
      m.evaluation.status === "anomaly"
        ? anomalyLine(m, period, strings, format)
        : (view.target(m) ?? ""),
    note: view.changeNote(m),
    status: view.status(m.evaluation.status),
    drivers: m.scope
      ? []
      : (input.drivers?.[m.def.id] ?? [])
          .slice(0, DEFAULT_DRIVER_OPTIONS.limit)
          .map((d) => driverText(d, locale, format, input.scopeNames)),
  }));

  const headlineCards = input.metrics
    .filter((m) => m.def.headline)
    .map((m) => ({
      label: m.def.label[locale],
      value: format.value(m.def.unit, m.evaluation.value),
      target: view.targetLine(m) ?? "",
      status: view.status(m.evaluation.status),
      change: view.change(
        m.def,
        m.evaluation.vsPrevious,
        strings.vsPrevious[kind],
        m.evaluation.noFullBaseline?.includes("previous"),
      ),
      chart: imageView(input.charts?.headline[m.def.id]),
    }));
  const headlineRows = [];
  for (let i = 0; i < headlineCards.length; i += 2) {
    headlineRows.push({
      left: headlineCards.slice(i, i + 1),
      right: headlineCards.slice(i + 1, i + 2),
    });
  }

  const tables = Object.entries(input.details)
    .map(([key, value]) => normalizeDetail(key, value, locale))
    .filter((table): table is NormalizedTable => table !== undefined);
  const sectionIds = Object.keys(SECTION_LABELS) as Section[];
  const sections = sectionIds
    .map((section) => {
      const rows = input.metrics
        .filter((m) => m.def.section === section)
        .map((m) => ({
          label: m.def.label[locale],
          value: format.value(m.def.unit, m.evaluation.value),
          target: view.targetLine(m),
          vsPrevious: view.change(
            m.def,
            m.evaluation.vsPrevious,
            undefined,
            m.evaluation.noFullBaseline?.includes("previous"),
          ),
          vsYearEarlier: view.change(
            m.def,
            m.evaluation.vsYearEarlier,
            undefined,
            m.evaluation.noFullBaseline?.includes("yearEarlier"),
          ),
          status: view.status(m.evaluation.status),
        }));
      const sectionTables = [
        ...scopedTables(section, input.scoped, scopeName, locale, format, strings),
        ...tables.filter((t) => t.section === section).map((t) => tableView(t, locale, format)),
      ];
      return { title: SECTION_LABELS[section][locale], rows, tables: sectionTables };
    })
    .filter((section) => section.rows.length > 0 || section.tables.length > 0);
  const unplaced = tables.filter((t) => !t.section || !sectionIds.includes(t.section));
  if (unplaced.length > 0) {
    sections.push({
      title: strings.moreDetails,
      rows: [],
      tables: unplaced.map((t) => tableView(t, locale, format)),
    });
  }

  const { provenance } = input;
  const reference = (ref: SnapshotReference | null) =>
    ref ? strings.footnotes.storedAs(ref.periodKey, ref.revision) : strings.footnotes.none;
  const utc = (date: Date) => `${date.toISOString().slice(0, 16).replace("T", " ")}`;
  const partitions = provenance.window.partitions;
  const footnotes = [
    strings.footnotes.window(
      kind === "day" ? period.start : `${period.start} – ${period.end}`,
      period.timeZone,
      utc(provenance.window.fromUtc),
      utc(provenance.window.toUtc),
      partitions.length > 4 ? `${partitions[0]} … ${partitions.at(-1)}` : partitions.join(", "),
    ),
    strings.footnotes.comparisons(
      reference(provenance.comparedWith.previous),
      reference(provenance.comparedWith.yearEarlier),
    ),
    strings.footnotes.targets(
      provenance.configVersion,
      format.number(input.minSample),
      input.currency,
    ),
    strings.footnotes.run(
      provenance.runId,
      provenance.revision === null
        ? strings.footnotes.dryRun
        : strings.footnotes.storedAs(provenance.periodKey, provenance.revision),
      provenance.rerunCommand,
    ),
  ].map((text) => ({ text }));

  const subject = strings.subject({
    title,
    period: shortPeriod,
    breaches: counts.breach,
    dataIncomplete: counts.data_incomplete > 0,
    correction,
  });
  return {
    lang: locale,
    subject,
    preview: [
      summary.map((s) => s.text).join(" · "),
      ...attention.slice(0, 3).map((a) => `${a.label} ${a.value}`),
    ]
      .filter((text) => text.length > 0)
      .join(" · "),
    title,
    periodLabel,
    summary,
    correction: correction ? strings.correction(input.correctionOfRevision ?? 0) : null,
    labels: {
      needsAttention: strings.needsAttention,
      allClear: strings.allClear,
      headline: strings.headline,
      metric: strings.metric,
      value: strings.value,
      vsPrevious: strings.vsPrevious[kind],
      vsYearEarlier: strings.vsYearEarlier,
      status: strings.statusHeader,
      generatedBy: strings.generatedBy(input.listName),
    },
    notices: input.notices.map((notice) => ({
      text: notice.text[locale],
      color: notice.level === "warning" ? STATUS_COLORS.warning.color : "#0369a1",
      background: notice.level === "warning" ? STATUS_COLORS.warning.background : "#e0f2fe",
    })),
    attention: attention.slice(0, MAX_ATTENTION_ITEMS),
    attentionMore:
      attention.length > MAX_ATTENTION_ITEMS
        ? strings.moreAttention(attention.length - MAX_ATTENTION_ITEMS)
        : null,
    headlineRows,
    figures: (input.charts?.figures ?? []).map((figure) => ({
      title: figure.title,
      ...(imageView(figure.image) as ImageView),
    })),
    links: (input.links ?? []).map((link) => ({
      text: link.label[locale],
      url: link.urls?.[locale] ?? link.url,
    })),
    sections,
    footnotes,
  };
}

function imageView(
  image: { cid: string; width: number; height: number; alt: string } | undefined,
): ImageView | null {
  return image
    ? { src: `cid:${image.cid}`, width: image.width, height: image.height, alt: image.alt }
    : null;
}

/** "unusual for a Tuesday: normal 340–381" (daily), "… for a week" (weekly). */
function anomalyLine(
  m: EvaluatedMetric,
  period: Period,
  strings: EmailStrings,
  format: ValueFormatter,
): string {
  const band = (m.evaluation as BandedEvaluation).band;
  if (!band) return "";
  return strings.unusual(
    bandWhen(period, band.method),
    format.value(m.def.unit, m.evaluation.value),
    format.value(m.def.unit, Math.max(0, band.lower)),
    format.value(m.def.unit, band.upper),
  );
}

function periodText(
  period: Period,
  locale: Locale,
  format: ValueFormatter,
  strings: EmailStrings,
): string {
  if (period.kind === "day") return `${format.longDate(period.start)} · ${period.timeZone}`;
  const range = `${format.longDate(period.start)} – ${format.longDate(period.end)}`;
  return locale === "en"
    ? `${strings.week} ${weekNumber(period.start)} · ${range} · ${period.timeZone}`
    : `${range}（第 ${weekNumber(period.start)} ${strings.week}）· ${period.timeZone}`;
}

/** ISO week number of the week starting `monday`. */
function weekNumber(monday: string): number {
  const thursday = new Date(`${monday}T00:00:00Z`);
  thursday.setUTCDate(thursday.getUTCDate() + 3);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  return Math.floor((thursday.getTime() - yearStart) / 86_400_000 / 7) + 1;
}

/** Formatting of one metric's status, target and changes. */
function metricViewer(
  locale: Locale,
  format: ValueFormatter,
  kind: Period["kind"],
  defaultMinSample: number,
) {
  const strings = STRINGS[locale];
  const status = (s: Status): StatusView => ({ label: strings.status[s], ...STATUS_COLORS[s] });
  const change = (
    def: MetricDef,
    delta: Evaluation["vsPrevious"],
    suffix?: string,
    noFullBaseline = false,
  ): ChangeView => {
    if (noFullBaseline) return { text: strings.noFullBaseline, color: CHANGE_COLORS.neutral };
    if (!delta) return { text: EMPTY_VALUE, color: CHANGE_COLORS.neutral };
    // Percent metrics move in points, others by a share of the reference (absolute when
    // the reference is 0). A change that rounds to zero at the shown precision is flat.
    const inPoints = def.unit === "percent" || delta.relative === null;
    const size = inPoints ? Math.abs(delta.change) : Math.abs(delta.relative ?? 0);
    const shownPrecision = def.unit === "percent" || !inPoints ? 0.0005 : 0.005;
    const flat = size < shownPrecision;
    const arrow = flat ? "→" : delta.change > 0 ? "▲" : "▼";
    // The arrow carries the sign; the amount is shown unsigned.
    const amount = (
      inPoints
        ? format.signedChange(def.unit, flat ? 0 : size)
        : format.signedPercent(flat ? 0 : size)
    ).replace(/^\+/, "");
    const color =
      flat || delta.improved === null
        ? CHANGE_COLORS.neutral
        : delta.improved
          ? CHANGE_COLORS.better
          : CHANGE_COLORS.worse;
    return { text: `${arrow} ${amount}${suffix ? ` ${suffix}` : ""}`, color };
  };
  const insufficientNote = (m: EvaluatedMetric): string | null => {
    const e = m.evaluation;
    if (e.status !== "insufficient_data") return null;
    const sample = m.value.sample;
    const min = e.target?.minSample ?? defaultMinSample;
    const reason =
      e.insufficientReason === "no_value"
        ? m.value.reason === "insufficient_sample"
          ? "below_min_sample"
          : "no_data"
        : (e.insufficientReason ?? "no_data");
    return strings.insufficient(
      reason,
      sample === undefined ? undefined : format.number(sample),
      format.number(min),
    );
  };
  const target = (m: EvaluatedMetric): string | null =>
    targetText(m.def, m.evaluation, locale, format);
  const incompleteNote = (m: EvaluatedMetric): string | null => {
    const tables = m.evaluation.incompleteInputs;
    return m.evaluation.status === "data_incomplete" && tables
      ? strings.dataIncomplete(tables.join(", "))
      : null;
  };
  const changeNote = (m: EvaluatedMetric): string | null => {
    const delta = m.evaluation.vsPrevious;
    return delta ? change(m.def, delta, strings.vsPrevious[kind]).text : null;
  };
  /** The target, then why the value could not be judged, when it could not. */
  const targetLine = (m: EvaluatedMetric): string | null => {
    const parts = [target(m), insufficientNote(m), incompleteNote(m)].filter(
      (part) => part !== null,
    );
    return parts.length > 0 ? parts.join(" · ") : null;
  };
  return { status, change, target, targetLine, changeNote };
}

/** Scopes up to which a scoped table has a column per scope (beyond: a row per scope). */
const MAX_SCOPE_COLUMNS = 4;

/**
 * Per-scope metrics of a section as one table: a column per scope and a row per metric when
 * the scopes are few (campaigns running at once), else a row per scope.
 */
function scopedTables(
  section: Section,
  scoped: ReportEmailInput["scoped"],
  scopeName: (scope: string) => string,
  locale: Locale,
  format: ValueFormatter,
  strings: EmailStrings,
): TableView[] {
  const scopes = Object.keys(scoped).sort(
    (a, b) => scopeName(a).localeCompare(scopeName(b), locale) || (a < b ? -1 : a > b ? 1 : 0),
  );
  const defs = METRICS.filter(
    (def) =>
      def.section === section &&
      scopes.some((scope) => scoped[scope]?.some((m) => m.def.id === def.id)),
  );
  if (defs.length === 0) return [];
  const cell = (scope: string, def: MetricDef, narrow: string): CellView => {
    const m = scoped[scope]?.find((x) => x.def.id === def.id);
    const status = m?.evaluation.status ?? "no_target";
    const judged = status === "breach" || status === "warning";
    return {
      text: m ? format.value(def.unit, m.evaluation.value) : EMPTY_VALUE,
      align: "right",
      color: status === "no_target" ? "#334155" : STATUS_COLORS[status].color,
      mark: judged ? `● ${strings.status[status]}` : "",
      narrow,
    };
  };
  const label = (text: string): CellView => ({
    text,
    align: "left",
    color: "#0f172a",
    mark: "",
    narrow: "",
  });
  const title = ""; // the section's own heading says it
  if (scopes.length <= MAX_SCOPE_COLUMNS) {
    return [
      {
        title,
        columns: [
          { label: strings.metric, align: "left", narrow: "" },
          ...scopes.map((scope, i) => ({
            label: scopeName(scope),
            align: "right" as const,
            narrow: hideFrom(i + 1),
          })),
        ],
        rows: defs.map((def) => ({
          cells: [
            label(def.label[locale]),
            ...scopes.map((scope, i) => cell(scope, def, hideFrom(i + 1))),
          ],
        })),
      },
    ];
  }
  // Many campaigns: a row each, those with the most breaches (then warnings) first.
  const judged = (scope: string, status: Status) =>
    (scoped[scope] ?? []).filter((m) => m.evaluation.status === status).length;
  const ranked = [...scopes].sort(
    (a, b) =>
      judged(b, "breach") - judged(a, "breach") || judged(b, "warning") - judged(a, "warning"),
  );
  const shown = ranked.slice(0, MAX_SCOPE_ROWS);
  const rows: { readonly cells: readonly CellView[] }[] = shown.map((scope) => ({
    cells: [label(scopeName(scope)), ...defs.map((def, i) => cell(scope, def, hideFrom(i + 1)))],
  }));
  if (ranked.length > shown.length)
    rows.push(moreRow(defs.length + 1, ranked.length - shown.length, strings));
  return [
    {
      title,
      columns: [
        { label: strings.scope, align: "left", narrow: "" },
        ...defs.map((def, i) => ({
          label: def.label[locale],
          align: "right" as const,
          narrow: hideFrom(i + 1),
        })),
      ],
      rows,
    },
  ];
}

/** The class of column `index` (0-based): dropped on small screens past the first few. */
function hideFrom(index: number): string {
  return index >= NARROW_COLUMNS ? HIDE_NARROW : "";
}

/** The last row of a cut table: "… and N more on the dashboard". */
function moreRow(
  columns: number,
  more: number,
  strings: EmailStrings,
): { readonly cells: readonly CellView[] } {
  return {
    cells: Array.from({ length: columns }, (_, i) => ({
      text: i === 0 ? strings.moreRows(more) : "",
      align: "left" as const,
      color: "#64748b",
      mark: "",
      narrow: hideFrom(i),
    })),
  };
}

function tableView(table: NormalizedTable, locale: Locale, format: ValueFormatter): TableView {
  const columns = table.columns.slice(0, MAX_DETAIL_COLUMNS);
  const numeric = columns.map(
    (_, i) =>
      table.rows.some((row) => typeof row[i] === "number") &&
      table.rows.every((row) => typeof row[i] === "number" || row[i] === null),
  );
  const shown = table.rows.slice(0, MAX_DETAIL_ROWS);
  const rows: { readonly cells: readonly CellView[] }[] = shown.map((row) => ({
    cells: columns.map((column, i) => ({
      text: cellText(row[i] ?? null, column.unit, format),
      align: numeric[i] ? ("right" as const) : ("left" as const),
      color: "#334155",
      mark: "",
      narrow: hideFrom(i),
    })),
  }));
  if (table.rows.length > shown.length) {
    rows.push(moreRow(columns.length, table.rows.length - shown.length, STRINGS[locale]));
  }
  return {
    title: localize(table.title, locale),
    columns: columns.map((column, i) => ({
      label: columnLabel(column, locale),
      align: numeric[i] ? ("right" as const) : ("left" as const),
      narrow: hideFrom(i),
    })),
    rows,
  };
}

function cellText(cell: Cell, unit: Unit | undefined, format: ValueFormatter): string {
  if (cell === null) return EMPTY_VALUE;
  if (typeof cell === "number") return unit ? format.value(unit, cell) : format.number(cell);
  if (typeof cell === "boolean") return cell ? "✓" : "✗";
  return cell;
}
