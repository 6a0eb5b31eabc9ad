/**
 * What a finished report command says in the thread: the run's summary card — the same
 * card the scheduled chat summary posts (`chat/card.ts` `buildSummaryCard`), in the asker's
 * language, with the dashboard link and whether it was a preview or sent — and a plain
 * text of it (title, counts by status, where to look) for a platform's notification and the
 * local `opspulse chat`. Both are built from the run's summary view, which the local runner
 * and the ad-hoc Lambda's answer both carry. Pure.
 */
import { buildSummaryCard, type ChatCard } from "../chat/card.ts";
import type { Status } from "../kpi/evaluate.ts";
import type { Locale } from "../kpi/registry.ts";
import type { RunCardFacts } from "../report/card-facts.ts";
import { describeStatusCounts } from "../report/status-counts.ts";

/** A report run as the chat reply needs it. */
export interface ChatReport {
  readonly ok: boolean;
  readonly report: string;
  readonly periodKey: string;
  readonly runId: string;
  /** `preview` (a dry run for the asker) or `sent` to the configured lists. */
  readonly mode: "preview" | "sent";
  readonly statusCounts: Readonly<Partial<Record<Status, number>>>;
  /** The email preview or the dashboard page. */
  readonly link?: string;
  /** The run's one-line error, when it failed. */
  readonly error?: string;
  /** Lists sent to (send only). */
  readonly lists?: readonly string[];
  /** What the run's summary card shows; absent when the run stopped before judging. */
  readonly card?: RunCardFacts;
}

const REPORT_NAMES: Readonly<Record<Locale, Readonly<Record<string, string>>>> = {
  en: { daily: "Daily report", weekly: "Weekly report", campaigns: "Campaign report" },
  "zh-CN": { daily: "日报", weekly: "周报", campaigns: "活动报告" },
};
/** `preview`, or the lists it was sent to. */
function modeText(report: ChatReport, locale: Locale): string {
  const en = locale === "en";
  if (report.mode === "preview") return en ? "preview" : "预览";
  return en
    ? `sent to ${(report.lists ?? []).join(", ") || "its lists"}`
    : `已发送给 ${(report.lists ?? []).join("、") || "配置的收件人"}`;
}

/** The reply's text: title, counts, link or error, run id. */
export function replyText(report: ChatReport, locale: Locale): string {
  const name = REPORT_NAMES[locale][report.report] ?? report.report;
  const en = locale === "en";
  const lines = [`${name} ${report.periodKey} (${modeText(report, locale)})`];
  if (!report.ok) {
    lines.push(`${en ? "failed" : "失败"}: ${report.error ?? "unknown error"}`);
  } else {
    const counts = describeStatusCounts(report.statusCounts, locale);
    if (counts) lines.push(counts);
  }
  if (report.link) lines.push(`${en ? "Open" : "查看"}: ${report.link}`);
  lines.push(`run ${report.runId}`);
  return lines.join("\n");
}

/**
 * The reply's card: the run's summary card as the scheduled chat summary shows it, with the
 * link when it is a web address (a local preview's file path is only in the text) and the
 * mode in its small print. None for a failed run or one that judged nothing: the text says
 * what happened.
 */
export function replyCard(report: ChatReport, locale: Locale): ChatCard | undefined {
  if (!report.ok || !report.card) return undefined;
  const card = buildSummaryCard({
    locale,
    report: report.report,
    periodKey: report.periodKey,
    runId: report.runId,
    ...report.card,
    ...(report.link?.startsWith("https://") ? { dashboardUrl: report.link } : {}),
  });
  return { ...card, footer: `${modeText(report, locale)} · ${card.footer}` };
}
