/**
 * Campaign ROI snapshots (`shared/kpi-spec.md`, campaign operations): which campaigns get a
 * snapshot on a day, the windows the snapshot query reads, and the step from its rows to
 * each campaign's cumulative-to-date metric values.
 *
 * A snapshot on day D covers the campaign's local days from `start_date` to min(D,
 * `end_date`); campaigns running on D get one, and a campaign that ended on D-1 gets its
 * final one (flag `final`). `cost` is the campaign's whole cost.
 *
 * Choices the spec leaves open, stated once here:
 * - a query reads at most 365 days, so a campaign that started more than 364 days before D
 *   is snapshotted over its last 365 days (`truncated`), and its AOV baseline (the 28 days
 *   before its start) is only used when those days are inside that bound; otherwise
 *   campaign_aov_lift has no value;
 * - campaign_aov_lift needs at least `minSample` orders on each side (attributed and
 *   baseline); the sample shown is the smaller side;
 * - campaign_roi with a cost of 0 is insufficient data, like content_roi.
 *
 * Pure: no clock, no I/O.
 */

import { centsCell, countCell } from "./cells.ts";
import type { Row } from "./values.ts";
import { amount, type KpiSettings, type MetricValue, minSampleFor, ratio } from "./values.ts";
import { addDays, daysBetween, type IsoDate } from "./windows.ts";

/** The AOV baseline: unattributed paid orders in the 28 local days before the start. */
export const AOV_BASELINE_DAYS = 28;
/** A snapshot query reads at most this many local days ending D. */
export const CAMPAIGN_MAX_WINDOW_DAYS = 365;

/** A campaign of the dimension. */
export interface Campaign {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly startDate: IsoDate;
  readonly endDate: IsoDate;
  readonly costCents: number;
}

/** A row of `campaigns_in_scope.sql`. */
export function campaignFromRow(row: Row): Campaign {
  return {
    id: text(row, "id"),
    name: text(row, "name"),
    type: text(row, "type"),
    startDate: text(row, "start_date"),
    endDate: text(row, "end_date"),
    costCents: cents(row, "cost"),
  };
}

/** Whether a campaign gets a snapshot on `date`: running then, or ended the day before. */
export function snapshotDue(campaign: Pick<Campaign, "startDate" | "endDate">, date: IsoDate) {
  return campaign.startDate <= date && campaign.endDate >= addDays(date, -1);
}

/** The local days the snapshot query of day `date` reads for `campaigns`. */
export interface CampaignScanWindow {
  readonly snapshotDate: IsoDate;
  /** Earliest day attributed: D-364. */
  readonly attributionStart: IsoDate;
  /** First day of events read: the earliest attributed day of any campaign. */
  readonly eventsStart: IsoDate;
  /** First day of orders read (and of the calendar): the earliest baseline day, bounded. */
  readonly ordersStart: IsoDate;
}

/** Windows of the snapshot query; `campaigns` must be non-empty and due on `date`. */
export function campaignScanWindow(
  campaigns: readonly Pick<Campaign, "startDate">[],
  date: IsoDate,
): CampaignScanWindow {
  const attributionStart = addDays(date, 1 - CAMPAIGN_MAX_WINDOW_DAYS);
  const earliestStart = earliest(...campaigns.map((c) => c.startDate));
  return {
    snapshotDate: date,
    attributionStart,
    eventsStart: latest(earliestStart, attributionStart),
    ordersStart: latest(addDays(earliestStart, -AOV_BASELINE_DAYS), attributionStart),
  };
}

/** A row of `campaign_snapshots.sql`: the campaign's cumulative counts. */
export interface CampaignCounts {
  readonly campaignId: string;
  readonly participants: number;
  readonly convertedParticipants: number;
  readonly invitesAccepted: number;
  readonly attributedOrders: number;
  readonly attributedRevenueCents: number;
  readonly baselineOrders: number;
  readonly baselineRevenueCents: number;
}

export function campaignCountsFromRow(row: Row): CampaignCounts {
  return {
    campaignId: text(row, "campaign_id"),
    participants: count(row, "participants"),
    convertedParticipants: count(row, "converted_participants"),
    invitesAccepted: count(row, "invites_accepted"),
    attributedOrders: count(row, "attributed_orders"),
    attributedRevenueCents: cents(row, "attributed_revenue"),
    baselineOrders: count(row, "baseline_orders"),
    baselineRevenueCents: cents(row, "baseline_revenue"),
  };
}

