/**
 * The campaigns module: for a report day D, a cumulative-to-date snapshot of every campaign
 * running on D, and the final snapshot of every campaign that ended on D-1. The daily report
 * shows them as its campaigns summary; the `campaigns` report stores each snapshot as its
 * own immutable document (see {@link computeCampaignSnapshots}).
 *
 * Two queries: `campaigns_in_scope.sql` (the small campaigns dimension), then, when some
 * campaign is due, `campaign_snapshots.sql`, which reads the `campaign_user_day` and
 * `order_day` rollups of the campaigns' windows once each, after bringing their days up to
 * date (a steady-state daily run builds only the day's partitions from raw data).
 */

import { campaignIdProblem } from "../../contract/identifiers.ts";
import {
  AOV_BASELINE_DAYS,
  type CampaignSnapshot,
  campaignCountsFromRow,
  campaignFromRow,
  campaignScanWindow,
  campaignSnapshot,
} from "../../kpi/campaigns.ts";
import { addDays } from "../../kpi/windows.ts";
import type { QueryStats } from "../../ports.ts";
import { queryOverRollups } from "../../rollups/refresh.ts";
import type { DetailTable } from "../details.ts";
import type { KpiModule, MetricValue, ModuleContext } from "../modules.ts";

/** The snapshots of a day and what the queries cost. */
export interface CampaignSnapshots {
  readonly date: string;
  readonly snapshots: readonly CampaignSnapshot[];
  /**
   * Campaigns of the dimension whose id breaks the contract (written into the lake by
   * another tool than `opspulse import`): left out, since their id would be a key.
   */
  readonly leftOut: readonly LeftOutCampaign[];
  readonly stats: readonly QueryStats[];
}

/** A campaign left out of the snapshots, and why. */
export interface LeftOutCampaign {
  readonly id: string;
  readonly problem: string;
}

/**
 * The campaign snapshots of the context's day (a daily period): one per campaign running
 * that day, plus a final one (`final: true`) per campaign that ended the day before.
 * This is what the `campaigns` report stores, one document per campaign and day.
 */
export async function computeCampaignSnapshots(
  context: Pick<ModuleContext, "engine" | "catalog" | "period" | "settings" | "now">,
): Promise<CampaignSnapshots> {
  const { engine, catalog, period, settings } = context;
  if (period.kind !== "day") {
    throw new Error(`Campaign snapshots are daily; got a ${period.kind} period.`);
  }
  const date = period.end;
  const dimension = await engine.run(catalog.get("campaigns_in_scope"), {
    snapshot_date: date,
    final_date: addDays(date, -1),
  });
  const leftOut: LeftOutCampaign[] = [];
  const campaigns = dimension.rows.map(campaignFromRow).filter((campaign) => {
    const problem = campaignIdProblem(campaign.id);
    if (problem) leftOut.push({ id: campaign.id, problem });
    return problem === undefined;
  });
  if (campaigns.length === 0) return { date, snapshots: [], leftOut, stats: [dimension.stats] };

  const window = campaignScanWindow(campaigns, date);
  const prepared = await queryOverRollups(
    { ...context, timeZone: period.timeZone },
    "campaign_snapshots",
    {
      campaign_user_day: { from: window.eventsStart, to: date },
      order_day: { from: window.ordersStart, to: date },
    },
  );
  const result = await engine.run(prepared.query, {
    campaign_ids: campaigns.map((c) => c.id),
    snapshot_date: date,
    attribution_start: window.attributionStart,
    baseline_days: AOV_BASELINE_DAYS,
    events_first_day: window.eventsStart,
    orders_first_day: window.ordersStart,
    last_day: date,
  });
  const counts = new Map(
    result.rows.map(campaignCountsFromRow).map((row) => [row.campaignId, row]),
  );
  const snapshots = campaigns
    .map((campaign) => campaignSnapshot(campaign, counts.get(campaign.id), window, settings))
    .sort((a, b) => (a.campaignId < b.campaignId ? -1 : a.campaignId > b.campaignId ? 1 : 0));
  return {
    date,
    snapshots,
    leftOut,
    stats: [dimension.stats, ...prepared.stats, result.stats],
  };
}

/**
 * The email's list of the day's campaign snapshots: dates, the day covered, and whether it
 * is the final snapshot (the metrics themselves are the campaigns section's table).
 */
export function campaignsTable(snapshots: readonly CampaignSnapshot[]): DetailTable {
  return {
    section: "campaigns",
    title: { en: "Campaign snapshots", "zh-CN": "活动快照" },
    columns: [
      { key: "name", label: { en: "Campaign", "zh-CN": "活动" } },
      { key: "startDate", label: { en: "Start", "zh-CN": "开始" } },
      { key: "endDate", label: { en: "End", "zh-CN": "结束" } },
      { key: "campaignDay", label: { en: "Day", "zh-CN": "第几天" }, unit: "count" },
      { key: "state", label: { en: "Snapshot", "zh-CN": "快照" } },
    ],
    rows: snapshots.map((s) => ({
      campaignId: s.campaignId,
      name: s.name,
      startDate: s.startDate,
      endDate: s.endDate,
      campaignDay: s.campaignDay,
      state: s.final
        ? { en: "final (ended yesterday)", "zh-CN": "最终（昨日结束）" }
        : { en: "to date", "zh-CN": "截至今日" },
    })),
  };
}

/**
 * Campaigns (daily). Scoped values: campaign id → the seven per-campaign metrics. Details:
 * `campaigns`, the list of {@link CampaignSnapshot} (running ones and final ones), and the
 * email's table `campaign_snapshots`.
 */
export const campaignsModule: KpiModule = {
  id: "campaigns",
  periods: ["day"],
  reads: ["campaigns", "events", "orders", "identities"],
  async compute(context) {
    const { snapshots, leftOut, stats } = await computeCampaignSnapshots(context);
    const scoped: Record<string, Record<string, MetricValue>> = {};
    const scopeNames: Record<string, string> = {};
    for (const snapshot of snapshots) {
      scoped[snapshot.campaignId] = { ...snapshot.values };
      scopeNames[snapshot.campaignId] = snapshot.name;
    }
    return {
      values: {},
      scoped,
      scopeNames,
      details: {
        campaigns: snapshots,
        ...(snapshots.length > 0 ? { campaign_snapshots: campaignsTable(snapshots) } : {}),
        ...(leftOut.length > 0 ? { campaigns_left_out: leftOut } : {}),
      },
      stats,
    };
  },
};
