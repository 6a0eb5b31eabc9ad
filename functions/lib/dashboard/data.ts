/**
 * What the dashboard shows, read from the snapshot history only: the daily and weekly
 * snapshots of a date range (latest revision of each period) and each campaign's ROI curve —
 * from the `campaigns` report's own snapshots when that report exists, else from the
 * per-campaign metrics the daily report stores. No query runs: the page costs a few reads.
 */
import { addDays, daysBetween, type IsoDate, isoWeekLabel } from "../kpi/windows.ts";
import type { SnapshotDocument, SnapshotStore } from "../ports.ts";
import { isZonedKey, type MetricSnapshot, type ReportSnapshot } from "../report/snapshot.ts";

/** Days the dashboard covers by default (ending with the newest daily snapshot). */
export const DEFAULT_DASHBOARD_DAYS = 90;

/** A stored report snapshot as the dashboard reads it (older documents may lack fields). */
export type StoredSnapshot = SnapshotDocument & Partial<ReportSnapshot>;

/** One point of a campaign's ROI curve. */
export interface CampaignPoint {
  /** Day of the campaign the snapshot covers up to (1 = its first day). */
  readonly day: number;
  readonly date: IsoDate;
  readonly roi: number | null;
  readonly final: boolean;
}

/** A campaign's snapshots over its days. */
export interface CampaignCurve {
  readonly campaignId: string;
  readonly name: string;
  readonly points: readonly CampaignPoint[];
  /** The ROI threshold it was judged against (the newest snapshot's). */
  readonly target: number | null;
  /** The newest snapshot's per-campaign metrics. */
  readonly latest: Readonly<Record<string, MetricSnapshot>>;
}

/** Everything one dashboard page is made from. */
export interface DashboardData {
  readonly from: IsoDate;
  readonly to: IsoDate;
  readonly daily: readonly StoredSnapshot[];
  readonly weekly: readonly StoredSnapshot[];
  readonly campaigns: readonly CampaignCurve[];
  /** Where the campaign curves came from. */
  readonly campaignSource: "campaigns report" | "daily report" | "none";
}

/** The date range of a dashboard: `to` (default: the newest daily snapshot), `days` back. */
export async function dashboardRange(
  snapshots: SnapshotStore,
  options: { readonly from?: IsoDate; readonly to?: IsoDate; readonly days?: number },
): Promise<{ from: IsoDate; to: IsoDate } | undefined> {
  let to = options.to;
  if (!to) {
    const all = await snapshots.history("daily", "0000-00-00", "9999-99-99");
    const newest = all.at(-1)?.periodKey;
    if (!newest) return undefined;
    to = newest;
  }
  const from = options.from ?? addDays(to, 1 - (options.days ?? DEFAULT_DASHBOARD_DAYS));
  return { from, to };
}

/** Reads the snapshots of `from` … `to` (local dates) for the dashboard. */
export async function loadDashboardData(
  snapshots: SnapshotStore,
  range: { readonly from: IsoDate; readonly to: IsoDate },
): Promise<DashboardData> {
  const { from, to } = range;
  const [daily, weekly, campaignDocs] = await Promise.all([
    snapshots.history("daily", from, to),
    snapshots.history("weekly", isoWeekLabel(from), isoWeekLabel(to)),
    snapshots.history("campaigns", "", "\uffff").catch(() => []),
  ]);
  const inRange = (date: IsoDate | undefined) => date !== undefined && date >= from && date <= to;
  // The dashboard shows the configured zone: documents of a `--tz` re-run are keyed apart.
  const fromCampaignsReport = campaignCurvesFromCampaignsReport(
    (campaignDocs as StoredSnapshot[]).filter(
      (doc) => !isZonedKey(doc.periodKey) && inRange(campaignDate(doc)),
    ),
  );
  const fromDaily = campaignCurvesFromDaily(daily as StoredSnapshot[]);
  const campaigns = fromCampaignsReport.length > 0 ? fromCampaignsReport : fromDaily;
  return {
    from,
    to,
    daily: daily as StoredSnapshot[],
    weekly: weekly as StoredSnapshot[],
    campaigns,
    campaignSource:
      fromCampaignsReport.length > 0
        ? "campaigns report"
        : fromDaily.length > 0
          ? "daily report"
          : "none",
  };
}

/** The campaign summary rows the daily report stores in `details.campaigns`. */
interface CampaignDetail {
  readonly campaignId?: string;
  readonly name?: string;
  readonly campaignDay?: number;
  readonly throughDate?: string;
  readonly startDate?: string;
  readonly final?: boolean;
}

