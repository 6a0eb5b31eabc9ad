/**
 * The notification stage of the alert hook: the run's alert notifications, routed and grouped
 * by the pure policy (`notify/policy.ts`), composed per contact point in its locale with
 * each alert's streak (from the stored history) and driver, and delivered once per (run
 * period, audience, contact point) through the channels (`notify/ports.ts`).
 */
import { runDeadline, type SettleWait } from "../delivery/claims.ts";
import type { AlertNotification } from "../kpi/alerts.ts";
import { trailingBreachStreak } from "../kpi/streak.ts";
import { previousPeriod } from "../kpi/windows.ts";
import { composeMessage } from "../notify/compose.ts";
import { contactPointsOf, deliverMessage, type MessageOutcome } from "../notify/deliver.ts";
import { explainAlerts, snapshotDrivers } from "../notify/drivers.ts";
import { createEmailChannel } from "../notify/email-channel.ts";
import { type NotificationPlan, streakKey } from "../notify/policy.ts";
import type { Channel, Streak } from "../notify/ports.ts";
import type {
  Clock,
  DeliveryLog,
  Mailer,
  QueryEngine,
  QueryStats,
  SnapshotStore,
} from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import type { CompiledTemplate } from "../report/email/template.ts";
import type { AfterSnapshotContext } from "../report/run-hooks.ts";
import { periodKeyOf } from "../report/snapshot.ts";
import { loadAlertTemplate } from "./render.ts";
import { metricOf } from "./trend.ts";

/** What the notification stage reads and sends with. */
export interface NotifyRunDeps {
  readonly snapshots: SnapshotStore;
  readonly engine: QueryEngine;
  readonly catalog: QueryCatalog;
  readonly mailer: Mailer;
  readonly deliveries: DeliveryLog;
  readonly clock: Clock;
  /** The longest a run may take without a deadline in its request (its claims' lease). */
  readonly maxRunMs?: number;
  /** How long to wait for another run's claim to settle (default 20 s). */
  readonly claimWait?: SettleWait;
  /** The compiled alert template; default: `templates/dist/alert.html`. */
  readonly alertTemplate?: CompiledTemplate;
  /**
   * The channels that deliver notification messages (`notify/ports.ts`); default: email
   * through `mailer`. Chat adapters join here.
   */
  readonly channels?: readonly Channel[];
}

/** How one notification fared (in the message of its audience, or why in none). */
export interface NotificationOutcome {
  readonly key: string;
  readonly kind: AlertNotification["kind"] | "failure";
  readonly status:
    | "sent"
    | "already_delivered"
    | "in_progress"
    | "failed"
    | "suppressed"
    | "off"
    | "no_on_call_list"
    | "no_owner_list";
  /** The audience whose message carried it (`on-call`, `owner:data_operations`). */
  readonly audience?: string;
  readonly subject?: string;
  readonly messageId?: string;
  readonly location?: string;
  readonly error?: string;
}

/**
 * Each metric's breach streak from the stored history (up to {@link STREAK_PERIODS} periods),
 * for the alerts of this run: a streak that began before the alert state knew the metric
 * (history backfilled, alerts enabled later) is shown from its real start.
 */
export async function historyStreaks(
  deps: NotifyRunDeps,
  context: AfterSnapshotContext,
  notifications: readonly AlertNotification[],
): Promise<Map<string, Streak>> {
  const metrics = notifications.filter(
    (n): n is Extract<AlertNotification, { metric: string }> =>
      n.kind === "start" || n.kind === "reminder" || n.kind === "resolved",
  );
  const streaks = new Map<string, Streak>();
  if (metrics.length === 0) return streaks;
  const periods = [context.period];
  while (periods.length < STREAK_PERIODS) {
    periods.unshift(previousPeriod(periods[0] ?? context.period));
  }
  const keys = periods.map((p) => periodKeyOf(p));
  const docs = await deps.snapshots.history(
    context.request.report,
    keys[0] ?? "",
    keys.at(-1) ?? "",
  );
  const byKey = new Map(docs.map((doc) => [doc.periodKey, doc]));
  for (const n of metrics) {
    // A resolved alert's streak ended with the period before this one.
    const upTo = n.kind === "resolved" ? keys.slice(0, -1) : keys;
    const streak = trailingBreachStreak(
      upTo.map((periodKey) => ({
        periodKey,
        status: metricOf(byKey.get(periodKey), n.metric, n.scope)?.status ?? null,
      })),
    );
    if (streak) streaks.set(streakKey(n.metric, n.scope), streak);
  }
  return streaks;
}

