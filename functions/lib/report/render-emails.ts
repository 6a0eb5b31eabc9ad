/**
 * The render stage of a report run: the charts (one drawing per locale) and every email,
 * fully, before any is sent.
 */
import {
  chartAttachments,
  type EmailCharts,
  renderEmailCharts,
  sparklineHistoryRange,
} from "../charts/email-charts.ts";
import type { ChartRasterizer } from "../charts/raster.ts";
import type { OpsConfig } from "../config/load.ts";
import { metricTableAttachment } from "../export/metric-table.ts";
import type { Locale } from "../kpi/registry.ts";
import type { Period, UtcWindow } from "../kpi/windows.ts";
import type { SnapshotDocument, SnapshotStore } from "../ports.ts";
import type { ComputedKpis } from "./compute.ts";
import type { PlannedDelivery, RenderedDelivery } from "./deliveries.ts";
import type { PreviousStatuses, ReportLink, ReportNotice } from "./email/model.ts";
import { type ReportTemplates, renderReportEmail } from "./email/render.ts";
import { type EvaluatedRun, oneLine } from "./run-record.ts";
import { type RunReportRequest, rerunCommand } from "./run-request.ts";
import type { ReportSnapshot, ReportSnapshotDraft } from "./snapshot.ts";

/**
 * The emails' charts per locale (headline sparklines from the snapshot history, weekly
 * figures); a failure to draw leaves the emails without charts and adds a warning.
 */
export async function drawCharts(
  deps: { readonly snapshots: SnapshotStore; readonly charts: ChartRasterizer },
  input: {
    readonly report: RunReportRequest["report"];
    readonly period: Period;
    readonly evaluated: EvaluatedRun;
    readonly details: ComputedKpis["details"];
    readonly locales: readonly Locale[];
    /** The stored period key of a key of the configured zone (see `zonedKey`). */
    readonly storedKey: (key: string) => string;
  },
  warnings: string[],
): Promise<Record<string, EmailCharts>> {
  try {
    const range = sparklineHistoryRange(input.period);
    return await renderEmailCharts(
      {
        period: input.period,
        metrics: input.evaluated.metrics,
        history: await deps.snapshots.history(
          input.report,
          input.storedKey(range.fromKey),
          input.storedKey(range.toKey),
        ),
        details: input.details,
        locales: input.locales,
      },
      deps.charts,
    );
  } catch (error) {
    warnings.push(`charts were not drawn: ${oneLine(error)}`);
    return {};
  }
}

/** What every email of the run is rendered from. */
export interface RenderInput {
  readonly request: RunReportRequest;
  readonly runId: string;
  readonly period: Period;
  readonly periodKey: string;
  readonly window: UtcWindow;
  readonly evaluated: EvaluatedRun;
  readonly computed: ComputedKpis;
  readonly document: ReportSnapshotDraft;
  readonly snapshot: ReportSnapshot | undefined;
  /** The previous period's stored snapshot, when there is one. */
  readonly previous?: SnapshotDocument | undefined;
  readonly notices: readonly ReportNotice[];
  readonly links: readonly ReportLink[];
  readonly charts: Readonly<Record<string, EmailCharts>>;
}

/**
 * One email per planned delivery that is owed (every one in a dry run or a forced run;
 * else those not yet delivered), with its charts and the metric table attached.
 */
export function renderEmails(
  planned: readonly PlannedDelivery[],
  input: RenderInput,
  config: OpsConfig,
  templates: ReportTemplates,
): RenderedDelivery[] {
  const { request, snapshot, document, charts } = input;
  const dryRun = request.dryRun === true;
  return planned
    .filter((p) => dryRun || request.force || !p.previous)
    .map((p) => {
      const correctionOfRevision =
        request.force && p.previous ? (snapshot?.revision ?? 0) : undefined;
      const email = renderReportEmail(
        {
          ...(request.report === "campaigns" ? { report: "campaigns" as const } : {}),
          period: input.period,
          locale: p.list.locale,
          listName: p.list.name,
          metrics: input.evaluated.metrics,
          scoped: input.evaluated.scoped,
          scopeNames: input.computed.scopeNames,
          ...(input.previous ? { previous: input.previous as PreviousStatuses } : {}),
          details: input.computed.details,
          ...(document.drivers ? { drivers: document.drivers } : {}),
          notices: input.notices,
          currency: config.kpi.currency,
          minSample: config.kpi.minSample,
          provenance: {
            runId: input.runId,
            configVersion: config.version,
            window: input.window,
            periodKey: input.periodKey,
            revision: snapshot?.revision ?? null,
            comparedWith: document.comparedWith,
            rerunCommand: rerunCommand(request, input.period, config),
          },
          ...(correctionOfRevision !== undefined ? { correctionOfRevision } : {}),
          ...(charts[p.list.locale] ? { charts: charts[p.list.locale] } : {}),
          links: input.links,
        },
        templates,
      );
      const listCharts = charts[p.list.locale];
      const attachments = [
        ...(listCharts ? chartAttachments(listCharts) : []),
        metricTableAttachment(
          request.report,
          { ...document, revision: snapshot?.revision ?? null },
          p.list.locale,
        ),
      ];
      return { planned: p, email: { ...email, attachments } };
    });
}
