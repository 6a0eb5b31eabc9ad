/**
 * Turns the policy's planned messages into channel-neutral {@link NotificationMessage}s:
 * every text in the audience's locale (labels from the registry, numbers from the report
 * emails' formatter), campaigns by name with their id beside it, streaks as "new today" or
 * "day N", acks as "acked by … at …", and the commands to ack, silence or re-run. Pure.
 */

import { ALERT_STRINGS, reportTitleOf } from "../alerts/strings.ts";
import type { MetricNotification } from "../kpi/alerts.ts";
import { WHOLE_BUSINESS } from "../kpi/alerts.ts";
import { bandWhen } from "../kpi/baseline-band.ts";
import type { Owner } from "../kpi/owners.ts";
import { type Locale, metric as metricDef } from "../kpi/registry.ts";
import type { Period } from "../kpi/windows.ts";
import { STRINGS as EMAIL_STRINGS, valueFormatter } from "../report/email/i18n.ts";
import type { PlannedMessage, RoutedNotice } from "./policy.ts";
import type {
  MessageCommand,
  MessageLink,
  NoticeDriver,
  NoticeItem,
  NotificationMessage,
} from "./ports.ts";
import { targetFigures } from "./target-figures.ts";

/** What every message of a run is composed with. */
export interface ComposeContext {
  readonly report: string;
  readonly periodKey: string;
  readonly period: Period;
  readonly runId: string;
  readonly currency: string;
  /** Campaign id → name. */
  readonly scopeNames?: Readonly<Record<string, string>>;
  /** Why each alert moved, by `metric/scope` (see `streakKey`). */
  readonly drivers?: ReadonlyMap<string, NoticeDriver>;
  /** The command that re-runs the report for the period. */
  readonly rerunCommand: string;
  readonly links?: readonly MessageLink[];
}

interface NotifyStrings {
  readonly owner: Readonly<Record<Owner, string>>;
  readonly subject: (
    who: string,
    report: string,
    period: string,
    counts: string,
    lead: string,
  ) => string;
  readonly counts: (c: { new: number; ongoing: number; resolved: number }) => string;
  readonly newToday: string;
  readonly periodN: (kind: Period["kind"], n: number) => string;
  readonly since: (start: string) => string;
  readonly resolvedAfter: (kind: Period["kind"], n: number) => string;
  readonly resolved: string;
  readonly acked: (by: string, at: string) => string;
  readonly worse: string;
  readonly vs: (value: string, comparator: string, target: string) => string;
  readonly commands: { readonly ack: string; readonly silence: string; readonly rerun: string };
}

const EN: NotifyStrings = {
  owner: {
    user_operations: "User operations",
    content_operations: "Content operations",
    campaign_operations: "Campaign operations",
    data_operations: "Data operations",
  },
  subject: (who, report, period, counts, lead) =>
    `[OpsPulse] ${who} · ${report} ${period}: ${counts}${lead ? ` — ${lead}` : ""}`,
  counts: (c) =>
    [
      c.new > 0 ? `${c.new} new` : "",
      c.ongoing > 0 ? `${c.ongoing} ongoing` : "",
      c.resolved > 0 ? `${c.resolved} resolved` : "",
    ]
      .filter(Boolean)
      .join(", ") || "nothing new",
  newToday: "new today",
  periodN: (kind, n) => `${kind === "week" ? "week" : "day"} ${n}`,
  since: (start) => `since ${start}`,
  resolvedAfter: (kind, n) =>
    `resolved after ${n} ${kind === "week" ? "week" : "day"}${n === 1 ? "" : "s"}`,
  resolved: "resolved",
  acked: (by, at) => `acked by ${by} at ${at}`,
  worse: "worse than when acked",
  vs: (value, comparator, target) => `${value} vs target ${comparator} ${target}`,
  commands: { ack: "Acknowledge", silence: "Silence", rerun: "Re-run the report" },
};

