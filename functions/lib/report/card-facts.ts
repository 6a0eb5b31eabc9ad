/**
 * What a run's summary card shows besides its name and period — the judged metrics, the
 * currency they are shown in and the command that re-runs the run — as plain data. The
 * scheduled chat summary builds its card from it, and a run's summary carries it, so that
 * a chat command's reply (built from the ad-hoc Lambda's answer) shows the same card.
 */
import type { OpsConfig } from "../config/load.ts";
import type { EvaluatedMetric } from "../kpi/evaluate.ts";
import { type JudgedMetric, judgedMetrics } from "../kpi/judged.ts";
import type { Period } from "../kpi/windows.ts";
import { type RunReportRequest, rerunCommand } from "./run-request.ts";

/** The facts of a run's summary card (see `chat/card.ts` `buildSummaryCard`). */
export interface RunCardFacts {
  readonly currency: string;
  readonly rerunCommand: string;
  /** The report-wide judged metrics, in the run's order. */
  readonly metrics: readonly JudgedMetric[];
}

export function runCardFacts(
  metrics: readonly EvaluatedMetric[],
  request: RunReportRequest,
  period: Period,
  config: OpsConfig,
): RunCardFacts {
  return {
    currency: config.kpi.currency,
    rerunCommand: rerunCommand(request, period, config),
    metrics: judgedMetrics(metrics, period.kind),
  };
}
