/**
 * The anomaly stages of a report run, between evaluation and the snapshot:
 *
 * 1. `loadBands` — each watched metric's baseline band, from the stored snapshots of its
 *    past periods (SnapshotStore.history; one read for every metric);
 * 2. `applyBands` — status `anomaly` for values outside their band (kpi/anomaly.ts, pure);
 * 3. `explainFlagged` — the drivers of every anomalous or breaching metric that declares
 *    dimensions, from one run of `queries/anomaly_drivers.sql` over the rollups, and
 *    Adtributor's explanatory power and surprise (kpi/drivers.ts, pure).
 *
 * The bands and drivers go into the snapshot, so a replay, the dashboard and the alerts read
 * them instead of recomputing them.
 */
import {
  type AnomalySettings,
  type BandedEvaluation,
  baselineSettingsOf,
  judgeAgainstBand,
} from "../kpi/anomaly.ts";
import {
  type Band,
  bandReadRange,
  baselineBand,
  type CampaignSpan,
  campaignAware,
  candidatePeriodStarts,
  onCalendar,
  type PastValue,
  type SamplingNoise,
} from "../kpi/baseline-band.ts";
import { campaignFromRow } from "../kpi/campaigns.ts";
import { type Driver, type ElementChange, findDrivers } from "../kpi/drivers.ts";
import type { EvaluatedMetric } from "../kpi/evaluate.ts";
import { metric } from "../kpi/registry.ts";
import { isoWeekLabel, type Period } from "../kpi/windows.ts";
import type { QueryEngine, QueryStats, Row, SnapshotDocument, SnapshotStore } from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import { queryOverRollups, rollupDays } from "../rollups/refresh.ts";
import type { KpiSettings } from "./modules.ts";
import type { ReportSnapshot } from "./snapshot.ts";

/** Bands by metric id (metrics without a band are absent). */
export type Bands = Readonly<Record<string, Band>>;

/** Drivers by metric id, best first (metrics not flagged, or without dimensions, absent). */
export type DriversByMetric = Readonly<Record<string, readonly Driver[]>>;

/** Where a run's band history comes from. */
export interface BandSource {
  readonly snapshots: Pick<SnapshotStore, "history">;
  readonly report: string;
  readonly period: Period;
  /** The stored key of a period key (with the zone segment of a run in another zone). */
  readonly storedKey: (periodKey: string) => string;
  readonly anomalies: AnomalySettings | undefined;
  /** The campaigns running in the days the bands read (campaign-aware bands need them). */
  readonly campaigns?: readonly CampaignSpan[];
}

/**
 * The band of every watched metric among `metricIds`, learned from the stored snapshots of
 * the period's past periods (their latest revisions, read in one history call).
 */
export async function loadBands(source: BandSource, metricIds: readonly string[]): Promise<Bands> {
  const { period, anomalies: settings } = source;
  const watched = metricIds
    .map((id) => ({ id, settings: baselineSettingsOf(settings, id) }))
    .filter((m) => m.settings.enabled);
  if (watched.length === 0) return {};
  // The candidate past periods and, for level-adjusted bands, the 7 days before them.
  const ranges = watched.map((m) => bandReadRange(period, m.settings));
  const from = ranges.map((r) => r.from).sort()[0] as string;
  const to = ranges
    .map((r) => r.to)
    .sort()
    .at(-1) as string;
  const keyOf = (start: string) => (period.kind === "day" ? start : isoWeekLabel(start));
  const docs = await source.snapshots.history(
    source.report,
    source.storedKey(keyOf(from)),
    source.storedKey(keyOf(to)),
  );
  const snapshots = docs as unknown as readonly Partial<ReportSnapshot>[];
  const calendar = new Set(settings?.calendar ?? []);
  const bands: Record<string, Band> = {};
  for (const metric of watched) {
    const past: PastValue[] = snapshots.flatMap((doc) => {
      const stored = doc.metrics?.[metric.id];
      if (!doc.period || !stored) return [];
      return [
        {
          periodKey: keyOf(doc.period.start),
          start: doc.period.start,
          value: stored.value,
          complete: stored.status !== "data_incomplete",
          ...(stored.band ? { mad: stored.band.mad } : {}),
          ...(stored.sample !== undefined ? { sample: stored.sample } : {}),
        },
      ];
    });
    const band = baselineBand(
      period,
      past,
      metric.settings,
      calendar,
      noiseOf(metric.id),
      source.campaigns,
    );
    if (band) bands[metric.id] = band;
  }
  return bands;
}