const ZH: NotifyStrings = {
  owner: {
    user_operations: "用户运营",
    content_operations: "内容运营",
    campaign_operations: "活动运营",
    data_operations: "数据运营",
  },
  subject: (who, report, period, counts, lead) =>
    `[OpsPulse] ${who} · ${report} ${period}：${counts}${lead ? ` — ${lead}` : ""}`,
  counts: (c) =>
    [
      c.new > 0 ? `新增 ${c.new}` : "",
      c.ongoing > 0 ? `持续 ${c.ongoing}` : "",
      c.resolved > 0 ? `恢复 ${c.resolved}` : "",
    ]
      .filter(Boolean)
      .join("，") || "无新告警",
  newToday: "今日新增",
  periodN: (kind, n) => (kind === "week" ? `第 ${n} 周` : `第 ${n} 天`),
  since: (start) => `自 ${start} 起`,
  resolvedAfter: (kind, n) => (kind === "week" ? `持续 ${n} 周后恢复` : `持续 ${n} 天后恢复`),
  resolved: "已恢复",
  acked: (by, at) => `${by} 已于 ${at} 确认`,
  worse: "比确认时更差",
  vs: (value, comparator, target) => `${value}，目标 ${comparator} ${target}`,
  commands: { ack: "确认", silence: "静默", rerun: "重新运行报告" },
};

const NOTIFY_STRINGS: Readonly<Record<Locale, NotifyStrings>> = { en: EN, "zh-CN": ZH };

/** The message of one planned audience, in `locale`. */
export function composeMessage(
  planned: PlannedMessage,
  locale: Locale,
  context: ComposeContext,
): NotificationMessage {
  const strings = NOTIFY_STRINGS[locale];
  const items = planned.notices.map((notice) => composeItem(notice, locale, context));
  const counts = {
    new: planned.notices.filter(
      (n) =>
        n.isNew || n.notification.kind === "data_incomplete" || n.notification.kind === "error",
    ).length,
    ongoing: planned.notices.filter(
      (n) => !n.isNew && (n.notification.kind === "start" || n.notification.kind === "reminder"),
    ).length,
    resolved: planned.notices.filter((n) => n.notification.kind === "resolved").length,
  };
  const who =
    planned.audience.kind === "on_call" ? "on-call" : strings.owner[planned.audience.owner];
  const reportTitle = reportTitleOf(ALERT_STRINGS[locale], context.report, context.period.kind);
  return {
    key: `notify:${context.report}:${context.periodKey}:${planned.audience.id}`,
    audience: planned.audience,
    locale,
    kind: planned.kind,
    report: context.report,
    periodKey: context.periodKey,
    runId: context.runId,
    subject: strings.subject(
      who,
      reportTitle,
      context.periodKey,
      strings.counts(counts),
      lead(items),
    ),
    items,
    links: context.links ?? [],
    commands: commands(items, context, strings),
  };
}

