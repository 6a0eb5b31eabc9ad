/**
 * An independent oracle for the user and order KPIs: every metric computed from plain
 * arrays of rows, straight from `shared/kpi-spec.md`, by brute force (local days from
 * `Intl`, every order record looked at, no windows beyond the definitions themselves).
 * It shares no code with the SQL or with `functions/lib/kpi/user-kpis.ts`.
 *
 * The contract's rulings, read from its text (not from the SQL):
 * - a user's signup instant is the event_time of their first `signup` event ever recorded
 *   (in the whole lake), their signup day its local day; a later signup never makes them
 *   new again, however long after;
 * - an active user on a day has a valid event that day: a user and a known event type (an
 *   unknown type is a data-quality failure, not activity);
 * - a paid order is one whose latest record (by updated_at) among the records with an
 *   order_id, a user_id, a status and an updated_at is `paid` with a non-negative amount:
 *   the sign of a refund's or cancellation's amount does not matter, a negative amount is
 *   invalid only on a paid record (the order then is no paid order);
 * - weekly: dau is the mean of the week's daily active users, arpu is gmv / wau, mau and
 *   private-domain share use the 30 days ending Sunday, repurchase the 90 days ending Sunday,
 *   LTV the users who signed up in the ISO week five weeks back;
 * - private-domain customers (for the weekly repurchase multiple) are the buyers with an
 *   event on a private-domain channel in the same 90 days ending Sunday.
 * A choice the contract leaves open, stated the same way in the product: on a tie of
 * updated_at a non-paid record wins, then the smaller amount.
 */

export type OracleEvent = {
  readonly event_time: Date;
  readonly user_id: string | null;
  readonly event_type: string;
  readonly channel: string | null;
};

export type OracleOrder = {
  readonly order_id: string | null;
  readonly user_id: string | null;
  readonly order_time: Date;
  readonly updated_at: Date;
  /** Decimal with at most two places, e.g. "12.30". */
  readonly amount: string;
  readonly status: string | null;
};

export interface OracleRequest {
  readonly kind: "day" | "week";
  /** Any date of the period (the day itself, or a day of the ISO week). */
  readonly date: string;
  readonly timeZone: string;
  readonly minSample: number;
  readonly privateChannels: readonly string[];
}

const HOUR = 3_600_000;
/** The event types of the data contract (shared/kpi-spec.md and docs/data-contract.md). */
const KNOWN_EVENT_TYPES = new Set([
  "signup",
  "session_start",
  "page_view",
  "content_view",
  "content_like",
  "content_comment",
  "content_share",
  "content_click",
  "campaign_join",
  "invite_sent",
  "invite_accepted",
  "message_sent",
]);

