/**
 * An independent oracle for user segmentation (weekly), straight from `shared/kpi-spec.md`:
 * RFM's 8 segments with exact medians, the migration since last week, and the lifecycle
 * layers, by brute force over plain arrays. It shares no code with the SQL or with
 * `functions/lib/kpi/rfm.ts`.
 *
 * The choices the spec leaves open, stated the same way in the product:
 * - customers are users (non-null user_id) with a paid order (latest record by updated_at
 *   is `paid`; on a tie a non-paid record wins, then the smaller amount) whose local date is
 *   in the 365 days ending the Sunday; the week before uses the 365 days ending its Sunday;
 * - configured cut-offs replace the medians of their dimension;
 * - a user's signup day is the local day of their first signup event ever recorded (the
 *   contract: a later signup never makes them new again); activity is any valid event (a
 *   user, a known type);
 * - paid orders as every KPI (ops-lake.ts `paidOrders`: a negative refund still ends the
 *   paid state, a negative paid record is no paid order).
 */
import {
  dayDiff,
  isoWeekOf,
  isValidEvent,
  type Lake,
  localDay,
  paidOrders,
  shiftDay,
  toCents,
} from "./ops-lake.ts";

const SEGMENTS: Readonly<Record<string, readonly [boolean, boolean, boolean]>> = {
  // R high, F high, M high
  important_value: [true, true, true],
  important_development: [true, false, true],
  important_retention: [false, true, true],
  important_winback: [false, false, true],
  general_value: [true, true, false],
  general_development: [true, false, false],
  general_retention: [false, true, false],
  general_winback: [false, false, false],
};

export interface OracleSegmentsRequest {
  /** Any day of the report's ISO week. */
  readonly date: string;
  readonly timeZone: string;
  readonly cutoffs?: { recencyDays?: number; frequency?: number; monetary?: number };
}

export interface OracleRfmWindow {
  readonly customers: number;
  /** segment → customers and revenue in cents (every segment present). */
  readonly segments: Readonly<Record<string, { customers: number; revenueCents: number }>>;
  readonly medians: { recencyDays: number; frequency: number; monetaryCents: number } | null;
  /** Customers whose R, F or M equals the window's median (a tie, judged "low"). */
  readonly tiesAtMedian: number;
  /** user → segment. */
  readonly segmentOf: ReadonlyMap<string, string>;
}

export interface OracleSegments {
  readonly current: OracleRfmWindow;
  readonly previous: OracleRfmWindow;
  /** "from>to" → customers; `none` for a customer absent from a window. */
  readonly migration: Readonly<Record<string, number>>;
  /** layer → users at the Sunday and at the Sunday before. */
  readonly lifecycle: Readonly<Record<string, { current: number; previous: number }>>;
}

