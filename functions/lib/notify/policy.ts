/**
 * The notification policy: who gets what, grouped how, how often. Pure — a function of the
 * run's alert notifications (from the state machine, `kpi/alerts.ts`, which already
 * throttles reminders to the configured interval and mutes silenced and acknowledged
 * alerts) and the routing rules of `alerts.yaml`.
 *
 * - **route**: each notification gets a severity (`page`, `notify`, `off`) from its kind and
 *   metric, and so an audience: `page` → on-call; `notify` → the owner team of the metric's
 *   report section (data alerts: data operations); `off` → nobody (counted, not sent);
 * - **group**: one message per run and audience — on-call's grouped alert message, each
 *   owner's digest — with every start, reminder and resolution of the run in it;
 * - **order**: new before ongoing before resolved, then the contract's needs-attention
 *   order (`kpi/attention.ts`): worst first;
 * - **summarise**: a reminder is one line of its message with its streak ("day 14"), never
 *   an alert of its own; an acknowledged alert's held-back reminder is an "acked by …" line
 *   in a message its audience gets anyway, never a message by itself.
 */
import type { AlertNotification, MetricNotification } from "../kpi/alerts.ts";
import { WHOLE_BUSINESS } from "../kpi/alerts.ts";
import { compareAttention } from "../kpi/attention.ts";
import { OWNERS, type Owner, ownerOfSection } from "../kpi/owners.ts";
import { isMetricId, metric } from "../kpi/registry.ts";
import type { Audience, Severity, Streak } from "./ports.ts";

/** Who is alerted: a severity per kind of alert, and per metric for KPI breaches. */
export interface RoutingRules {
  readonly kpiBreach: Severity;
  readonly data: Severity;
  readonly metricError: Severity;
  readonly metrics: Readonly<Record<string, Severity>>;
}

/** One notification as the policy routed it. */
export interface RoutedNotice {
  readonly notification: AlertNotification;
  readonly severity: Severity;
  /** The current streak (longest known: the state's, or the stored history's). */
  readonly streak?: Streak;
  /** A breach that started in this run's period ("new today"). */
  readonly isNew: boolean;
}

/** One message to plan: an audience and its notices, in order. */
export interface PlannedMessage {
  readonly audience: Audience;
  readonly kind: "alerts" | "digest";
  readonly notices: readonly RoutedNotice[];
}

/** What the policy decided for a run. */
export interface NotificationPlan {
  readonly messages: readonly PlannedMessage[];
  /** Notifications whose severity is `off`: counted in the run log, sent to nobody. */
  readonly off: readonly AlertNotification[];
}

export const ON_CALL: Audience = { kind: "on_call", id: "on-call" };

/** The audience of an owner team. */
export function ownerAudience(owner: Owner): Audience {
  return { kind: "owner", id: `owner:${owner}`, owner };
}

/** The severity of a notification under the routing rules. */
export function severityOf(notification: AlertNotification, routing: RoutingRules): Severity {
  if (notification.kind === "data_incomplete") return routing.data;
  if (notification.kind === "error") return routing.metricError;
  return routing.metrics[notification.metric] ?? routing.kpiBreach;
}

/** The owner of a notification: its metric's section's team; data alerts: data operations. */
export function ownerOf(notification: AlertNotification): Owner {
  if (notification.kind === "data_incomplete" || !isMetricId(notification.metric)) {
    return "data_operations";
  }
  return ownerOfSection(metric(notification.metric).section);
}

/**
 * Routes and groups a run's notifications: one message for on-call (page) and one digest per
 * owner (notify), each ordered newest and worst first. `streaks` gives, per `metric/scope`,
 * a streak read from the stored history that started before the state machine's own (a
 * period judged before alerts were enabled); the longer one is shown.
 */
export function planNotifications(
  notifications: readonly AlertNotification[],
  routing: RoutingRules,
  streaks: ReadonlyMap<string, Streak> = new Map(),
  acknowledged: readonly AlertNotification[] = [],
): NotificationPlan {
  const groups = new Map<string, { audience: Audience; notices: RoutedNotice[] }>();
  const off: AlertNotification[] = [];
  for (const notification of notifications) {
    const severity = severityOf(notification, routing);
    if (severity === "off") {
      off.push(notification);
      continue;
    }
    const audience = severity === "page" ? ON_CALL : ownerAudience(ownerOf(notification));
    const group = groups.get(audience.id) ?? { audience, notices: [] };
    group.notices.push(routed(notification, severity, streaks));
    groups.set(audience.id, group);
  }
  // Acknowledged alerts ride along as "acked by …" lines; they never make a message.
  for (const notification of acknowledged) {
    const severity = severityOf(notification, routing);
    if (severity === "off") continue;
    const audience = severity === "page" ? ON_CALL : ownerAudience(ownerOf(notification));
    groups.get(audience.id)?.notices.push(routed(notification, severity, streaks));
  }
  const messages = [...groups.values()]
    .sort((a, b) => audienceRank(a.audience) - audienceRank(b.audience))
    .map(({ audience, notices }) => ({
      audience,
      kind: audience.kind === "on_call" ? ("alerts" as const) : ("digest" as const),
      notices: notices.sort(compareNotices),
    }));
  return { messages, off };
}

/** The key of a (metric, scope) in `streaks`. */
export function streakKey(metricId: string, scope: string = WHOLE_BUSINESS): string {
  return `${metricId}/${scope}`;
}

function routed(
  notification: AlertNotification,
  severity: Severity,
  streaks: ReadonlyMap<string, Streak>,
): RoutedNotice {
  if (notification.kind === "data_incomplete" || notification.kind === "error") {
    return { notification, severity, isNew: true };
  }
  const streak = longerStreak(
    notification.streak,
    streaks.get(streakKey(notification.metric, notification.scope)),
  );
  const isNew = notification.kind === "start" && (streak === undefined || streak.length === 1);
  return { notification, severity, isNew, ...(streak ? { streak } : {}) };
}

/** The streak that started first, when both describe the same run of breaches. */
function longerStreak(own: Streak | undefined, history: Streak | undefined): Streak | undefined {
  if (!own) return history;
  if (!history) return own;
  return history.start < own.start && history.length > own.length ? history : own;
}

/** Starts, data and error alerts ("new"), then reminders ("ongoing"), then resolutions. */
const KIND_RANK: Readonly<Record<AlertNotification["kind"], number>> = {
  data_incomplete: 0,
  error: 0,
  start: 0,
  reminder: 1,
  resolved: 2,
};

function compareNotices(a: RoutedNotice, b: RoutedNotice): number {
  return (
    KIND_RANK[a.notification.kind] - KIND_RANK[b.notification.kind] ||
    compareAttention(attentionFacts(a), attentionFacts(b))
  );
}

function attentionFacts(notice: RoutedNotice) {
  const n = notice.notification;
  if (n.kind === "data_incomplete") {
    return { status: "breach", isNew: true, id: `data:${n.table}` };
  }
  const m: MetricNotification = n;
  return {
    status: m.kind === "resolved" ? "resolved" : m.kind === "error" ? "breach" : m.status,
    isNew: notice.isNew,
    measured: m.measured ?? m.value,
    threshold: m.target,
    id: streakKey(m.metric, m.scope),
  };
}

function audienceRank(audience: Audience): number {
  return audience.kind === "on_call" ? 0 : 1 + OWNERS.indexOf(audience.owner);
}
