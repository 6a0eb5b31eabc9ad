/**
 * The pulse's alerts through the alert policy: each finding (kpi/pulse.ts) is an
 * observation of the alert state machine (kpi/alerts.ts) under report `pulse`, metric
 * `pulse_stall_<table>` or `pulse_pace_<table>`, scope `all` or `channel:<name>`, so that a
 * stall pages once per episode (keys from its first pulse), reminds at the policy's interval
 * (24 h by default: hourly pulses send nothing new while it lasts), and resolves once.
 * Routing is the policy's (`notify/policy.ts`) with the pulse's severities (pulse.yaml:
 * stalls page, pace notifies the data operations team); messages go through the same
 * channels and delivery log as every alert, once per (pulse, audience, contact point).
 */
import type { PulseConfig } from "../config/pulse.ts";
import type { AlertObservation, AlertRules, MetricNotification } from "../kpi/alerts.ts";
import type { PulseFinding, PulseResult } from "../kpi/pulse.ts";
import type { Locale } from "../kpi/registry.ts";
import type { PlannedMessage, RoutingRules } from "../notify/policy.ts";
import type { NoticeItem, NotificationMessage } from "../notify/ports.ts";

export const PULSE_REPORT = "pulse";

/** The alert metric of a finding (`pulse_stall_events`). */
export function pulseMetric(finding: Pick<PulseFinding, "rule" | "table">): string {
  return `pulse_${finding.rule}_${finding.table}`;
}

/** Every alert metric of the pulse (acked and silenced like registry metrics). */
export const PULSE_METRICS: readonly string[] = [
  "pulse_stall_events",
  "pulse_stall_orders",
  "pulse_pace_events",
  "pulse_pace_orders",
];

/** Whether `id` is one of {@link PULSE_METRICS}. */
export function isPulseMetric(id: string): boolean {
  return PULSE_METRICS.includes(id);
}

/** The period key of a pulse: its local day and minute (`2026-03-01T10:45`), sortable. */
export function pulsePeriodKey(result: Pick<PulseResult, "today" | "minuteOfDay">): string {
  const hh = String(Math.floor(result.minuteOfDay / 60)).padStart(2, "0");
  const mm = String(result.minuteOfDay % 60).padStart(2, "0");
  return `${result.today}T${hh}:${mm}`;
}

/** The findings as observations of the alert state machine. */
export function pulseObservations(result: PulseResult): AlertObservation[] {
  return result.findings.map((f) => ({
    metric: pulseMetric(f),
    scope: f.scope,
    status: f.status,
    value: f.value,
    target: f.target,
  }));
}

/** The alert rules of the pulse: the policy's, with the pace's "pulses in a row". */
export function pulseAlertRules(rules: AlertRules, pulse: PulseConfig): AlertRules {
  return {
    ...rules,
    forPeriodsByMetric: {
      ...rules.forPeriodsByMetric,
      pulse_pace_events: pulse.paceForPulses,
      pulse_pace_orders: pulse.paceForPulses,
      pulse_stall_events: 1,
      pulse_stall_orders: 1,
    },
  };
}

/** The routing of the pulse's metrics (their severities from pulse.yaml). */
export function pulseRouting(routing: RoutingRules, pulse: PulseConfig): RoutingRules {
  return {
    ...routing,
    metrics: {
      ...routing.metrics,
      pulse_stall_events: pulse.stallSeverity,
      pulse_stall_orders: pulse.stallSeverity,
      pulse_pace_events: pulse.paceSeverity,
      pulse_pace_orders: pulse.paceSeverity,
    },
  };
}

const TEXT: Readonly<
  Record<
    Locale,
    {
      table: (t: string) => string;
      stall: (table: string, scope: string) => string;
      pace: (table: string) => string;
      stallFigures: (minutes: number | null, expected: number | null) => string;
      paceFigures: (value: number | null, lower: number | null) => string;
      status: Readonly<Record<MetricNotification["kind"], string>>;
      subject: (who: string, key: string, lead: string) => string;
      driver: string;
      rerun: string;
    }
  >
