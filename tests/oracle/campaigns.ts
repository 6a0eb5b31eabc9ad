/**
 * An independent oracle for campaign ROI snapshots, straight from `shared/kpi-spec.md`, by
 * brute force over plain arrays. It shares no code with the SQL or with
 * `functions/lib/kpi/campaigns.ts`.
 *
 * The choices the spec leaves open, stated the same way in the product:
 * - a campaign is snapshotted on D when it runs on D, or ended on D-1 (final snapshot);
 * - attributed events and orders carry the campaign id and fall (local day) in
 *   start_date … min(D, end_date); paid orders as everywhere (latest record by updated_at
 *   is `paid`, ties: a non-paid record wins, then the smaller amount; no order_id → no order);
 * - participants: distinct users (non-null) with an attributed campaign_join; invites:
 *   distinct event ids of attributed invite_accepted events with a user; paid orders as
 *   every KPI (ops-lake.ts `paidOrders`: a negative refund still ends the paid state);
 * - AOV lift needs `minSample` orders on both sides and a baseline with revenue; ROI needs
 *   a cost above 0.
 */
import { type Lake, localDay, paidOrders, shiftDay, toCents } from "./ops-lake.ts";

export interface OracleCampaignRequest {
  readonly date: string;
  readonly timeZone: string;
  readonly minSample: number;
}

export interface OracleCampaignSnapshot {
  readonly final: boolean;
  readonly values: Readonly<Record<string, number | null>>;
}

/** Campaign id → its snapshot on the day. */
export function oracleCampaigns(
  lake: Lake,
  request: OracleCampaignRequest,
): Record<string, OracleCampaignSnapshot> {
  const day = (instant: Date) => localDay(instant, request.timeZone);
  const share = (part: number, whole: number) =>
    whole === 0 || whole < request.minSample ? null : part / whole;
  const paid = paidOrders(lake.orders);
  const snapshots: Record<string, OracleCampaignSnapshot> = {};
  for (const campaign of lake.campaigns) {
    const runs = campaign.start_date <= request.date && campaign.end_date >= request.date;
    const endedYesterday = campaign.end_date === shiftDay(request.date, -1);
    if (!runs && !endedYesterday) continue;
    const through = [campaign.end_date, request.date].sort()[0] as string;
    const attributed = (campaignId: string | null, instant: Date) => {
      const d = day(instant);
      return campaignId === campaign.id && d >= campaign.start_date && d <= through;
    };
    const participants = new Set<string>();
    const invites = new Set<string>();
    for (const e of lake.events) {
      if (!attributed(e.campaign_id, e.event_time)) continue;
      if (e.event_type === "campaign_join" && e.user_id !== null) participants.add(e.user_id);
      if (e.event_type === "invite_accepted" && e.event_id !== null && e.user_id !== null) {
        invites.add(e.event_id);
      }
    }
    const orders = paid.filter((o) => attributed(o.campaign_id, o.order_time));
    const buyers = new Set(orders.map((o) => o.user_id));
    const converted = [...participants].filter((user) => buyers.has(user)).length;
    const revenueCents = orders.reduce((sum, o) => sum + toCents(o.amount), 0);
    const baselineFrom = shiftDay(campaign.start_date, -28);
    const baselineTo = shiftDay(campaign.start_date, -1);
    const baseline = paid.filter((o) => {
      const d = day(o.order_time);
      return o.campaign_id === null && d >= baselineFrom && d <= baselineTo;
    });
    const baselineCents = baseline.reduce((sum, o) => sum + toCents(o.amount), 0);
    const costCents = toCents(campaign.cost);
    const enoughForAov =
      orders.length > 0 &&
      baseline.length > 0 &&
      orders.length >= request.minSample &&
      baseline.length >= request.minSample &&
      baselineCents !== 0;
    snapshots[campaign.id] = {
      final: campaign.end_date < request.date,
      values: {
        participants: participants.size,
        campaign_conversion: share(converted, participants.size),
        campaign_aov_lift: enoughForAov
          ? revenueCents / orders.length / (baselineCents / baseline.length) - 1
          : null,
        viral_k: share(invites.size, participants.size),
        campaign_revenue: revenueCents / 100,
        campaign_cost: costCents / 100,
        campaign_roi: costCents > 0 ? revenueCents / costCents : null,
      },
    };
  }
  return snapshots;
}

/**
 * `campaign_participants` of a day: the distinct users with a `campaign_join` event that
 * local day carrying any campaign id; null when no campaign of the dimension runs that day.
 */
export function oracleCampaignJoins(
  lake: Lake,
  request: Pick<OracleCampaignRequest, "date" | "timeZone">,
): number | null {
  const running = lake.campaigns.some(
    (c) => c.start_date <= request.date && c.end_date >= request.date,
  );
  if (!running) return null;
  const joined = new Set<string>();
  for (const e of lake.events) {
    if (e.event_type !== "campaign_join" || e.campaign_id === null || e.user_id === null) continue;
    if (localDay(e.event_time, request.timeZone) === request.date) joined.add(e.user_id);
  }
  return joined.size;
}