/** One campaign's snapshot on a day: what the campaigns report stores and shows. */
export interface CampaignSnapshot {
  readonly campaignId: string;
  readonly name: string;
  readonly type: string;
  readonly startDate: IsoDate;
  readonly endDate: IsoDate;
  readonly snapshotDate: IsoDate;
  /** Last local day covered: min(snapshotDate, endDate). */
  readonly throughDate: IsoDate;
  /** Day of the campaign the snapshot covers up to (1 = its first day). */
  readonly campaignDay: number;
  /** True for the final snapshot, written the day after the campaign ended. */
  readonly final: boolean;
  /** True when the campaign is older than the 365 days a snapshot reads. */
  readonly truncated: boolean;
  readonly counts: {
    readonly participants: number;
    readonly convertedParticipants: number;
    readonly invitesAccepted: number;
    readonly attributedOrders: number;
    readonly attributedRevenue: number;
    readonly baselineOrders: number;
    readonly baselineRevenue: number;
    readonly cost: number;
  };
  /** Metric id → value (participants, campaign_conversion, …, campaign_roi). */
  readonly values: Readonly<Record<string, MetricValue>>;
}

/** The per-campaign metric ids, in report order (ids from the registry). */
export const CAMPAIGN_KPI_IDS = [
  "participants",
  "campaign_conversion",
  "campaign_aov_lift",
  "viral_k",
  "campaign_revenue",
  "campaign_cost",
  "campaign_roi",
] as const;

/** The snapshot of one campaign on `date` from its dimension row and its counts. */
export function campaignSnapshot(
  campaign: Campaign,
  counts: CampaignCounts | undefined,
  window: CampaignScanWindow,
  settings: Pick<KpiSettings, "minSample" | "metricMinSamples">,
): CampaignSnapshot {
  const date = window.snapshotDate;
  const c: CampaignCounts = counts ?? {
    campaignId: campaign.id,
    participants: 0,
    convertedParticipants: 0,
    invitesAccepted: 0,
    attributedOrders: 0,
    attributedRevenueCents: 0,
    baselineOrders: 0,
    baselineRevenueCents: 0,
  };
  const throughDate = earliest(campaign.endDate, date);
  const baselineComplete =
    addDays(campaign.startDate, -AOV_BASELINE_DAYS) >= window.attributionStart;
  const values: Record<string, MetricValue> = {
    participants: amount(c.participants),
    campaign_conversion: ratio(
      c.convertedParticipants,
      c.participants,
      minSampleFor(settings, "campaign_conversion"),
    ),
    campaign_aov_lift: baselineComplete
      ? aovLift(c, minSampleFor(settings, "campaign_aov_lift"))
      : { value: null, reason: "no_data" },
    viral_k: ratio(c.invitesAccepted, c.participants, minSampleFor(settings, "viral_k")),
    campaign_revenue: amount(c.attributedRevenueCents / 100),
    campaign_cost: amount(campaign.costCents / 100),
    campaign_roi:
      campaign.costCents > 0
        ? {
            value: c.attributedRevenueCents / campaign.costCents,
            numerator: c.attributedRevenueCents / 100,
            denominator: campaign.costCents / 100,
          }
        : {
            value: null,
            reason: "insufficient_sample",
            sample: 0,
            numerator: c.attributedRevenueCents / 100,
            denominator: 0,
          },
  };
  return {
    campaignId: campaign.id,
    name: campaign.name,
    type: campaign.type,
    startDate: campaign.startDate,
    endDate: campaign.endDate,
    snapshotDate: date,
    throughDate,
    campaignDay: daysBetween(campaign.startDate, throughDate) + 1,
    final: campaign.endDate < date,
    truncated: campaign.startDate < window.attributionStart,
    counts: {
      participants: c.participants,
      convertedParticipants: c.convertedParticipants,
      invitesAccepted: c.invitesAccepted,
      attributedOrders: c.attributedOrders,
      attributedRevenue: c.attributedRevenueCents / 100,
      baselineOrders: c.baselineOrders,
      baselineRevenue: c.baselineRevenueCents / 100,
      cost: campaign.costCents / 100,
    },
    values,
  };
}

/** AOV of attributed orders over AOV of the baseline, minus 1. */
function aovLift(c: CampaignCounts, minSample: number): MetricValue {
  const sample = Math.min(c.attributedOrders, c.baselineOrders);
  if (sample === 0 || sample < minSample) {
    return { value: null, reason: "insufficient_sample", sample };
  }
  if (c.baselineRevenueCents === 0) return { value: null, reason: "no_data", sample };
  const attributedAov = c.attributedRevenueCents / c.attributedOrders;
  const baselineAov = c.baselineRevenueCents / c.baselineOrders;
  return {
    value: attributedAov / baselineAov - 1,
    sample,
    numerator: attributedAov / 100,
    denominator: baselineAov / 100,
  };
}

/** The earliest and the latest of some ISO dates (they sort as text). */
function earliest(...dates: IsoDate[]): IsoDate {
  return dates.toSorted()[0] as IsoDate;
}

function latest(...dates: IsoDate[]): IsoDate {
  return dates.toSorted().at(-1) as IsoDate;
}

function text(row: Row, column: string): string {
  const cell = row[column];
  if (cell === null || cell === undefined) {
    throw new Error(`campaign row: column ${column} must not be null`);
  }
  return String(cell);
}

function count(row: Row, column: string): number {
  return countCell(row, column, "campaign row");
}

function cents(row: Row, column: string): number {
  return centsCell(row, column, "campaign row");
}