/** How a metric varies by chance: counts are Poisson, percentages binomial shares. */
export function noiseOf(metricId: string): SamplingNoise {
  const unit = metric(metricId).unit;
  return unit === "count" ? "count" : unit === "percent" ? "share" : "none";
}

/** The metrics with their bands applied (status `anomaly` where a value is outside). */
export function applyBands(
  metrics: readonly EvaluatedMetric[],
  bands: Bands,
  period: Period,
  settings: AnomalySettings | undefined,
): EvaluatedMetric[] {
  const holiday = onCalendar(period, new Set(settings?.calendar ?? []));
  return metrics.map((m) => {
    const band = bands[m.def.id];
    if (!band) return m;
    const evaluation: BandedEvaluation = judgeAgainstBand(
      m.evaluation,
      band,
      baselineSettingsOf(settings, m.def.id),
      holiday,
    );
    return { ...m, evaluation };
  });
}

/** What explaining needs to run its query. */
export interface DriverContext {
  readonly engine: QueryEngine;
  readonly catalog: QueryCatalog;
  readonly period: Period;
  readonly settings: Pick<KpiSettings, "privateDomainChannels">;
  readonly now: Date;
  readonly anomalies: AnomalySettings | undefined;
}

/** The metrics a run explains: anomalous or breaching, daily, with declared dimensions. */
export function flaggedMetrics(metrics: readonly EvaluatedMetric[]): EvaluatedMetric[] {
  return metrics.filter(
    (m) =>
      m.def.drivers !== undefined &&
      (m.evaluation.status === "anomaly" || m.evaluation.status === "breach") &&
      m.evaluation.value !== null,
  );
}

/**
 * The drivers of every flagged metric (see {@link flaggedMetrics}), from one query for all
 * of them; none for a weekly period (the rollups are daily; the weekly band still flags).
 */
export async function explainFlagged(
  context: DriverContext,
  metrics: readonly EvaluatedMetric[],
): Promise<{ readonly drivers: DriversByMetric; readonly stats: readonly QueryStats[] }> {
  const { period } = context;
  const flagged = period.kind === "day" ? flaggedMetrics(metrics) : [];
  if (flagged.length === 0) return { drivers: {}, stats: [] };
  const baselineOf = (m: EvaluatedMetric): string[] => {
    const band = (m.evaluation as BandedEvaluation).band;
    if (band) return [...band.basis];
    // A breach without a band: the days the band would look at.
    const settings = baselineSettingsOf(context.anomalies, m.def.id);
    return candidatePeriodStarts(period, settings).slice(0, settings.periods);
  };
  const baselines = new Map(flagged.map((m) => [m.def.id, baselineOf(m)]));
  const days = rollupDays([period.start, ...[...baselines.values()].flat()]);
  const window = { from: days.from, to: days.to, days: days.days ?? [] };
  const prepared = await queryOverRollups(
    { ...context, timeZone: period.timeZone },
    "anomaly_drivers",
    {
      user_day: window,
      channel_user_day: window,
      order_day: window,
      campaign_user_day: window,
    },
  );
  const result = await context.engine.run(prepared.query, {
    metrics: flagged.map((m) => m.def.id),
    report_day: period.start,
    days: window.days,
    baseline_keys: [...baselines.entries()].flatMap(([id, list]) => list.map((d) => `${id}|${d}`)),
  });
  const drivers: Record<string, readonly Driver[]> = {};
  for (const m of flagged) {
    // Without enough baseline days holding data, a forecast of 0 would make every element
    // "new": no drivers rather than meaningless ones.
    const minHistory = baselineSettingsOf(context.anomalies, m.def.id).minHistory;
    const elements = result.rows
      .filter((row) => row.metric === m.def.id && Number(row.baseline_days) >= minHistory)
      .map(elementChange);
    if (elements.length === 0) continue;
    const band = (m.evaluation as BandedEvaluation).band;
    const spec = m.def.drivers;
    if (!spec) continue;
    const found = findDrivers(
      {
        kind: spec.measure,
        ...(spec.overlapping ? { overlapping: spec.overlapping } : {}),
        actual: m.evaluation.value as number,
        forecast: band?.median ?? forecastOfFirstDimension(elements),
      },
      elements,
    );
    if (found.length > 0) drivers[m.def.id] = found;
  }
  return { drivers, stats: [...prepared.stats, result.stats] };
}

