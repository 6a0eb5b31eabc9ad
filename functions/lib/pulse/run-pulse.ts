/**
 * The pulse use case (issue 24): read today so far, judge it, alert through the policy,
 * store the result, rewrite the "today" page. Runs the same from the CLI (`opspulse pulse`)
 * and the `pulse` Lambda (EventBridge Scheduler, every hour by default):
 *
 * ```
 * plan (local day, partitions, baseline days) → read (one query per raw table)
 *   → evaluate (pure, kpi/pulse.ts) → alert (state machine + policy; nothing per pulse
 *   unless an alert starts, reminds or resolves) → store (pulses/<day>.jsonl) → today page
 * ```
 *
 * `replay: true` judges with a given in-memory alert state and sends and stores nothing
 * (`opspulse replay --pulses`): pulses replayed over history, by event time.
 */
import { randomUUID } from "node:crypto";
import { advanceAlertState } from "../alerts/advance.ts";
import { DEFAULT_ALERT_SETTINGS, DEFAULT_ROUTING } from "../alerts/config.ts";
import type { OpsConfig } from "../config/load.ts";
import { DEFAULT_PULSE_CONFIG } from "../config/pulse.ts";
import type { AlertNotification, AlertState } from "../kpi/alerts.ts";
import { stepAlerts } from "../kpi/alerts.ts";
import { evaluatePulse, type PulseResult } from "../kpi/pulse.ts";
import { contactPointsOf, deliverMessage, type MessageOutcome } from "../notify/deliver.ts";
import { planNotifications } from "../notify/policy.ts";
import type { Channel } from "../notify/ports.ts";
import type {
  AlertStateStore,
  ArtifactStore,
  Clock,
  DeliveryLog,
  Mailer,
  QueryEngine,
  QueryStats,
  RunLog,
} from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import type { QueryFile } from "../query/query-file.ts";
import {
  composePulseMessage,
  PULSE_REPORT,
  pulseAlertRules,
  pulseObservations,
  pulsePeriodKey,
  pulseRouting,
} from "./alerts.ts";
import { type LakeArrivals, planPulse, readPulse } from "./compute.ts";
import { createPulseEmailChannel } from "./email.ts";
import type { PulseStore } from "./store.ts";
import { renderTodayPages } from "./today-page.ts";

/** What a pulse reads, judges with and writes to. */
export interface PulseDeps {
  readonly engine: QueryEngine;
  readonly catalog: QueryCatalog;
  readonly config: OpsConfig;
  readonly clock: Clock;
  readonly alertState: AlertStateStore;
  readonly deliveries: DeliveryLog;
  readonly mailer: Mailer;
  readonly pulses: PulseStore;
  readonly runLog?: RunLog;
  readonly arrivals?: LakeArrivals;
  /** Where the today page goes (`dashboard/today.html`); none: not written. */
  readonly artifacts?: ArtifactStore;
  /** Channels besides email (chat); default: email through `mailer`. */
  readonly channels?: readonly Channel[];
}

export interface PulseRequest {
  /** The pulse's instant (default: the clock's now); later records are ignored. */
  readonly at?: Date;
}

export interface PulseSummary {
  readonly runId: string;
  readonly periodKey: string;
  readonly result: PulseResult;
  readonly notifications: readonly AlertNotification[];
  readonly messages: readonly MessageOutcome[];
  readonly stats: readonly QueryStats[];
  readonly pages: readonly string[];
}

