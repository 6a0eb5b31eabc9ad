/**
 * An independent oracle for the efficiency and data-operations KPIs, straight from
 * `shared/kpi-spec.md`, by brute force over plain arrays. It shares no code with the SQL or
 * with `functions/lib/kpi/efficiency.ts` (the known event types and order statuses are the
 * data contract's).
 *
 * The choices the spec leaves open, stated the same way in the product:
 * - the period's records: events and order records whose time (local day) is in the period;
 *   a record fails for each reason it has (no id, no user, unknown type or status, a paid
 *   record's negative amount (a refund's may be negative), in the future of the run, a copy beyond the first of an event_id or of an
 *   (order_id, updated_at)); per id (or order key) one record passes when one of its
 *   records is otherwise valid;
 * - automation: distinct message_sent event ids (with a user) of the period; automated when
 *   one of the id's message_sent records says automated = true;
 * - freshness: whole minutes from the newest valid event (a user, a known type) in
 *   [run − 7 × 24 h, run] to the run;
 * - revenue: paid orders as every KPI (ops-lake.ts `paidOrders`);
 * - ops cost: each campaign's cost spread evenly over its days, content published in the
 *   period, the monthly team cost spread over each month's days; divided by the revenue of
 *   the period's paid orders, with at least `minSample` of them;
 * - users per ops head: users active (any valid event) in the 30 days ending the period's
 *   last day, over the headcount.
 */
import { EVENT_TYPES, ORDER_STATUSES } from "../../functions/lib/contract/schema.ts";
import {
  isoWeekOf,
  isValidEvent,
  type Lake,
  localDay,
  paidOrders,
  shiftDay,
  toCents,
} from "./ops-lake.ts";

export interface OracleEfficiencyRequest {
  readonly kind: "day" | "week";
  readonly date: string;
  readonly timeZone: string;
  readonly now: Date;
  readonly minSample: number;
  readonly teamMonthlyCost: number;
  readonly opsHeadcount: number;
}

export interface OracleEfficiency {
  readonly values: Readonly<Record<string, number | null>>;
  /** Users active in the 30 days ending the period's last day. */
  readonly mau: number;
  readonly failures: {
    readonly events: Readonly<Record<string, number>>;
    readonly orders: Readonly<Record<string, number>>;
  };
}

