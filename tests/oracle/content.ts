/**
 * An independent oracle for the content KPIs, straight from `shared/kpi-spec.md`, by brute
 * force over plain arrays. It shares no code with the SQL or with
 * `functions/lib/kpi/content.ts`.
 *
 * The choices the spec leaves open, stated the same way in the product:
 * - events count once per event_id; records without an event_id or a user do not count;
 *   paid orders as every KPI (ops-lake.ts `paidOrders`: a negative refund still ends the
 *   paid state, a negative paid record is no paid order);
 * - paid orders: latest record by updated_at is `paid` (on a tie a non-paid record wins,
 *   then the smaller amount); records without an order_id are not orders; an order is in
 *   the period by the local day of its order_time;
 * - month to date: the 1st of the month of the period's last day … that day;
 * - avg_reach: the mean over the items published (local day) in the ISO week before of
 *   their content_view events in [published_at, published_at + 7 × 24 h); no items → null;
 * - content_roi: null when the period's items (by local publication day) cost nothing;
 * - top/bottom: items with a content id and at least `minSample` (and ≥ 1) views, by
 *   conversion desc (bottom: asc), then views desc, then id; five each, bottom without the
 *   top's items.
 */
import { isoWeekOf, type Lake, localDay, paidOrders, shiftDay, toCents } from "./ops-lake.ts";

export interface OracleContentRequest {
  readonly kind: "day" | "week";
  readonly date: string;
  readonly timeZone: string;
  readonly minSample: number;
}

export interface OracleContent {
  readonly values: Readonly<Record<string, number | null>>;
  readonly top: readonly string[];
  readonly bottom: readonly string[];
  readonly monthToDateDays: number;
  readonly monthDays: number;
}

const WEEK_MS = 7 * 24 * 3_600_000;

export function oracleContent(lake: Lake, request: OracleContentRequest): OracleContent {
  const zone = request.timeZone;
  const { first, last } =
    request.kind === "day" ? { first: request.date, last: request.date } : isoWeekOf(request.date);
  const inPeriod = (instant: Date) => {
    const day = localDay(instant, zone);
    return day >= first && day <= last;
  };
  const share = (part: number, whole: number) =>
    whole === 0 || whole < request.minSample ? null : part / whole;

  const ids = (type: string) => {
    const byItem = new Map<string | null, Set<string>>();
    for (const e of lake.events) {
      if (e.event_type !== type || e.event_id === null || e.user_id === null) continue;
      if (!inPeriod(e.event_time)) continue;
      const set = byItem.get(e.content_id) ?? new Set<string>();
      set.add(e.event_id);
      byItem.set(e.content_id, set);
    }
    return byItem;
  };
  const total = (byItem: Map<string | null, Set<string>>) =>
    [...byItem.values()].reduce((n, set) => n + set.size, 0);
  const views = ids("content_view");
  const interactions =
    total(ids("content_like")) + total(ids("content_comment")) + total(ids("content_share"));

  const attributed = paidOrders(lake.orders).filter(
    (o) => o.content_id !== null && inPeriod(o.order_time),
  );
  const ordersByItem = new Map<string, number>();
  for (const o of attributed) {
    ordersByItem.set(o.content_id as string, (ordersByItem.get(o.content_id as string) ?? 0) + 1);
  }
  const revenueCents = attributed.reduce((sum, o) => sum + toCents(o.amount), 0);

  const monthStart = `${last.slice(0, 7)}-01`;
  const published = (format: string) =>
    lake.content.filter((c) => {
      const day = localDay(c.published_at, zone);
      return c.format === format && day >= monthStart && day <= last;
    }).length;

  const previousWeek = isoWeekOf(shiftDay(first, -7));
  const cohort = lake.content.filter((c) => {
    const day = localDay(c.published_at, zone);
    return day >= previousWeek.first && day <= previousWeek.last;
  });
  const reachOf = (item: (typeof cohort)[number]) => {
    const seen = new Set<string>();
    for (const e of lake.events) {
      if (e.event_type !== "content_view" || e.content_id !== item.id || e.event_id === null) {
        continue;
      }
      if (e.user_id === null) continue;
      const t = e.event_time.getTime();
      if (t >= item.published_at.getTime() && t < item.published_at.getTime() + WEEK_MS) {
        seen.add(e.event_id);
      }
    }
    return seen.size;
  };
  const costCents = lake.content
    .filter((c) => inPeriod(c.published_at))
    .reduce((sum, c) => sum + (c.production_cost === null ? 0 : toCents(c.production_cost)), 0);

  const eligible = [...views]
    .filter(([id, set]) => id !== null && set.size > 0 && set.size >= request.minSample)
    .map(([id, set]) => ({
      id: id as string,
      views: set.size,
      conversion: (ordersByItem.get(id as string) ?? 0) / set.size,
    }));
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const top = [...eligible]
    .sort((a, b) => b.conversion - a.conversion || b.views - a.views || byId(a, b))
    .slice(0, 5)
    .map((i) => i.id);
  const bottom = eligible
    .filter((i) => !top.includes(i.id))
    .sort((a, b) => a.conversion - b.conversion || b.views - a.views || byId(a, b))
    .slice(0, 5)
    .map((i) => i.id);

  const values: Record<string, number | null> = {
    interaction_rate: share(interactions, total(views)),
    content_conversion_rate: share(attributed.length, total(views)),
  };
  if (request.kind === "week") {
    values.content_published_article = published("article");
    values.content_published_video = published("video");
    values.avg_reach =
      cohort.length === 0 ? null : cohort.reduce((n, item) => n + reachOf(item), 0) / cohort.length;
    values.content_roi = costCents === 0 ? null : revenueCents / costCents;
  }
  const [y, m] = last.split("-").map(Number);
  return {
    values,
    top,
    bottom,
    monthToDateDays: Number(last.slice(8, 10)),
    monthDays: new Date(Date.UTC(y ?? 0, m ?? 1, 0)).getUTCDate(),
  };
}
