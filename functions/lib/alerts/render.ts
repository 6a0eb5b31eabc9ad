/**
 * Renders on-call emails — KPI alerts (start, reminder, resolved, error), data alerts and
 * failure notices — as a subject, HTML (the compiled `templates/alert.mjml`) and plain text,
 * from one view model. Short on purpose: what broke, by how much, since when, the trend,
 * the channel that moved most, and the command that re-runs the report.
 *
 * Labels come from the metric registry and numbers from the report emails' formatter, in
 * English or Simplified Chinese. Every value from data is escaped by the template renderer.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AlertNotification, MetricNotification } from "../kpi/alerts.ts";
import { WHOLE_BUSINESS } from "../kpi/alerts.ts";
import type { CompletenessIssue } from "../kpi/completeness.ts";
import { DEFAULT_DRIVER_OPTIONS, type Driver } from "../kpi/drivers.ts";
import { type Locale, type MetricDef, metric as metricDef } from "../kpi/registry.ts";
import { type Period, previousPeriod } from "../kpi/windows.ts";
import {
  CHANGE_COLORS,
  driverText,
  EMPTY_VALUE,
  STATUS_COLORS,
  STRINGS,
  type ValueFormatter,
  valueFormatter,
} from "../report/email/i18n.ts";
import { DEFAULT_TEMPLATES_DIR, TemplatesMissingError } from "../report/email/render.ts";
import { type CompiledTemplate, compileTemplate, plainText } from "../report/email/template.ts";
import { periodKeyOf } from "../report/snapshot.ts";
import type { ChannelBreakdown } from "./breakdown.ts";
import { ALERT_STRINGS, type AlertStrings, type Figures, reportTitleOf } from "./strings.ts";
import type { TrendPoint } from "./trend.ts";

/** A rendered on-call email. */
export interface RenderedAlert {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** What an alert email is made from. */
export interface AlertEmailInput {
  readonly notification: AlertNotification;
  /** The report that raised it (`daily`, `weekly`, `campaigns`); default: by the period. */
  readonly report?: string;
  /** The period that was evaluated (the notification's `periodKey`). */
  readonly period: Period;
  readonly locale: Locale;
  readonly currency: string;
  readonly runId: string;
  /** The command that re-runs the report for the period. */
  readonly rerunCommand: string;
  /** The metric's last periods, oldest first (metric alerts). */
  readonly trend?: readonly TrendPoint[];
  /** Activity by channel, moved most first (metric alerts). */
  readonly breakdown?: ChannelBreakdown | null;
  /** The drivers of the metric's change found by the run (kpi/drivers.ts), best first. */
  readonly drivers?: readonly Driver[];
}

/** What a failure notice is made from. */
export interface FailureNoticeInput {
  readonly report: string;
  readonly periodKind: Period["kind"];
  readonly periodKey: string;
  readonly runId: string;
  /** One line: what failed and why. */
  readonly error: string;
  /** The stage of the run that failed, when known. */
  readonly stage?: string;
  /** Where the run log line is. */
  readonly runLog?: string;
  readonly locale: Locale;
  readonly rerunCommand: string;
}

/** Loads the compiled alert template (`templates/dist/alert.html`). */
export function loadAlertTemplate(dir: string = DEFAULT_TEMPLATES_DIR): CompiledTemplate {
  const file = join(dir, "alert.html");
  if (!existsSync(file)) {
    throw new TemplatesMissingError(
      `${file} is missing: run "npm run build:templates" (npm ci runs it) to compile the MJML templates.`,
    );
  }
  return compileTemplate(readFileSync(file, "utf8"), "templates/dist/alert.html");
}

interface Colored {
  readonly text: string;
  readonly color: string;
  readonly background: string;
}

/** The data of `templates/alert.mjml` (and of the plain-text layout below). */
export interface AlertViewModel {
  readonly lang: Locale;
  readonly subject: string;
  readonly preview: string;
  readonly badge: Colored;
  readonly title: string;
  readonly intro: string;
  readonly facts: readonly { readonly label: string; readonly value: string }[];
  readonly notes: readonly Colored[];
  readonly trend: {
    readonly heading: string;
    readonly sparkline: string;
    readonly columns: AlertStrings["trendColumns"];
    readonly rows: readonly {
      readonly period: string;
      readonly value: string;
      readonly status: string;
      readonly color: string;
      /** Bar width in percent of the largest value (0: no bar). */
      readonly bar: number;
    }[];
  } | null;
  readonly breakdown: {
    readonly heading: string;
    readonly summary: string;
    readonly columns: AlertStrings["breakdownColumns"];
    readonly rows: readonly {
      readonly channel: string;
      readonly current: string;
      readonly previous: string;
      readonly change: string;
      readonly color: string;
    }[];
  } | null;
  readonly command: { readonly heading: string; readonly text: string };
  readonly footer: string;
  readonly generatedBy: string;
}

const BADGE_COLORS = {
  start: { color: "#ffffff", background: "#b91c1c" },
  reminder: { color: "#ffffff", background: "#c2410c" },
  resolved: { color: "#ffffff", background: "#15803d" },
  error: { color: "#ffffff", background: "#7c3aed" },
  data_incomplete: { color: "#1e293b", background: "#fbbf24" },
  failure: { color: "#ffffff", background: "#7f1d1d" },
} as const;

const NOTE_COLORS = {
  warning: { color: "#d97706", background: "#fffbeb" },
  info: { color: "#64748b", background: "#f8fafc" },
} as const;

const SPARK = "▁▂▃▄▅▆▇█";

/** Builds the view model of an alert email. */
export function buildAlertModel(input: AlertEmailInput): AlertViewModel {
  const { notification: n, locale } = input;
  const strings = ALERT_STRINGS[locale];
  const format = valueFormatter(locale, input.currency);
  const report = reportTitleOf(strings, input.report, input.period.kind);
  const period = periodLabel(input.period, n.periodKey, format);
  const common = {
    lang: locale,
    command: { heading: strings.command, text: input.rerunCommand },
    footer: strings.footer(n.key, input.runId),
    generatedBy: strings.generatedBy,
  };

  if (n.kind === "data_incomplete") {
    const count = (value: number) => format.number(value);
    const issues = n.issues.map((issue) => strings.issue(issue, count));
    const subject = strings.subject.data(report, period, n.table, issues[0] ?? "");
    return {
      ...common,
      subject,
      preview: issues.join("; "),
      badge: { text: strings.badge.data_incomplete, ...BADGE_COLORS.data_incomplete },
      title: strings.title.data(n.table),
      intro: strings.intro.data(report, period),
      facts: partitionFacts(n.issues, format),
      notes: [
        ...issues.map((text) => ({ text, ...NOTE_COLORS.warning })),
        {
          text: n.issues.every((issue) => issue.scope === "window")
            ? strings.dataNotJudgedWindow
            : strings.dataNotJudged,
          ...NOTE_COLORS.info,
        },
      ],
      trend: null,
      breakdown: null,
    };
  }

  const def = metricDef(n.metric);
  const label = metricLabel(def, n.scope, locale);
  if (n.kind === "error") {
    return {
      ...common,
      subject: strings.subject.error(label, period),
      preview: n.error ?? "",
      badge: { text: strings.badge.error, ...BADGE_COLORS.error },
      title: strings.title.error(label),
      intro: strings.intro.error(report, period),
      facts: [
        ...scopeFact(n, strings),
        { label: strings.fact.error, value: n.error ?? EMPTY_VALUE },
      ],
      notes: [],
      trend: null,
      breakdown: null,
    };
  }

  const figures = metricFigures(n, def, label, input.period, format, strings);
  const subject =
    n.kind === "start"
      ? strings.subject.start(figures)
      : n.kind === "reminder"
        ? strings.subject.reminder(figures, n.reminder ?? 1)
        : strings.subject.resolved(figures);
  const title =
    n.kind === "start"
      ? strings.title.start(label)
      : n.kind === "reminder"
        ? strings.title.reminder(label, n.reminder ?? 1)
        : strings.title.resolved(label);
  return {
    ...common,
    subject,
    preview: `${figures.metric}: ${figures.value} · ${strings.fact.target} ${figures.target}`,
    badge: { text: strings.badge[n.kind], ...BADGE_COLORS[n.kind] },
    title,
    intro: strings.intro[n.kind](report, period),
    facts: [
      { label: strings.fact.latest, value: `${figures.value} (${period})` },
      { label: strings.fact.target, value: figures.target },
      { label: strings.fact.since, value: figures.since },
      ...(n.sinceInstant
        ? [{ label: strings.fact.firstAlert, value: formatInstant(n.sinceInstant) }]
        : []),
      ...scopeFact(n, strings),
    ],
    notes: (input.drivers ?? [])
      .slice(0, DEFAULT_DRIVER_OPTIONS.limit)
      .map((d) => ({ text: `↳ ${driverText(d, locale, format)}`, ...NOTE_COLORS.info })),
    trend: trendModel(input.trend ?? [], def, input.period, locale, format, strings),
    breakdown: input.breakdown
      ? breakdownModel(input.breakdown, input.period, format, strings)
      : null,
  };
}

/** Builds the view model of a failure notice. */
export function buildFailureModel(input: FailureNoticeInput): AlertViewModel {
  const strings = ALERT_STRINGS[input.locale];
  const format = valueFormatter(input.locale, "CNY");
  const report = reportTitleOf(strings, input.report, input.periodKind);
  const period =
    input.periodKind === "day" && /^\d{4}-\d{2}-\d{2}$/.test(input.periodKey)
      ? format.shortDate(input.periodKey)
      : input.periodKey;
  return {
    lang: input.locale,
    subject: strings.subject.failure(report, period, input.error, input.runId),
    preview: input.error,
    badge: { text: strings.badge.failure, ...BADGE_COLORS.failure },
    title: strings.title.failure(report),
    intro: strings.intro.failure(report, period),
    facts: [
      { label: strings.fact.error, value: input.error },
      { label: strings.fact.run, value: input.runId },
      ...(input.stage ? [{ label: strings.fact.stage, value: input.stage }] : []),
      ...(input.runLog ? [{ label: strings.fact.runLog, value: input.runLog }] : []),
    ],
    notes: [{ text: strings.failureNoEmail, ...NOTE_COLORS.warning }],
    trend: null,
    breakdown: null,
    command: { heading: strings.command, text: input.rerunCommand },
    footer: strings.footer(`failure:${input.report}:${input.periodKey}`, input.runId),
    generatedBy: strings.generatedBy,
  };
}

/** Renders an alert email with the compiled template. */
export function renderAlertEmail(
  input: AlertEmailInput,
  template: CompiledTemplate,
): RenderedAlert {
  return renderModel(buildAlertModel(input), template);
}

/** Renders a failure notice with the compiled template. */
export function renderFailureNotice(
  input: FailureNoticeInput,
  template: CompiledTemplate,
): RenderedAlert {
  return renderModel(buildFailureModel(input), template);
}

/** Renders any on-call view model (the grouped messages of `notify/email-channel.ts` too). */
export function renderModel(model: AlertViewModel, template: CompiledTemplate): RenderedAlert {
  return { subject: model.subject, html: template.render(model), text: renderAlertText(model) };
}

const TEXT_TEMPLATE = compileTemplate(
  // Block tags sit at line ends so that they add no blank lines.
  `OPSPULSE · {{badge.text}}
{{title}}
{{intro}}

{{#each facts}}{{label}}: {{value}}
{{/each}}{{#each notes}}! {{text}}
{{/each}}{{#if trend}}
{{trend.heading}}  {{trend.sparkline}}
{{#each trend.rows}}  {{period}}  {{value}}  {{status}}
{{/each}}{{/if}}{{#if breakdown}}
{{breakdown.heading}}
{{breakdown.summary}}
{{#each breakdown.rows}}  {{channel}}: {{current}} ← {{previous}} ({{change}})
{{/each}}{{/if}}
{{command.heading}}:
  {{command.text}}

--
{{footer}}
{{generatedBy}}
`,
  "alert-text",
);

/** The plain-text alternative of an on-call email. */
export function renderAlertText(model: AlertViewModel): string {
  return TEXT_TEMPLATE.render(model, { escape: plainText });
}

/** `Campaign ROI [spring-sale]` for a scoped metric, the registry label otherwise. */
function metricLabel(def: MetricDef, scope: string, locale: Locale): string {
  return scope === WHOLE_BUSINESS ? def.label[locale] : `${def.label[locale]} [${scope}]`;
}

function scopeFact(n: MetricNotification, strings: AlertStrings) {
  return n.scope === WHOLE_BUSINESS ? [] : [{ label: strings.fact.scope, value: n.scope }];
}

function metricFigures(
  n: MetricNotification,
  def: MetricDef,
  label: string,
  period: Period,
  format: ValueFormatter,
  strings: AlertStrings,
): Figures {
  const comparator = def.direction === "higher" ? "≥" : "≤";
  const since = n.since ? periodLabel(period, n.since, format) : EMPTY_VALUE;
  const measured = n.measured ?? n.value;
  if (def.targetBasis === "yoy_growth") {
    return {
      metric: `${label} (${strings.yoyGrowth})`,
      value: measured === null ? EMPTY_VALUE : format.signedPercent(measured),
      target: n.target === null ? EMPTY_VALUE : `${comparator} ${format.signedPercent(n.target)}`,
      since,
    };
  }
  return {
    metric: label,
    value: format.value(def.unit, measured),
    target: n.target === null ? EMPTY_VALUE : `${comparator} ${format.value(def.unit, n.target)}`,
    since,
  };
}

/** A period key as people read it: `1 Mar 2026`, or `2026-W09` for a week. */
function periodLabel(period: Period, key: string, format: ValueFormatter): string {
  return period.kind === "day" && /^\d{4}-\d{2}-\d{2}$/.test(key) ? format.shortDate(key) : key;
}

function formatInstant(iso: string): string {
  return `${iso.slice(0, 16).replace("T", " ")} UTC`;
}

function partitionFacts(issues: readonly CompletenessIssue[], format: ValueFormatter) {
  return issues.map((issue) => ({
    label: `${issue.table} dt=${issue.partition}`,
    value:
      issue.expectedRows === undefined
        ? format.number(issue.rows)
        : `${format.number(issue.rows)} / ${format.number(issue.expectedRows)}`,
  }));
}

function trendModel(
  points: readonly TrendPoint[],
  def: MetricDef,
  period: Period,
  locale: Locale,
  format: ValueFormatter,
  strings: AlertStrings,
): AlertViewModel["trend"] {
  if (points.length === 0) return null;
  const values = points.map((p) => p.value).filter((v): v is number => v !== null);
  const max = Math.max(0, ...values);
  const min = Math.min(...values);
  const statusLabels = STRINGS[locale].status;
  return {
    heading: strings.trend(points.length, period.kind),
    sparkline: points
      .map((p) => {
        if (p.value === null) return " ";
        const share = max === min ? 1 : (p.value - min) / (max - min);
        return SPARK[Math.round(share * (SPARK.length - 1))] ?? " ";
      })
      .join(""),
    columns: strings.trendColumns,
    rows: points.map((p) => ({
      period: periodLabel(period, p.periodKey, format),
      value: format.value(def.unit, p.value),
      status: p.status ? statusLabels[p.status] : EMPTY_VALUE,
      color: p.status && p.status !== "no_target" ? STATUS_COLORS[p.status].color : "#64748b",
      bar:
        p.value !== null && p.value > 0 && max > 0
          ? Math.max(2, Math.round((p.value / max) * 100))
          : 0,
    })),
  };
}

function breakdownModel(
  breakdown: ChannelBreakdown,
  period: Period,
  format: ValueFormatter,
  strings: AlertStrings,
): AlertViewModel["breakdown"] {
  const unit = breakdown.measure === "gmv" ? "money" : "count";
  const change = (move: ChannelBreakdown["channels"][number]) =>
    `${format.signedChange(unit, move.change)}${move.relative === null ? "" : `, ${format.signedPercent(move.relative)}`}`;
  const first = breakdown.channels[0];
  const label = (p: Period) => periodLabel(p, periodKeyOf(p), format);
  return {
    heading: strings.breakdown(
      strings.measures[breakdown.measure],
      label(period),
      label(previousPeriod(period)),
    ),
    summary: first ? strings.movedMost(first.channel, change(first)) : strings.noBreakdown,
    columns: strings.breakdownColumns,
    rows: breakdown.channels.map((move) => ({
      channel: move.channel,
      current: format.value(unit, move.current),
      previous: format.value(unit, move.previous),
      change: change(move),
      color:
        move.change > 0
          ? CHANGE_COLORS.better
          : move.change < 0
            ? CHANGE_COLORS.worse
            : CHANGE_COLORS.neutral,
    })),
  };
}