/** One row of `anomaly_drivers.sql` as an element change (a median is the middle values' mean). */
export function elementChange(row: Row): ElementChange {
  const num = (cell: unknown) => (cell === null || cell === undefined ? null : Number(cell));
  const middle = (low: unknown, high: unknown) => {
    const [a, b] = [num(low), num(high)];
    return a === null || b === null ? 0 : (a + b) / 2;
  };
  const denominator = num(row.actual_denominator);
  return {
    dimension: String(row.dimension),
    element: String(row.element),
    actual: num(row.actual) ?? 0,
    forecast: middle(row.median_low, row.median_high),
    ...(denominator !== null
      ? {
          actualDenominator: denominator,
          forecastDenominator: middle(row.median_low_denominator, row.median_high_denominator),
        }
      : {}),
  };
}

function forecastOfFirstDimension(elements: readonly ElementChange[]): number {
  const first = elements[0]?.dimension;
  return elements.filter((e) => e.dimension === first).reduce((s, e) => s + e.forecast, 0);
}

/** What {@link judgeAnomalies} needs: the band source and the drivers' query context. */
export type AnomalyStageDeps = BandSource & DriverContext;

/**
 * The anomaly stage of a run: bands from the stored history, status `anomaly` where a value
 * is outside its band, then the drivers of every anomalous or breaching metric.
 */
export async function judgeAnomalies(
  deps: AnomalyStageDeps,
  metrics: readonly EvaluatedMetric[],
): Promise<{
  readonly metrics: EvaluatedMetric[];
  readonly drivers: DriversByMetric;
  readonly stats: readonly QueryStats[];
}> {
  const ids = metrics.map((m) => m.def.id);
  const campaigns = await loadCampaignSpans(deps, ids);
  const bands = await loadBands({ ...deps, campaigns: campaigns.spans }, ids);
  const banded = applyBands(metrics, bands, deps.period, deps.anomalies);
  const explained = await explainFlagged(deps, banded);
  return { metrics: banded, ...explained, stats: [...campaigns.stats, ...explained.stats] };
}

/**
 * The campaigns running in the days the campaign-aware bands among `metricIds` read, from
 * the campaigns dimension (`campaigns_in_scope.sql`); none, and no query, when no band is
 * campaign-aware.
 */
export async function loadCampaignSpans(
  deps: Pick<AnomalyStageDeps, "engine" | "catalog" | "period" | "anomalies">,
  metricIds: readonly string[],
): Promise<{ readonly spans: readonly CampaignSpan[]; readonly stats: readonly QueryStats[] }> {
  const { period } = deps;
  const aware = metricIds
    .map((id) => baselineSettingsOf(deps.anomalies, id))
    .filter((settings) => settings.enabled && campaignAware(period, settings));
  if (aware.length === 0) return { spans: [], stats: [] };
  const from = aware.map((settings) => bandReadRange(period, settings).from).sort()[0] as string;
  const result = await deps.engine.run(deps.catalog.get("campaigns_in_scope"), {
    snapshot_date: period.start,
    final_date: from,
  });
  const spans = result.rows.map((row) => {
    const campaign = campaignFromRow(row);
    return { id: campaign.id, start: campaign.startDate, end: campaign.endDate };
  });
  return { spans, stats: [result.stats] };
}

/** The statuses "needs attention" lists, which can be new or ongoing. */
const ATTENTION = new Set(["breach", "anomaly", "warning"]);

/**
 * The metrics with `ongoing` set where the previous period's stored snapshot had the same
 * attention status (report-wide metrics, or those of `scope`), so that "needs attention"
 * can list what is new first.
 */
export function markOngoing(
  metrics: readonly EvaluatedMetric[],
  previous: SnapshotDocument | undefined,
  scope?: string,
): EvaluatedMetric[] {
  const doc = previous as Partial<ReportSnapshot> | undefined;
  const stored = scope === undefined ? doc?.metrics : doc?.scoped?.[scope];
  return metrics.map((m) => {
    const status = m.evaluation.status;
    if (!ATTENTION.has(status) || stored?.[m.def.id]?.status !== status) return m;
    const evaluation: BandedEvaluation = { ...m.evaluation, ongoing: true };
    return { ...m, evaluation };
  });
}
