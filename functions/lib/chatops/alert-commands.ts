/**
 * The chat's status, ack and silence, on the alert state store (the local out/ folder or S3)
 * with its compare-and-swap, as `opspulse alerts status|ack|silence` do. Status is short, for
 * a chat: the last period judged per report, the alerts that need attention, the silences.
 */

import { AlertStateConflictError, changeAlertState as changeAlertStateOf } from "../alerts/acks.ts";
import {
  type AlertTarget,
  ackAlert,
  activeSilences,
  parseAlertTarget,
  silenceAlert,
} from "../kpi/alert-acks.ts";
import { type AlertState, parseAlertState } from "../kpi/alert-state.ts";
import { isMetricId, type Locale } from "../kpi/registry.ts";
import type { AlertStateStore } from "../ports.ts";
import type { ChatRunner } from "./handle.ts";

/** Most alerts a status reply lists. */
const MAX_LISTED = 8;

export function alertCommands(
  store: AlertStateStore,
  clock: { now(): Date },
): Pick<ChatRunner, "status" | "ack" | "silence"> {
  return {
    async status(locale: Locale) {
      const state = parseAlertState((await store.load()).state);
      const records = Object.values(state.records);
      const en = locale === "en";
      const lastPeriods = new Map<string, string>();
      for (const record of records) {
        const seen = lastPeriods.get(record.report);
        if (!seen || record.lastPeriod > seen) lastPeriods.set(record.report, record.lastPeriod);
      }
      const lines = [
        lastPeriods.size === 0
          ? en
            ? "No report has been judged yet."
            : "还没有运行过报告。"
          : `${en ? "Last runs" : "最近运行"}: ${[...lastPeriods]
              .sort()
              .map(([report, period]) => `${report} ${period}`)
              .join(" · ")}`,
      ];
      const open = records
        .filter((record) => record.state !== "ok")
        .sort((a, b) => a.state.localeCompare(b.state) || a.metric.localeCompare(b.metric));
      lines.push(
        open.length === 0
          ? en
            ? "No open alerts."
            : "没有未解决的告警。"
          : `${en ? "Open alerts" : "未解决告警"} (${open.length}):`,
      );
      for (const record of open.slice(0, MAX_LISTED)) {
        const scope = record.scope === "all" || record.scope === "*" ? "" : `/${record.scope}`;
        const since = record.streak ? ` since ${record.streak.start}` : "";
        const acked = record.episode?.ack ? ` · acked by ${record.episode.ack.by}` : "";
        lines.push(
          `  ${record.report} ${record.metric}${scope}: ${record.state.replaceAll("_", " ")}${since}${acked}`,
        );
      }
      if (open.length > MAX_LISTED) lines.push(`  … ${open.length - MAX_LISTED} more`);
      for (const silence of activeSilences(state, clock.now())) {
        lines.push(
          `${en ? "Silenced" : "已静默"}: ${silence.metric}${silence.scope ? `/${silence.scope}` : ""} until ${silence.until} (${silence.by})`,
        );
      }
      return lines.join("\n");
    },
    async ack(metric, by, at) {
      const target = metricTarget(metric, false);
      const { result } = await changeAlertState(store, (state) => {
        const acked = ackAlert(state, target, { by, at });
        return { state: acked.state, result: acked.acked };
      });
      return `Acknowledged ${metric} by ${by} (${result.join(", ")}).`;
    },
    async silence(metric, until, reason, by, at) {
      const target = metricTarget(metric, true);
      await changeAlertState(store, (state) => ({
        state: silenceAlert(state, target, { until, reason }, { by, at }),
        result: undefined,
      }));
      return `Silenced ${metric} until ${until.toISOString()} by ${by}.`;
    },
  };
}

function metricTarget(text: string, wildcard: boolean): AlertTarget {
  const target = parseAlertTarget(text);
  if (!(isMetricId(target.metric) || (wildcard && target.metric === "*"))) {
    throw new Error(
      `"${target.metric}" is not a metric id: send "status" to see the alerts' metrics`,
    );
  }
  return target;
}

/** `alerts/acks.ts`'s compare-and-swap, its conflict worded for a person in the chat. */
async function changeAlertState<T>(
  store: AlertStateStore,
  change: (state: AlertState) => { readonly state: AlertState; readonly result: T },
): Promise<{ readonly result: T }> {
  try {
    return await changeAlertStateOf(store, change);
  } catch (error) {
    if (!(error instanceof AlertStateConflictError)) throw error;
    throw new Error(error.message.replace("run it again", "send it again"), { cause: error });
  }
}
