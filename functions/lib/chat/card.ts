/**
 * What a chat message says, before any platform's format: a {@link ChatCard}. Two builders
 * make one, both pure:
 *
 * - {@link buildAlertCard}: a run's alerts for one audience (on-call's page, an owner's
 *   digest), worst first: status, value vs target, streak ("new today" / "day N"), the top
 *   driver, who acked it, and the commands that re-run the report and ack the alert;
 * - {@link buildSummaryCard}: the compact card of a report run (what the daily report says
 *   in chat instead of the email): counts by status, the KPIs that need attention, the
 *   dashboard link and the re-run command. Chat commands (a reply to "日报 昨天") reuse it.
 *
 * The platform renderers (`platforms.ts`) turn a card into WeCom markdown, a DingTalk
 * actionCard, a Feishu interactive card, Slack Block Kit or the generic webhook's JSON.
 */
import { orderNeedsAttention } from "../kpi/attention.ts";
import { countStatuses } from "../kpi/evaluate.ts";
import { type JudgedMetric, judgedDef } from "../kpi/judged.ts";
import { type Locale, type MetricDef, metric as metricDef } from "../kpi/registry.ts";
import { describeStatusCounts } from "../report/status-counts.ts";
import { EMPTY_VALUE, type ValueFormatter, valueFormatter } from "../report/value-format.ts";

import { CHAT_STRINGS } from "./strings.ts";

/** How urgent a message is: `page` (on-call, now), `notify` (a digest), `report`. */
export type ChatSeverity = "page" | "notify" | "report";

/** The colour of a card or item: red, amber, green, or neutral. */
export type ChatTone = "breach" | "warning" | "ok" | "info";

/** One line of a card: an alert, or a KPI that needs attention. */
export interface ChatItem {
  readonly tone: ChatTone;
  /** `GMV — new today` (bold in the platforms that have bold). */
  readonly headline: string;
  /** `¥12,345 vs target ≥ ¥20,000 · since 20 Nov · top driver: App −18 %`. */
  readonly detail: string;
  /** The command that acknowledges this alert, when it can be acked. */
  readonly ackCommand?: string;
}

/** A command a reader can run (shown as code; not a button: it runs in a terminal). */
export interface ChatCommand {
  readonly label: string;
  readonly command: string;
}

/** A chat message in no platform's format yet. */
export interface ChatCard {
  readonly kind: "alert" | "summary" | "notice";
  readonly severity: ChatSeverity;
  readonly locale: Locale;
  readonly tone: ChatTone;
  readonly title: string;
  /** One short paragraph under the title (counts, an explanation), or empty. */
  readonly summary: string;
  readonly items: readonly ChatItem[];
  /** Items left out to keep the card short ("…and 4 more"), or empty. */
  readonly more: string;
  readonly link?: { readonly label: string; readonly url: string };
  readonly commands: readonly ChatCommand[];
  /** Small print: the run id. */
  readonly footer: string;
}

/** Most items a card lists; the rest are counted. */
export const MAX_CARD_ITEMS = 5;

/** One alert of a run, as the notification policy hands it to the channels. */
export interface ChatAlertItem {
  readonly kind: "new" | "ongoing" | "resolved" | "error" | "data";
  /** Registry id of the metric (absent for a data alert). */
  readonly metricId?: string;
  /** Campaign name or other scope, when not the whole business. */
  readonly scopeLabel?: string;
  /** The table of a data alert. */
  readonly table?: string;
  readonly value?: number | null;
  /** The number compared with the target, when not the value (year-on-year growth). */
  readonly measured?: number | null;
  readonly target?: number | null;
  /** First breached period of the streak (a period key). */
  readonly streakStart?: string;
  /** Periods in the streak so far (1 = new today). */
  readonly streakLength?: number;
  /** The breakdown that moved most, already formatted (`App −18 % vs previous`). */
  readonly driver?: string;
  readonly ackedBy?: string;
  readonly ackedAt?: string;
  /** `opspulse alerts ack <metric>[/scope]`, when the alert can be acked. */
  readonly ackCommand?: string;
}

/** What every card of a report run names: the run, its period, and how to act on it. */
export interface RunCardInput {
  readonly locale: Locale;
  readonly currency: string;
  /** `daily`, `weekly` or `campaigns`. */
  readonly report: string;
  /** The period key the run judged (`2026-11-22`, `2026-W47`). */
  readonly periodKey: string;
  readonly runId: string;
  readonly rerunCommand: string;
  readonly dashboardUrl?: string;
}

/** Everything an alert card is made from. */
export interface AlertCardInput extends RunCardInput {
  readonly severity: "page" | "notify";
  /** Worst first, as the policy ordered them. */
  readonly items: readonly ChatAlertItem[];
}

/** A card of a run's alerts for one audience. */
export function buildAlertCard(input: AlertCardInput): ChatCard {
  const strings = CHAT_STRINGS[input.locale];
  const format = valueFormatter(input.locale, input.currency);
  const items = input.items.map((item) => alertItem(item, input.locale, format));
  const shown = items.slice(0, MAX_CARD_ITEMS);
  const report = strings.report[input.report] ?? input.report;
  return {
    kind: "alert",
    severity: input.severity,
    locale: input.locale,
    tone: worstTone(items.map((i) => i.tone)),
    title: `${strings.severity[input.severity]} ${strings.alertTitle(items.length, report, periodText(input.periodKey, format))}`,
    summary: "",
    items: shown,
    more: items.length > shown.length ? strings.more(items.length - shown.length) : "",
    ...(input.dashboardUrl ? { link: { label: strings.dashboard, url: input.dashboardUrl } } : {}),
    commands: [
      { label: strings.rerun, command: input.rerunCommand },
      ...(shown[0]?.ackCommand ? [{ label: strings.ack, command: shown[0].ackCommand }] : []),
    ],
    footer: strings.run(input.runId),
  };
}