/** Periods of history read for streaks: two months of daily reports. */
const STREAK_PERIODS = 60;

/**
 * One message per audience of the plan, composed in each contact point's locale with the
 * drivers of its alerts, delivered once per (period, audience, contact point).
 */
export async function deliverPlan(
  deps: NotifyRunDeps,
  context: AfterSnapshotContext,
  plan: NotificationPlan,
  command: string,
  stats: QueryStats[],
): Promise<(MessageOutcome | MissingList)[]> {
  const channels = deps.channels ?? [
    createEmailChannel({
      mailer: deps.mailer,
      sender: context.config.sender,
      template: () => deps.alertTemplate ?? loadAlertTemplate(),
    }),
  ];
  const previous = context.document.comparedWith.previous;
  const previousDetails = previous
    ? (
        (await deps.snapshots.latest(context.request.report, previous.periodKey)) as
          | { details?: Record<string, unknown> }
          | undefined
      )?.details
    : undefined;
  const outcomes: (MessageOutcome | MissingList)[] = [];
  for (const planned of plan.messages) {
    const contacts = contactPointsOf(planned.audience, context.config);
    if (contacts.length === 0) {
      outcomes.push({
        key: `notify:${context.request.report}:${context.periodKey}:${planned.audience.id}`,
        audience: planned.audience.id,
        kind: planned.kind,
        status: planned.audience.kind === "on_call" ? "no_on_call_list" : "no_owner_list",
        items: planned.notices.map((n) => n.notification.key),
      });
      continue;
    }
    for (const contact of contacts) {
      const breakdowns = await explainAlerts(
        planned.notices.map((n) => n.notification),
        {
          engine: deps.engine,
          catalog: deps.catalog,
          period: context.period,
          details: context.computed.details,
          ...(previousDetails ? { previousDetails } : {}),
        },
        contact.locale,
        context.config.kpi.currency,
        stats,
      );
      // The run's Adtributor drivers (in the snapshot), where it found some, come first.
      const drivers = new Map([
        ...breakdowns,
        ...snapshotDrivers(context.document.drivers, contact.locale, context.config.kpi.currency),
      ]);
      const message = composeMessage(planned, contact.locale, {
        report: context.request.report,
        periodKey: context.periodKey,
        period: context.period,
        runId: context.runId,
        currency: context.config.kpi.currency,
        scopeNames: context.computed.scopeNames,
        drivers,
        rerunCommand: command,
      });
      const deadline = runDeadline(context.now, {
        deadline: context.request.deadline,
        maxRunMs: deps.maxRunMs,
      });
      outcomes.push(await deliverMessage({ ...deps, deadline }, channels, message, contact));
    }
  }
  return outcomes;
}

/** An audience with no list in recipients.yaml: its message is not sent. */
export interface MissingList {
  readonly key: string;
  readonly audience: string;
  readonly kind: "alerts" | "digest";
  readonly status: "no_on_call_list" | "no_owner_list";
  readonly items: readonly string[];
}

/** How each notification fared: the status of the message that carried it, or `off`. */
export function notificationOutcomes(
  plan: NotificationPlan,
  messages: readonly (MessageOutcome | MissingList)[],
): NotificationOutcome[] {
  const outcomes: NotificationOutcome[] = [];
  for (const planned of plan.messages) {
    const carried = messages.filter((m) => m.audience === planned.audience.id);
    const status =
      carried.find((m) => m.status === "failed")?.status ??
      carried.find((m) => m.status === "sent")?.status ??
      carried[0]?.status ??
      "no_owner_list";
    for (const notice of planned.notices) {
      outcomes.push({
        key: notice.notification.key,
        kind: notice.notification.kind,
        status,
        audience: planned.audience.id,
      });
    }
  }
  for (const n of plan.off) outcomes.push({ key: n.key, kind: n.kind, status: "off" });
  return outcomes;
}