/** One pulse: read, judge, alert, store, page (see the module comment). */
export async function runPulse(deps: PulseDeps, request: PulseRequest = {}): Promise<PulseSummary> {
  const runId = `pulse-${randomUUID().slice(0, 8)}`;
  const at = request.at ?? deps.clock.now();
  const result = await evaluateAt(deps, at);
  const periodKey = pulsePeriodKey(result.result);
  const alerts = await alertPulse(deps, result.result, periodKey, runId, at);
  await deps.pulses.append({
    ...result.result,
    runId,
    notifications: alerts.notifications.map((n) => ({ key: n.key, kind: n.kind })),
  });
  const pages = await writeTodayPage(deps, result.result, at);
  await deps.runLog?.append({
    type: "pulse",
    runId,
    periodKey,
    at: at.toISOString(),
    findings: result.result.findings.filter((f) => f.status === "breach"),
    notifications: alerts.notifications.map((n) => ({ key: n.key, kind: n.kind })),
    messages: alerts.messages.map((m) => ({ key: m.key, status: m.status })),
    queries: result.stats,
  });
  const failed = alerts.messages.filter((m) => m.status === "failed" && m.channel === "email");
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} pulse alert message(s) failed to send (${failed.map((m) => `${m.key}: ${m.error}`).join("; ")}); their claims were released, so the next pulse retries them.`,
    );
  }
  return { runId, periodKey, ...result, ...alerts, pages };
}

/** Reads and judges the pulse at `at` (no alert, no store). */
export async function evaluateAt(
  deps: Pick<PulseDeps, "engine" | "catalog" | "config" | "arrivals" | "clock">,
  at: Date,
  ready?: Map<string, QueryFile>,
): Promise<{ readonly result: PulseResult; readonly stats: readonly QueryStats[] }> {
  const pulse = deps.config.pulse ?? DEFAULT_PULSE_CONFIG;
  const plan = planPulse(at, deps.config.timeZone, pulse.settings);
  const reads = await readPulse(deps, plan, {
    now: deps.clock.now(),
    privateDomainChannels: deps.config.kpi.privateDomainChannels,
    ...(ready ? { ready } : {}),
  });
  const calendar = deps.config.anomalies?.calendar;
  const result = evaluatePulse({
    at,
    timeZone: plan.timeZone,
    today: plan.today,
    dayStart: plan.dayStart,
    rows: reads.rows,
    newestArrival: reads.newestArrival,
    settings: pulse.settings,
    ...(calendar ? { calendar: new Set(calendar) } : {}),
  });
  return { result, stats: reads.stats };
}

async function alertPulse(
  deps: PulseDeps,
  result: PulseResult,
  periodKey: string,
  runId: string,
  at: Date,
): Promise<{ notifications: AlertNotification[]; messages: MessageOutcome[] }> {
  const pulse = deps.config.pulse ?? DEFAULT_PULSE_CONFIG;
  const settings = deps.config.alerts ?? DEFAULT_ALERT_SETTINGS;
  const step = await advanceAlertState(
    deps.alertState,
    { report: PULSE_REPORT, periodKey, observations: pulseObservations(result) },
    pulseAlertRules(settings.rules, pulse),
    at,
  );
  const plan = planNotifications(
    step.notifications,
    pulseRouting(settings.routing ?? DEFAULT_ROUTING, pulse),
    new Map(),
    step.acknowledged,
  );
  const channels = [
    createPulseEmailChannel({ mailer: deps.mailer, sender: deps.config.sender }),
    ...(deps.channels ?? []),
  ];
  const messages: MessageOutcome[] = [];
  for (const planned of plan.messages) {
    for (const contact of contactPointsOf(planned.audience, deps.config)) {
      const message = composePulseMessage(planned, contact.locale, {
        periodKey,
        runId,
        findings: result.findings,
        rerunCommand: `opspulse pulse --at ${at.toISOString()}`,
      });
      messages.push(await deliverMessage(deps, channels, message, contact));
    }
  }
  return { notifications: [...step.notifications], messages };
}

async function writeTodayPage(deps: PulseDeps, result: PulseResult, at: Date): Promise<string[]> {
  if (!deps.artifacts) return [];
  const pages = renderTodayPages(result, at);
  const locations: string[] = [];
  for (const page of pages) {
    locations.push(
      (await deps.artifacts.put(page.key, page.html, "text/html; charset=utf-8")).location,
    );
  }
  return locations;
}

/** What replaying pulses over history would have sent. */
export interface PulseReplay {
  readonly pulses: number;
  readonly notifications: readonly AlertNotification[];
}

/**
 * Replays pulses at `instants` (ascending) with an in-memory alert state: judged by event
 * time, nothing sent or stored (file arrivals are not known for the past).
 */
export async function replayPulses(
  deps: Pick<PulseDeps, "engine" | "catalog" | "config" | "clock">,
  instants: readonly Date[],
  onPulse?: (result: PulseResult, notifications: readonly AlertNotification[]) => void,
): Promise<PulseReplay> {
  const pulse = deps.config.pulse ?? DEFAULT_PULSE_CONFIG;
  const settings = deps.config.alerts ?? DEFAULT_ALERT_SETTINGS;
  const rules = pulseAlertRules(settings.rules, pulse);
  const routing = pulseRouting(settings.routing ?? DEFAULT_ROUTING, pulse);
  let state: AlertState = { schemaVersion: 1, records: {} };
  const notifications: AlertNotification[] = [];
  const ready = new Map<string, QueryFile>();
  for (const at of instants) {
    const { result } = await evaluateAt(deps, at, ready);
    const step = stepAlerts(
      state,
      {
        report: PULSE_REPORT,
        periodKey: pulsePeriodKey(result),
        observations: pulseObservations(result),
      },
      rules,
      at,
    );
    state = step.state;
    const routed = planNotifications(step.notifications, routing);
    const sent = routed.messages.flatMap((m) => m.notices.map((n) => n.notification));
    notifications.push(...sent);
    onPulse?.(result, sent);
  }
  return { pulses: instants.length, notifications };
}