/** Every user KPI of the period: a number, or null for insufficient data. */
export function oracleUserKpis(
  events: readonly OracleEvent[],
  orders: readonly OracleOrder[],
  request: OracleRequest,
): Record<string, number | null> {
  const zone = request.timeZone;
  const localDay = localDayIn(zone);
  const { first, last } = periodOf(request.kind, request.date);
  const inDays = (day: string, from: string, to: string) => day >= from && day <= to;
  const share = (part: number, whole: number): number | null =>
    whole === 0 || whole < request.minSample ? null : part / whole;

  // Activity: user → set of local days, and the days with a private-channel event.
  const activeDays = new Map<string, Set<string>>();
  const privateDays = new Map<string, Set<string>>();
  const firstSignup = new Map<string, Date>(); // user → first signup instant ever
  for (const event of events) {
    if (event.user_id === null || !KNOWN_EVENT_TYPES.has(event.event_type)) continue;
    const day = localDay(event.event_time);
    setOf(activeDays, event.user_id).add(day);
    if (event.channel !== null && request.privateChannels.includes(event.channel)) {
      setOf(privateDays, event.user_id).add(day);
    }
    if (event.event_type === "signup") {
      const earlier = firstSignup.get(event.user_id);
      if (!earlier || event.event_time < earlier) firstSignup.set(event.user_id, event.event_time);
    }
  }
  const usersSignedUpOn = (from: string, to: string): Map<string, Date> => {
    const cohort = new Map<string, Date>();
    for (const [user, instant] of firstSignup) {
      if (inDays(localDay(instant), from, to)) cohort.set(user, instant);
    }
    return cohort;
  };
  const activeBetween = (from: string, to: string): Set<string> => {
    const users = new Set<string>();
    for (const [user, days] of activeDays) {
      if ([...days].some((day) => inDays(day, from, to))) users.add(user);
    }
    return users;
  };
  const activeOn = (day: string) => activeBetween(day, day);

  // Paid orders: the latest valid record per order_id is paid, with an amount ≥ 0.
  const latest = new Map<string, OracleOrder>();
  for (const record of orders) {
    if (record.order_id === null || record.user_id === null || record.status === null) continue;
    const current = latest.get(record.order_id);
    if (!current || isLater(record, current)) latest.set(record.order_id, record);
  }
  const paid = [...latest.values()].filter((o) => o.status === "paid" && toCents(o.amount) >= 0);
  const paidOnDays = (from: string, to: string) =>
    paid.filter((o) => inDays(localDay(o.order_time), from, to));
  const cents = (list: readonly OracleOrder[]) =>
    list.reduce((sum, o) => sum + toCents(o.amount), 0);

  // Activity metrics.
  const periodDays = daysFrom(first, last);
  const dailyActive = periodDays.map((day) => activeOn(day).size);
  const dau = dailyActive.reduce((a, b) => a + b, 0) / periodDays.length;
  const wau = activeBetween(request.kind === "day" ? shiftDay(last, -6) : first, last);
  const monthStart = shiftDay(last, -29);
  const mau = activeBetween(monthStart, last);
  const privateUsers = new Set(
    [...mau].filter((user) =>
      [...(privateDays.get(user) ?? [])].some((day) => inDays(day, monthStart, last)),
    ),
  );

  // Orders of the period.
  const periodOrders = paidOnDays(first, last);
  const gmvCents = cents(periodOrders);
  const gmv = gmvCents / 100;

  // Repurchase over the 90 days ending the period's last day.
  const ordersPerCustomer = new Map<string, number>();
  for (const order of paidOnDays(shiftDay(last, -89), last)) {
    const buyer = order.user_id ?? "";
    ordersPerCustomer.set(buyer, (ordersPerCustomer.get(buyer) ?? 0) + 1);
  }
  const customers = [...ordersPerCustomer.keys()];
  const repeaters = customers.filter((c) => (ordersPerCustomer.get(c) ?? 0) >= 2);

  // LTV-30 of the matured cohort.
  const ltvCohort =
    request.kind === "day"
      ? usersSignedUpOn(shiftDay(last, -30), shiftDay(last, -30))
      : usersSignedUpOn(shiftDay(first, -35), shiftDay(last, -35));
  let ltvCents = 0;
  for (const [user, instant] of ltvCohort) {
    ltvCents += cents(
      paid.filter(
        (o) =>
          o.user_id === user &&
          o.order_time.getTime() >= instant.getTime() &&
          o.order_time.getTime() < instant.getTime() + 30 * 24 * HOUR,
      ),
    );
  }

  const result: Record<string, number | null> = {
    new_users: usersSignedUpOn(first, last).size,
    dau,
    wau: wau.size,
    mau: mau.size,
    private_domain_share: share(privateUsers.size, mau.size),
    orders: periodOrders.length,
    gmv,
    aov: share(gmv, periodOrders.length),
    paying_users: new Set(periodOrders.map((o) => o.user_id)).size,
    repurchase_rate: share(repeaters.length, customers.length),
    ltv_30: share(ltvCents / 100, ltvCohort.size),
  };

  if (request.kind === "week") {
    const repurchaseStart = shiftDay(last, -89);
    const isPrivate = (user: string) =>
      [...(privateDays.get(user) ?? [])].some((day) => inDays(day, repurchaseStart, last));
    const privateRate = share(
      repeaters.filter(isPrivate).length,
      customers.filter(isPrivate).length,
    );
    const otherRate = share(
      repeaters.filter((c) => !isPrivate(c)).length,
      customers.filter((c) => !isPrivate(c)).length,
    );
    result.arpu = share(gmv, wau.size);
    result.private_domain_repurchase_multiple =
      privateRate === null || otherRate === null || otherRate === 0
        ? null
        : privateRate / otherRate;
    return result;
  }

  const activeToday = activeOn(last);
  const retention = (n: number) => {
    const cohort = usersSignedUpOn(shiftDay(last, -n), shiftDay(last, -n));
    return share([...cohort.keys()].filter((u) => activeToday.has(u)).length, cohort.size);
  };
  const conversionCohort = usersSignedUpOn(shiftDay(last, -7), shiftDay(last, -7));
  const converted = [...conversionCohort].filter(([user, instant]) =>
    paid.some(
      (o) =>
        o.user_id === user &&
        o.order_time.getTime() >= instant.getTime() &&
        o.order_time.getTime() < instant.getTime() + 7 * 24 * HOUR,
    ),
  );
  result.stickiness = share(dau, mau.size);
  result.retention_d1 = retention(1);
  result.retention_d7 = retention(7);
  result.retention_d30 = retention(30);
  result.first_order_conversion = share(converted.length, conversionCohort.size);
  result.arpu = share(gmv, dau);
  return result;
}

/** True when `a` supersedes `b` as the latest record of an order. */
function isLater(a: OracleOrder, b: OracleOrder): boolean {
  if (a.updated_at.getTime() !== b.updated_at.getTime()) return a.updated_at > b.updated_at;
  const aPaid = a.status === "paid";
  const bPaid = b.status === "paid";
  if (aPaid !== bPaid) return !aPaid;
  return toCents(a.amount) < toCents(b.amount);
}

function toCents(amount: string): number {
  const negative = amount.startsWith("-");
  const [whole = "0", fraction = ""] = amount.replace("-", "").split(".");
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  return negative ? -cents : cents;
}

function setOf(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

function localDayIn(timeZone: string): (instant: Date) => string {
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  return (instant) => format.format(instant);
}

function shiftDay(day: string, days: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

function daysFrom(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = shiftDay(day, 1)) days.push(day);
  return days;
}

function periodOf(kind: "day" | "week", date: string): { first: string; last: string } {
  if (kind === "day") return { first: date, last: date };
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  const monday = shiftDay(date, weekday === 0 ? -6 : 1 - weekday);
  return { first: monday, last: shiftDay(monday, 6) };
}