/** Curves from the per-campaign metrics (`scoped`) of daily snapshots. */
export function campaignCurvesFromDaily(daily: readonly StoredSnapshot[]): CampaignCurve[] {
  const byCampaign = new Map<
    string,
    { name: string; points: CampaignPoint[]; doc: StoredSnapshot }
  >();
  for (const doc of daily) {
    const details = Array.isArray(doc.details?.campaigns)
      ? (doc.details.campaigns as CampaignDetail[])
      : [];
    for (const [campaignId, metrics] of Object.entries(doc.scoped ?? {})) {
      const roi = metrics.campaign_roi;
      if (!roi) continue;
      const detail = details.find((d) => d.campaignId === campaignId);
      const date = doc.periodKey;
      const entry = byCampaign.get(campaignId) ?? {
        name: detail?.name ?? campaignId,
        points: [],
        doc,
      };
      entry.points.push({
        day: detail?.campaignDay ?? dayOf(detail?.startDate, date, entry.points),
        date,
        roi: roi.value,
        final: detail?.final === true,
      });
      entry.doc = doc;
      byCampaign.set(campaignId, entry);
    }
  }
  return [...byCampaign.entries()]
    .map(([campaignId, { name, points, doc }]) => {
      const latest = doc.scoped?.[campaignId] ?? {};
      return {
        campaignId,
        name,
        points: dedupeByDay(points),
        target: latest.campaign_roi?.threshold ?? null,
        latest,
      };
    })
    .sort((a, b) => (a.campaignId < b.campaignId ? -1 : 1));
}

/**
 * Curves from the `campaigns` report: one document per campaign and day, keyed
 * `<campaign>/<date>`, whose metrics are the campaign's (report-wide or scoped by id).
 */
export function campaignCurvesFromCampaignsReport(
  docs: readonly StoredSnapshot[],
): CampaignCurve[] {
  const byCampaign = new Map<string, StoredSnapshot[]>();
  for (const doc of docs) {
    const campaignId = doc.periodKey.split("/")[0] ?? doc.periodKey;
    byCampaign.set(campaignId, [...(byCampaign.get(campaignId) ?? []), doc]);
  }
  const curves: CampaignCurve[] = [];
  for (const [campaignId, list] of byCampaign) {
    const sorted = [...list].sort((a, b) => (a.periodKey < b.periodKey ? -1 : 1));
    const metricsOf = (doc: StoredSnapshot) => doc.scoped?.[campaignId] ?? doc.metrics ?? {};
    const detailOf = (doc: StoredSnapshot): CampaignDetail => {
      const details = doc.details ?? {};
      const single = (details.campaign ?? details.snapshot) as CampaignDetail | undefined;
      const listed = Array.isArray(details.campaigns)
        ? (details.campaigns as CampaignDetail[]).find((d) => d.campaignId === campaignId)
        : undefined;
      return single ?? listed ?? {};
    };
    const points: CampaignPoint[] = [];
    for (const doc of sorted) {
      const roi = metricsOf(doc).campaign_roi;
      if (!roi) continue;
      const detail = detailOf(doc);
      const date = campaignDate(doc) ?? doc.periodKey;
      points.push({
        day: detail.campaignDay ?? dayOf(detail.startDate, date, points),
        date,
        roi: roi.value,
        final: detail.final === true,
      });
    }
    const newest = sorted.at(-1);
    if (points.length === 0 || !newest) continue;
    const latest = metricsOf(newest);
    curves.push({
      campaignId,
      name: detailOf(newest).name ?? campaignId,
      points: dedupeByDay(points),
      target: latest.campaign_roi?.threshold ?? null,
      latest,
    });
  }
  return curves.sort((a, b) => (a.campaignId < b.campaignId ? -1 : 1));
}

/** The local date of a campaigns-report snapshot (`<campaign>/<date>`). */
function campaignDate(doc: StoredSnapshot): IsoDate | undefined {
  return doc.period?.end ?? /(\d{4}-\d{2}-\d{2})$/.exec(doc.periodKey)?.[1];
}

/** A campaign day from its start date, else one after the previous point. */
function dayOf(startDate: string | undefined, date: IsoDate, earlier: readonly CampaignPoint[]) {
  if (startDate) return daysBetween(startDate, date) + 1;
  return (earlier.at(-1)?.day ?? 0) + 1;
}

/** A final snapshot repeats its campaign's last day: keep one point per day, the later. */
function dedupeByDay(points: readonly CampaignPoint[]): CampaignPoint[] {
  const byDay = new Map<number, CampaignPoint>();
  for (const point of points) byDay.set(point.day, point);
  return [...byDay.values()].sort((a, b) => a.day - b.day);
}