function composeItem(notice: RoutedNotice, locale: Locale, context: ComposeContext): NoticeItem {
  const n = notice.notification;
  const strings = NOTIFY_STRINGS[locale];
  const base = {
    key: n.key,
    kind: n.kind,
    severity: notice.severity,
    report: n.report,
    periodKey: n.periodKey,
  };
  if (n.kind === "data_incomplete") {
    const format = valueFormatter(locale, context.currency);
    const issues = n.issues.map((i) => ALERT_STRINGS[locale].issue(i, (v) => format.number(v)));
    return {
      ...base,
      table: n.table,
      status: "data_incomplete",
      value: null,
      target: null,
      text: {
        title: ALERT_STRINGS[locale].title.data(n.table),
        figures: "",
        status: issues.join("; "),
      },
    };
  }
  const def = metricDef(n.metric);
  const scope =
    n.scope === WHOLE_BUSINESS
      ? undefined
      : { id: n.scope, name: context.scopeNames?.[n.scope] ?? n.scope };
  const title = scope
    ? `${def.label[locale]} · ${scope.name}${scope.name === scope.id ? "" : ` (${scope.id})`}`
    : def.label[locale];
  const driver = context.drivers?.get(`${n.metric}/${n.scope}`);
  const ackText = n.ack
    ? `${strings.acked(n.ack.by, instant(n.ack.at))}${n.worsened ? ` — ${strings.worse}` : ""}`
    : undefined;
  return {
    ...base,
    metric: n.metric,
    ...(scope ? { scope } : {}),
    status: n.status,
    value: n.value,
    ...(n.measured !== undefined ? { measured: n.measured } : {}),
    target: n.target,
    ...(notice.streak ? { streak: notice.streak } : {}),
    ...(driver && n.kind !== "resolved" ? { driver } : {}),
    ...(n.ack ? { ack: { by: n.ack.by, at: n.ack.at } } : {}),
    ...(n.error ? { error: n.error } : {}),
    text: {
      title,
      figures: n.kind === "error" ? (n.error ?? "") : figures(n, locale, context),
      status: statusText(notice, context.period.kind, strings),
      ...(ackText ? { ack: ackText } : {}),
    },
  };
}

function statusText(notice: RoutedNotice, kind: Period["kind"], strings: NotifyStrings): string {
  const n = notice.notification as MetricNotification;
  if (n.kind === "error") return n.error ?? "";
  const streak = notice.streak;
  if (n.kind === "resolved") {
    return streak ? strings.resolvedAfter(kind, streak.length) : strings.resolved;
  }
  if (notice.isNew) return strings.newToday;
  if (streak) return `${strings.periodN(kind, streak.length)} (${strings.since(streak.start)})`;
  return n.since ? strings.since(n.since) : "";
}

function figures(n: MetricNotification, locale: Locale, context: ComposeContext): string {
  const format = valueFormatter(locale, context.currency);
  if (n.status === "anomaly" && n.band) {
    // An anomaly has no target: "unusual for a Sunday: 281, normal 159–245", as the email.
    const unit = metricDef(n.metric).unit;
    return EMAIL_STRINGS[locale].unusual(
      bandWhen(context.period, n.band.method),
      format.value(unit, n.value),
      format.value(unit, Math.max(0, n.band.lower)),
      format.value(unit, n.band.upper),
    );
  }
  const shown = targetFigures(metricDef(n.metric), format, n.measured ?? n.value, n.target);
  return NOTIFY_STRINGS[locale].vs(shown.measured, shown.comparator, shown.target);
}

function commands(
  items: readonly NoticeItem[],
  context: ComposeContext,
  strings: NotifyStrings,
): MessageCommand[] {
  const first = items.find((i) => i.metric && (i.kind === "start" || i.kind === "reminder"));
  const target = first?.metric ? `${first.metric}${first.scope ? `/${first.scope.id}` : ""}` : null;
  return [
    ...(target
      ? [
          { label: strings.commands.ack, command: `opspulse alerts ack ${target} --by NAME` },
          {
            label: strings.commands.silence,
            command: `opspulse alerts silence ${target} --until <time, e.g. 2026-12-01T09:00:00+08:00> --reason <why>`,
          },
        ]
      : []),
    { label: strings.commands.rerun, command: context.rerunCommand },
  ];
}

/** The first (worst) item in a few words, and how many more: the subject's lead. */
function lead(items: readonly NoticeItem[]): string {
  const [first] = items;
  if (!first) return "";
  const text = `${first.text.title}: ${first.text.status}`;
  const short = text.length > 90 ? `${text.slice(0, 89)}…` : text;
  return items.length > 1 ? `${short} (+${items.length - 1})` : short;
}

/** `2026-11-20 09:12 UTC`. */
function instant(iso: string): string {
  return `${iso.slice(0, 16).replace("T", " ")} UTC`;
}
