/**
 * Alert replay (pure): the state machine of `alerts.ts` run over a history of periods,
 * oldest first, collecting what would have fired and when — for `opspulse replay` and for
 * tuning a target or the reminder interval before enabling it.
 */
import {
  type AlertNotification,
  type AlertRules,
  type AlertState,
  EMPTY_ALERT_STATE,
  type MetricNotification,
  type PeriodObservations,
  stepAlerts,
} from "./alerts.ts";

/** What the alert rules would have sent over a history of periods. */
export interface ReplayResult {
  readonly state: AlertState;
  /** Every notification with the period and time it would have gone out. */
  readonly fired: readonly (AlertNotification & { readonly at: string })[];
  readonly suppressed: readonly (MetricNotification & { readonly at: string })[];
  /** Count per metric and kind, for tuning a target. */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/**
 * Runs the state machine over stored periods, oldest first, from `initial` (default: no
 * open alerts). `timeOf` gives the instant each period was (or would have been) evaluated.
 */
export function replayAlerts(
  periods: readonly PeriodObservations[],
  rules: AlertRules,
  timeOf: (period: PeriodObservations) => Date,
  initial: AlertState = EMPTY_ALERT_STATE,
): ReplayResult {
  let state = initial;
  const fired: (AlertNotification & { at: string })[] = [];
  const suppressed: (MetricNotification & { at: string })[] = [];
  const counts: Record<string, Record<string, number>> = {};
  const ordered = [...periods].sort(
    (a, b) => a.report.localeCompare(b.report) || a.periodKey.localeCompare(b.periodKey),
  );
  for (const period of ordered) {
    const at = timeOf(period);
    const step = stepAlerts(state, period, rules, at);
    state = step.state;
    for (const n of step.notifications) {
      fired.push({ ...n, at: at.toISOString() });
      const subject = n.kind === "data_incomplete" ? `data:${n.table}` : n.metric;
      const perKind = counts[subject] ?? {};
      perKind[n.kind] = (perKind[n.kind] ?? 0) + 1;
      counts[subject] = perKind;
    }
    for (const n of step.suppressed) suppressed.push({ ...n, at: at.toISOString() });
  }
  return { state, fired, suppressed, counts };
}