export function oracleEfficiency(lake: Lake, request: OracleEfficiencyRequest): OracleEfficiency {
  const { first, last } =
    request.kind === "day" ? { first: request.date, last: request.date } : isoWeekOf(request.date);
  const inPeriod = (instant: Date) => {
    const d = localDay(instant, request.timeZone);
    return d >= first && d <= last;
  };
  const now = request.now.getTime();
  const share = (part: number, whole: number) =>
    whole === 0 || whole < request.minSample ? null : part / whole;

  // Events: failures and passing records.
  const events = lake.events.filter((e) => inPeriod(e.event_time));
  const eventFailures = { missing_id: 0, null_user: 0, unknown_type: 0, future: 0, duplicate: 0 };
  const eventIds = new Map<string, { copies: number; valid: boolean }>();
  const knownTypes: readonly string[] = EVENT_TYPES;
  for (const e of events) {
    const knownType = e.event_type !== null && knownTypes.includes(e.event_type);
    const future = e.event_time.getTime() > now;
    if (e.event_id === null) eventFailures.missing_id++;
    if (e.user_id === null) eventFailures.null_user++;
    if (!knownType) eventFailures.unknown_type++;
    if (future) eventFailures.future++;
    if (e.event_id === null) continue;
    const entry = eventIds.get(e.event_id) ?? { copies: 0, valid: false };
    entry.copies++;
    entry.valid ||= e.user_id !== null && knownType && !future;
    eventIds.set(e.event_id, entry);
  }
  for (const { copies } of eventIds.values()) eventFailures.duplicate += copies - 1;
  const eventsPassing = [...eventIds.values()].filter((entry) => entry.valid).length;

  // Order records.
  const records = lake.orders.filter((o) => inPeriod(o.order_time));
  const orderFailures = {
    missing_id: 0,
    null_user: 0,
    negative_amount: 0,
    unknown_status: 0,
    future: 0,
    duplicate: 0,
  };
  const statuses: readonly string[] = ORDER_STATUSES;
  const orderKeys = new Map<string, { copies: number; valid: boolean }>();
  for (const o of records) {
    // The contract: a negative amount is invalid only on a paid record.
    const negative = o.status === "paid" && toCents(o.amount) < 0;
    const knownStatus = o.status !== null && statuses.includes(o.status);
    const future = o.order_time.getTime() > now || o.updated_at.getTime() > now;
    if (o.order_id === null) orderFailures.missing_id++;
    if (o.user_id === null) orderFailures.null_user++;
    if (negative) orderFailures.negative_amount++;
    if (!knownStatus) orderFailures.unknown_status++;
    if (future) orderFailures.future++;
    if (o.order_id === null) continue;
    const key = `${o.order_id}@${o.updated_at.getTime()}`;
    const entry = orderKeys.get(key) ?? { copies: 0, valid: false };
    entry.copies++;
    entry.valid ||= o.user_id !== null && !negative && knownStatus && !future;
    orderKeys.set(key, entry);
  }
  for (const { copies } of orderKeys.values()) orderFailures.duplicate += copies - 1;
  const ordersPassing = [...orderKeys.values()].filter((entry) => entry.valid).length;

  // Automation.
  const messages = new Map<string, boolean>();
  for (const e of events) {
    if (e.event_type !== "message_sent" || e.event_id === null || e.user_id === null) continue;
    messages.set(e.event_id, (messages.get(e.event_id) ?? false) || e.automated === true);
  }
  const automated = [...messages.values()].filter(Boolean).length;

  // Freshness.
  let newest: number | null = null;
  for (const e of lake.events) {
    const t = e.event_time.getTime();
    if (!isValidEvent(e)) continue;
    if (t <= now && t >= now - 7 * 24 * 3_600_000 && (newest === null || t > newest)) newest = t;
  }

  // Ops cost ratio.
  const days: string[] = [];
  for (let d = first; d <= last; d = shiftDay(d, 1)) days.push(d);
  const monthLength = (d: string) => {
    const [y, m] = d.split("-").map(Number);
    return new Date(Date.UTC(y ?? 0, m ?? 1, 0)).getUTCDate();
  };
  const teamCost = days.reduce((sum, d) => sum + request.teamMonthlyCost / monthLength(d), 0);
  let campaignCost = 0;
  for (const c of lake.campaigns) {
    const campaignDays: string[] = [];
    for (let d = c.start_date; d <= c.end_date; d = shiftDay(d, 1)) campaignDays.push(d);
    const overlap = campaignDays.filter((d) => d >= first && d <= last).length;
    campaignCost += (toCents(c.cost) / 100) * (overlap / campaignDays.length);
  }
  const contentCost =
    lake.content
      .filter((c) => inPeriod(c.published_at))
      .reduce((sum, c) => sum + (c.production_cost === null ? 0 : toCents(c.production_cost)), 0) /
    100;
  const paid = paidOrders(lake.orders).filter((o) => inPeriod(o.order_time));
  const revenue = paid.reduce((sum, o) => sum + toCents(o.amount), 0) / 100;
  const totalCost = campaignCost + contentCost + teamCost;

  // MAU: the 30 days ending the period's last day.
  const mauFrom = shiftDay(last, -29);
  const mau = new Set(
    lake.events
      .filter((e) => {
        const d = localDay(e.event_time, request.timeZone);
        return isValidEvent(e) && d >= mauFrom && d <= last;
      })
      .map((e) => e.user_id),
  ).size;

  return {
    mau,
    values: {
      data_freshness_minutes: newest === null ? null : Math.floor((now - newest) / 60_000),
      data_quality: share(eventsPassing + ordersPassing, events.length + records.length),
      automation_rate: share(automated, messages.size),
      ops_cost_ratio: paid.length < request.minSample || revenue <= 0 ? null : totalCost / revenue,
      users_per_ops_head: request.opsHeadcount > 0 ? mau / request.opsHeadcount : null,
    },
    failures: { events: eventFailures, orders: orderFailures },
  };
}