export function oracleSegments(lake: Lake, request: OracleSegmentsRequest): OracleSegments {
  const sunday = isoWeekOf(request.date).last;
  const previousSunday = shiftDay(sunday, -7);
  const current = rfmWindow(lake, sunday, request);
  const previous = rfmWindow(lake, previousSunday, request);

  const migration: Record<string, number> = {};
  const users = new Set([...current.segmentOf.keys(), ...previous.segmentOf.keys()]);
  for (const user of users) {
    const key = `${previous.segmentOf.get(user) ?? "none"}>${current.segmentOf.get(user) ?? "none"}`;
    migration[key] = (migration[key] ?? 0) + 1;
  }

  const layersAt = (day: string, highValue: number) => {
    const active = (user: string, from: string) =>
      [...(activeDays.get(user) ?? [])].some((d) => d >= from && d <= day);
    const signedUp = (user: string) =>
      [...(signupDays.get(user) ?? [])].some((d) => d >= shiftDay(day, -6) && d <= day);
    const counts = { new: 0, active: 0, dormant: 0, churned: 0, high_value: highValue };
    for (const user of activeDays.keys()) {
      if (signedUp(user)) counts.new++;
      else if (active(user, shiftDay(day, -6))) counts.active++;
      else if (active(user, shiftDay(day, -29))) counts.dormant++;
      else if (active(user, shiftDay(day, -89))) counts.churned++;
    }
    return counts;
  };
  const activeDays = new Map<string, Set<string>>();
  const signupEventDays = new Map<string, Set<string>>();
  for (const event of lake.events) {
    if (event.user_id === null || !isValidEvent(event)) continue;
    const day = localDay(event.event_time, request.timeZone);
    if (day > sunday) continue;
    setOf(activeDays, event.user_id).add(day);
    if (event.event_type === "signup") setOf(signupEventDays, event.user_id).add(day);
  }
  const signupDays = new Map<string, Set<string>>();
  for (const [user, days] of signupEventDays) {
    signupDays.set(user, new Set([...days].sort().slice(0, 1)));
  }
  const now = layersAt(sunday, current.segments.important_value?.customers ?? 0);
  const before = layersAt(previousSunday, previous.segments.important_value?.customers ?? 0);
  const lifecycle = Object.fromEntries(
    Object.keys(now).map((layer) => [
      layer,
      {
        current: now[layer as keyof typeof now],
        previous: before[layer as keyof typeof before],
      },
    ]),
  );
  return { current, previous, migration, lifecycle };
}

function rfmWindow(lake: Lake, sunday: string, request: OracleSegmentsRequest): OracleRfmWindow {
  const first = shiftDay(sunday, -364);
  const perUser = new Map<string, { last: string; orders: Set<string>; cents: number }>();
  for (const order of paidOrders(lake.orders)) {
    if (order.user_id === null || order.order_id === null) continue;
    const day = localDay(order.order_time, request.timeZone);
    if (day < first || day > sunday) continue;
    const entry = perUser.get(order.user_id) ?? { last: day, orders: new Set(), cents: 0 };
    if (day > entry.last) entry.last = day;
    entry.orders.add(order.order_id);
    entry.cents += toCents(order.amount);
    perUser.set(order.user_id, entry);
  }
  const customers = [...perUser].map(([user, e]) => ({
    user,
    r: dayDiff(e.last, sunday),
    f: e.orders.size,
    m: e.cents,
  }));
  const segments: Record<string, { customers: number; revenueCents: number }> = {};
  for (const name of Object.keys(SEGMENTS)) segments[name] = { customers: 0, revenueCents: 0 };
  const segmentOf = new Map<string, string>();
  if (customers.length === 0) {
    return { customers: 0, segments, medians: null, segmentOf, tiesAtMedian: 0 };
  }
  const medians = {
    recencyDays: median(customers.map((c) => c.r)),
    frequency: median(customers.map((c) => c.f)),
    monetaryCents: median(customers.map((c) => c.m)),
  };
  const cut = request.cutoffs ?? {};
  const rCut = cut.recencyDays ?? medians.recencyDays;
  const fCut = cut.frequency ?? medians.frequency;
  const mCut = cut.monetary !== undefined ? Math.round(cut.monetary * 100) : medians.monetaryCents;
  for (const c of customers) {
    const flags = [c.r < rCut, c.f > fCut, c.m > mCut];
    const name = Object.keys(SEGMENTS).find((key) =>
      SEGMENTS[key]?.every((flag, i) => flag === flags[i]),
    ) as string;
    segmentOf.set(c.user, name);
    const cell = segments[name] as { customers: number; revenueCents: number };
    cell.customers++;
    cell.revenueCents += c.m;
  }
  const tiesAtMedian = customers.filter(
    (c) =>
      c.r === medians.recencyDays || c.f === medians.frequency || c.m === medians.monetaryCents,
  ).length;
  return { customers: customers.length, segments, medians, segmentOf, tiesAtMedian };
}

/** The exact median: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function setOf(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}