> = {
  en: {
    table: (t) => (t === "events" ? "Events" : "Orders"),
    stall: (table, scope) => `${table} stalled${scope ? ` — channel ${scope}` : ""}`,
    pace: (table) => `${table} today below a normal day`,
    stallFigures: (minutes, expected) =>
      `${minutes === null ? "no valid record in today's partitions" : `no valid record for ${minutes} min`}; a normal day has about ${expected === null ? "?" : Math.round(expected)} then`,
    paceFigures: (value, lower) => `${value ?? "?"} so far vs at least ${lower ?? "?"} normally`,
    status: {
      start: "new",
      reminder: "still on",
      resolved: "resolved",
      error: "error",
    },
    subject: (who, key, lead) => `[OpsPulse] ${who} · pulse ${key}: ${lead}`,
    driver: "Driver: channel",
    rerun: "Pulse again",
  },
  "zh-CN": {
    table: (t) => (t === "events" ? "事件" : "订单"),
    stall: (table, scope) => `${table}中断${scope ? ` — 渠道 ${scope}` : ""}`,
    pace: (table) => `${table}今日进度低于正常水平`,
    stallFigures: (minutes, expected) =>
      `${minutes === null ? "今日分区中无有效记录" : `已 ${minutes} 分钟无有效记录`}；正常同期约 ${expected === null ? "?" : Math.round(expected)} 条`,
    paceFigures: (value, lower) => `至今 ${value ?? "?"}，正常至少 ${lower ?? "?"}`,
    status: { start: "新", reminder: "持续", resolved: "已恢复", error: "错误" },
    subject: (who, key, lead) => `[OpsPulse] ${who} · 脉搏 ${key}：${lead}`,
    driver: "驱动因素：渠道",
    rerun: "重新检查",
  },
};

/** A planned pulse message in `locale`, ready for the channels (email, chat). */
export function composePulseMessage(
  planned: PlannedMessage,
  locale: Locale,
  context: {
    readonly periodKey: string;
    readonly runId: string;
    readonly findings: readonly PulseFinding[];
    readonly rerunCommand: string;
  },
): NotificationMessage {
  const t = TEXT[locale];
  const items: NoticeItem[] = planned.notices.map((notice) => {
    const n = notice.notification as MetricNotification;
    const [, rule, table = ""] = n.metric.split("_");
    const channel = n.scope.startsWith("channel:") ? n.scope.slice("channel:".length) : "";
    const finding = context.findings.find(
      (f) => pulseMetric(f) === n.metric && f.scope === n.scope,
    );
    const title = rule === "stall" ? t.stall(t.table(table), channel) : t.pace(t.table(table));
    return {
      key: n.key,
      kind: n.kind,
      severity: notice.severity,
      report: n.report,
      periodKey: n.periodKey,
      table,
      status: n.status,
      value: n.value,
      target: n.target,
      ...(channel && n.kind !== "resolved"
        ? {
            driver: {
              dimension: "channel",
              title: t.driver,
              rows: [
                {
                  name: channel,
                  value: 0,
                  previous: finding?.expected ?? null,
                  change: null,
                  text: `${t.driver} ${channel}`,
                },
              ],
            },
          }
        : {}),
      text: {
        title,
        figures:
          rule === "stall"
            ? t.stallFigures(n.value, finding?.expected ?? null)
            : t.paceFigures(n.value, n.target),
        status: t.status[n.kind],
      },
    };
  });
  const who = planned.audience.kind === "on_call" ? "on-call" : planned.audience.owner;
  const first = items[0];
  const lead = first
    ? `${first.text.title}: ${first.text.status}${items.length > 1 ? ` (+${items.length - 1})` : ""}`
    : "";
  return {
    key: `notify:${PULSE_REPORT}:${context.periodKey}:${planned.audience.id}`,
    audience: planned.audience,
    locale,
    kind: planned.kind,
    report: PULSE_REPORT,
    periodKey: context.periodKey,
    runId: context.runId,
    subject: t.subject(who, context.periodKey, lead),
    items,
    links: [],
    commands: [{ label: t.rerun, command: context.rerunCommand }],
  };
}