function alertItem(item: ChatAlertItem, locale: Locale, format: ValueFormatter): ChatItem {
  const strings = CHAT_STRINGS[locale];
  const def = item.metricId ? metricDef(item.metricId) : undefined;
  const name =
    (def ? def.label[locale] : (item.table ?? EMPTY_VALUE)) +
    (item.scopeLabel ? ` [${item.scopeLabel}]` : "");
  const state =
    item.kind === "ongoing"
      ? strings.kind.ongoing(item.streakLength ?? 2)
      : item.kind === "new"
        ? strings.kind.new
        : strings.kind[item.kind];
  const details: string[] = [];
  if (def && item.kind !== "error") {
    const figures = valueVersusTarget(def, item, format);
    if (figures) details.push(strings.versus(figures.value, figures.target));
  }
  if (item.streakStart && item.kind === "ongoing") {
    details.push(strings.since(periodText(item.streakStart, format)));
  }
  if (item.driver) details.push(strings.driver(item.driver));
  if (item.ackedBy) details.push(strings.acked(item.ackedBy, item.ackedAt ?? EMPTY_VALUE));
  const tone: ChatTone =
    item.kind === "resolved"
      ? "ok"
      : item.kind === "data" || item.kind === "error"
        ? "warning"
        : "breach";
  return {
    tone,
    headline: `${name} — ${state}`,
    detail: details.join(" · "),
    ...(item.ackCommand && item.kind !== "resolved" ? { ackCommand: item.ackCommand } : {}),
  };
}

function valueVersusTarget(
  def: MetricDef,
  item: Pick<ChatAlertItem, "value" | "measured" | "target">,
  format: ValueFormatter,
): { value: string; target: string } | undefined {
  const comparator = def.direction === "higher" ? "≥" : "≤";
  const measured = item.measured ?? item.value ?? null;
  const target = item.target ?? null;
  if (measured === null && target === null) return undefined;
  if (def.targetBasis === "yoy_growth") {
    return {
      value: measured === null ? EMPTY_VALUE : format.signedPercent(measured),
      target: target === null ? EMPTY_VALUE : `${comparator} ${format.signedPercent(target)}`,
    };
  }
  return {
    value: format.value(def.unit, measured),
    target: target === null ? EMPTY_VALUE : `${comparator} ${format.value(def.unit, target)}`,
  };
}

/**
 * Everything a report's summary card is made from: the run's summary carries all of it
 * (`RunReportSummary.card`), also in the ad-hoc Lambda's answer to a chat command.
 */
export interface SummaryCardInput extends RunCardInput {
  /** The run's judged metrics, report-wide (`judgedMetrics`). */
  readonly metrics: readonly JudgedMetric[];
}

/** The compact card of a report run: counts, what needs attention, the dashboard. */
export function buildSummaryCard(input: SummaryCardInput): ChatCard {
  const strings = CHAT_STRINGS[input.locale];
  const format = valueFormatter(input.locale, input.currency);
  // The contract's one "needs attention" order (kpi/attention.ts), as in the emails.
  const attention = orderNeedsAttention(input.metrics, (m) => ({
    status: m.status,
    isNew: false,
    measured: m.measured,
    threshold: m.threshold,
    id: m.id,
  }));
  const items: ChatItem[] = attention.map((m) => {
    const def = judgedDef(m);
    const figures = valueVersusTarget(
      def,
      { value: m.value, measured: m.measured, target: m.threshold },
      format,
    );
    return {
      tone: m.status === "breach" ? "breach" : "warning",
      headline: def.label[input.locale],
      detail: [
        figures ? strings.versus(figures.value, figures.target) : undefined,
        m.vsPrevious !== null ? format.signedPercent(m.vsPrevious) : undefined,
      ]
        .filter(Boolean)
        .join(" · "),
    };
  });
  const shown = items.slice(0, MAX_CARD_ITEMS);
  const counts = countStatuses(input.metrics);
  const { breach, warning, anomaly } = counts;
  const report = strings.report[input.report] ?? input.report;
  return {
    kind: "summary",
    severity: "report",
    locale: input.locale,
    tone: breach > 0 ? "breach" : warning > 0 ? "warning" : "ok",
    title: strings.summaryTitle(report, periodText(input.periodKey, format)),
    summary:
      breach + warning + anomaly === 0
        ? strings.allMet
        : describeStatusCounts(counts, input.locale),
    items: shown,
    more: items.length > shown.length ? strings.more(items.length - shown.length) : "",
    ...(input.dashboardUrl ? { link: { label: strings.dashboard, url: input.dashboardUrl } } : {}),
    commands: [{ label: strings.rerun, command: input.rerunCommand }],
    footer: strings.run(input.runId),
  };
}

/** A notice to on-call by email that a contact point refused a message (not retried). */
export function chatFailureText(
  locale: Locale,
  contactPoint: string,
  type: string,
  key: string,
  error: string,
): { subject: string; text: string } {
  const strings = CHAT_STRINGS[locale];
  return {
    subject: strings.failureTitle(contactPoint),
    text: `${strings.failureIntro(contactPoint, type, key)}\n\n${error}\n`,
  };
}

function periodText(key: string, format: ValueFormatter): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(key) ? format.shortDate(key) : key;
}

function worstTone(tones: readonly ChatTone[]): ChatTone {
  for (const tone of ["breach", "warning", "ok"] as const) if (tones.includes(tone)) return tone;
  return "info";
}
