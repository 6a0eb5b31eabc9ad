/**
 * Plain-array lakes for the segments, content, campaigns and efficiency oracles: the row
 * types, the few calendar helpers the oracles need (local days straight from `Intl`, date
 * arithmetic on UTC midnights), the paid-order rule, and a fast-check generator of small
 * random lakes built around a report day, with the edge cases each module cares about.
 *
 * Shares no code with `functions/lib/kpi/` or the SQL: the oracles must stay independent.
 */
import fc from "fast-check";
import { EVENT_TYPES } from "../../functions/lib/contract/schema.ts";

export type LakeEvent = {
  readonly event_id: string | null;
  readonly event_time: Date;
  readonly user_id: string | null;
  readonly event_type: string | null;
  readonly channel: string | null;
  readonly content_id: string | null;
  readonly campaign_id: string | null;
  readonly referrer_user_id: string | null;
  readonly automated: boolean | null;
};

export type LakeOrder = {
  readonly order_id: string | null;
  readonly user_id: string | null;
  readonly order_time: Date;
  readonly updated_at: Date;
  /** Decimal with two places, e.g. "12.30" or "-1.00". */
  readonly amount: string;
  readonly currency: string;
  readonly status: string | null;
  readonly channel: string | null;
  readonly campaign_id: string | null;
  readonly content_id: string | null;
};

export type LakeCampaign = {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly start_date: string;
  readonly end_date: string;
  readonly cost: string;
};

export type LakeContent = {
  readonly id: string;
  readonly title: string;
  readonly format: string;
  readonly channel: string | null;
  readonly published_at: Date;
  readonly production_cost: string | null;
};

export interface Lake {
  readonly events: readonly LakeEvent[];
  readonly orders: readonly LakeOrder[];
  readonly campaigns: readonly LakeCampaign[];
  readonly content: readonly LakeContent[];
}

// ---- calendar helpers ----------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local date `YYYY-MM-DD` of an instant in a zone. */
export function localDay(instant: Date, timeZone: string): string {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    formatters.set(timeZone, format);
  }
  return format.format(instant);
}

export function shiftDay(day: string, days: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to`. */
export function dayDiff(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The Monday and Sunday of the ISO week containing `date`. */
export function isoWeekOf(date: string): { first: string; last: string } {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  const monday = shiftDay(date, weekday === 0 ? -6 : 1 - weekday);
  return { first: monday, last: shiftDay(monday, 6) };
}

/**
 * The instant local day `day` starts in `zone`, found by search on `localDay` (no offset
 * arithmetic): the first millisecond whose local date is `day`.
 */
export function dayStart(day: string, zone: string): Date {
  let before = Date.parse(`${day}T00:00:00Z`) - 15 * 3_600_000;
  let after = Date.parse(`${day}T00:00:00Z`) + 15 * 3_600_000;
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (localDay(new Date(middle), zone) < day) before = middle;
    else after = middle;
  }
  return new Date(after);
}

/**
 * Whether an event counts in KPIs: it has a user and a type of the data contract (the
 * others are data-quality failures and never move a KPI).
 */
export function isValidEvent(event: LakeEvent): boolean {
  return (
    event.user_id !== null &&
    event.event_type !== null &&
    (EVENT_TYPES as readonly string[]).includes(event.event_type)
  );
}

// ---- money and orders ----------------------------------------------------------------

/** Exact cents of a two-place decimal string. */
export function toCents(amount: string): number {
  const negative = amount.startsWith("-");
  const [whole = "0", fraction = ""] = amount.replace("-", "").split(".");
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  return negative ? -cents : cents;
}

/**
 * Paid orders (shared/kpi-spec.md, "Paid order"): per order_id, the latest record by
 * updated_at among the records with an order_id, a user_id and a status, whatever the sign
 * of a refund's or cancellation's amount (on a tie a non-paid record wins, then the smaller
 * amount), when it is `paid` with an amount ≥ 0: a negative amount is invalid only on a
 * paid record, and an order whose latest record is one is no paid order.
 */
export function paidOrders(orders: readonly LakeOrder[]): LakeOrder[] {
  const latest = new Map<string, LakeOrder>();
  for (const record of orders) {
    if (record.order_id === null || record.user_id === null || record.status === null) continue;
    const current = latest.get(record.order_id);
    if (!current || isLater(record, current)) latest.set(record.order_id, record);
  }
  return [...latest.values()].filter(
    (order) => order.status === "paid" && toCents(order.amount) >= 0,
  );
}

function isLater(a: LakeOrder, b: LakeOrder): boolean {
  if (a.updated_at.getTime() !== b.updated_at.getTime()) return a.updated_at > b.updated_at;
  const aPaid = a.status === "paid";
  const bPaid = b.status === "paid";
  if (aPaid !== bPaid) return !aPaid;
  return toCents(a.amount) < toCents(b.amount);
}

// ---- random lakes ----------------------------------------------------------------------

interface EventSpec {
  /** `reach_*`: at the item's publication (start) or 7 × 24 h later (end), ± `second`. */
  readonly anchor: "day" | "reach_start" | "reach_end";
  readonly dayOffset: number;
  readonly second: number;
  readonly type: string;
  readonly contentIndex: number | null;
  readonly campaignIndex: number | null;
  readonly automated: boolean | null;
  readonly copies: number;
  readonly flaw: "none" | "null_id" | "null_user" | "future";
}
interface RecordSpec {
  readonly status: string;
  readonly updatedAfterMinutes: number;
  readonly cents: number;
  /** A refund or cancellation recorded as a negative amount (as many sources do). */
  readonly negativeIfNotPaid: boolean;
  readonly copies: number;
}
interface OrderSpec {
  readonly dayOffset: number;
  readonly second: number;
  readonly campaignIndex: number | null;
  readonly contentIndex: number | null;
  readonly records: readonly RecordSpec[];
  readonly flaw: "none" | "null_id" | "null_user" | "future";
}
interface UserSpec {
  /** The campaign of the user's events and orders that name none themselves (or none). */
  readonly campaignIndex: number | null;
  readonly events: readonly EventSpec[];
  readonly orders: readonly OrderSpec[];
}
interface CampaignSpec {
  readonly startOffset: number;
  readonly days: number;
  /** Ends on D-1 (its final snapshot is due on D), starting at most `days` before. */
  readonly endsTheDayBefore: boolean;
  readonly costCents: number;
}
/** Where an item's publication is placed: a day offset, or (± seconds) a period edge. */
type ContentAnchor =
  | "day"
  | "month_of_report"
  | "month_of_sunday"
  | "week_start"
  | "previous_week_start"
  | "next_week_start";
interface ContentSpec {
  readonly anchor: ContentAnchor;
  readonly dayOffset: number;
  readonly second: number;
  readonly format: string;
  readonly costCents: number | null;
}

/** A random lake described relative to its report day D. */
export interface LakeSpec {
  readonly reportDate: string;
  readonly users: readonly UserSpec[];
  readonly campaigns: readonly CampaignSpec[];
  readonly content: readonly ContentSpec[];
  /** Seconds after the end of D at which the run happens (efficiency). */
  readonly runAfterSeconds: number;
  /** When set, the run happens exactly at the time of this event (index modulo count). */
  readonly runAtEvent: number | null;
}

/** What a module's property test wants the lakes to stress. */
export interface LakeShape {
  readonly reportDates: fc.Arbitrary<string>;
  /** Day offsets (from D) of events and orders. */
  readonly activityDays: fc.Arbitrary<number>;
  readonly eventTypes: readonly string[];
  readonly users?: { readonly min: number; readonly max: number };
  /** Events and orders per user (default 0 … 6 and 0 … 4). */
  readonly eventsPerUser?: { readonly min: number; readonly max: number };
  readonly ordersPerUser?: { readonly min: number; readonly max: number };
  readonly campaigns?: {
    readonly min?: number;
    readonly max: number;
    readonly startOffsets: fc.Arbitrary<number>;
    readonly days: fc.Arbitrary<number>;
  };
  readonly content?: { readonly max: number; readonly dayOffsets: fc.Arbitrary<number> };
  /** Share of events and orders with a data-quality flaw (0 … 1). */
  readonly flawRate?: number;
  /** Order statuses to draw (weights by repetition). */
  readonly statuses?: readonly string[];
}

/** Seconds of a local day: mostly around midnight (negative: the day before). */
const secondOfDay = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(86_399, 86_398),
  fc.integer({ min: 0, max: 86_399 }),
);

export function lakeSpec(shape: LakeShape): fc.Arbitrary<LakeSpec> {
  const flawRate = shape.flawRate ?? 0;
  const flaw: fc.Arbitrary<EventSpec["flaw"]> =
    flawRate > 0
      ? fc.oneof(
          { arbitrary: fc.constant("none" as const), weight: Math.round(100 * (1 - flawRate)) },
          {
            arbitrary: fc.constantFrom("null_id" as const, "null_user" as const, "future" as const),
            weight: Math.round(100 * flawRate),
          },
        )
      : fc.constant("none" as const);
  const campaignCount = shape.campaigns?.max ?? 0;
  const contentCount = shape.content?.max ?? 0;
  // Indexes one past the dimension's size reference an id the dimension does not have.
  const campaignIndex = fc.option(fc.nat(campaignCount), { freq: 2 });
  const contentIndex = fc.option(fc.nat(contentCount), { freq: 3 });
  const eventSpec: fc.Arbitrary<EventSpec> = fc.record({
    anchor:
      contentCount > 0
        ? fc.constantFrom("day", "day", "day", "reach_start", "reach_end")
        : fc.constant("day"),
    dayOffset: shape.activityDays,
    second: secondOfDay,
    type: fc.constantFrom(...shape.eventTypes),
    contentIndex,
    campaignIndex,
    automated: fc.constantFrom(null, true, true, false),
    copies: fc.constantFrom(1, 1, 1, 2),
    flaw,
  });
  const recordSpec: fc.Arbitrary<RecordSpec> = fc.record({
    status: fc.constantFrom(
      ...(shape.statuses ?? ["paid", "paid", "paid", "refunded", "cancelled"]),
    ),
    updatedAfterMinutes: fc.integer({ min: 0, max: 3 }),
    cents: fc.oneof(
      { arbitrary: fc.constantFrom(0, 1, 100, 100, 9_999), weight: 10 },
      { arbitrary: fc.integer({ min: 0, max: 500_000 }), weight: 10 },
      // A negative amount: a data-quality flaw on a paid record (its only fault), none on
      // a refund or cancellation.
      { arbitrary: fc.integer({ min: -500, max: -1 }), weight: flawRate > 0 ? 1 : 0 },
    ),
    negativeIfNotPaid: fc.boolean(),
    copies: fc.constantFrom(1, 1, 2),
  });
  const orderSpec: fc.Arbitrary<OrderSpec> = fc.record({
    dayOffset: shape.activityDays,
    second: secondOfDay,
    campaignIndex,
    contentIndex,
    records: fc.array(recordSpec, { minLength: 1, maxLength: 3 }),
    flaw,
  });
  const userSpec: fc.Arbitrary<UserSpec> = fc.record({
    campaignIndex,
    events: fc.array(eventSpec, {
      minLength: shape.eventsPerUser?.min ?? 0,
      maxLength: shape.eventsPerUser?.max ?? 6,
    }),
    orders: fc.array(orderSpec, {
      minLength: shape.ordersPerUser?.min ?? 0,
      maxLength: shape.ordersPerUser?.max ?? 4,
    }),
  });
  const campaignSpec: fc.Arbitrary<CampaignSpec> = fc.record({
    startOffset: shape.campaigns?.startOffsets ?? fc.constant(0),
    days: shape.campaigns?.days ?? fc.constant(1),
    endsTheDayBefore: fc.constantFrom(false, false, true),
    costCents: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000_000 })),
  });
  const contentSpec: fc.Arbitrary<ContentSpec> = fc.record({
    anchor: fc.constantFrom<ContentAnchor>(
      "day",
      "day",
      "day",
      "month_of_report",
      "month_of_sunday",
      "week_start",
      "previous_week_start",
      "next_week_start",
    ),
    dayOffset: shape.content?.dayOffsets ?? fc.constant(0),
    second: secondOfDay,
    format: fc.constantFrom("article", "article", "video", "live"),
    costCents: fc.option(fc.integer({ min: 0, max: 100_000 }), { freq: 4 }),
  });
  return fc.record({
    reportDate: shape.reportDates,
    users: fc.array(userSpec, {
      minLength: shape.users?.min ?? 3,
      maxLength: shape.users?.max ?? 30,
    }),
    campaigns: fc.array(campaignSpec, {
      minLength: shape.campaigns?.min ?? 0,
      maxLength: campaignCount,
    }),
    content: fc.array(contentSpec, { minLength: 0, maxLength: contentCount }),
    runAtEvent: fc.option(fc.nat(), { freq: 4 }),
    runAfterSeconds: fc.oneof(
      fc.integer({ min: 0, max: 3 * 3600 }),
      fc.integer({ min: -3600, max: 10 * 86_400 }),
    ),
  });
}

/** The report dates `from` … `from + days - 1`. */
export function dateIn(from: string, days: number): fc.Arbitrary<string> {
  return fc.integer({ min: 0, max: days - 1 }).map((n) => shiftDay(from, n));
}

/** Concrete rows of a lake spec in `zone`, and the run time. */
export function buildLake(spec: LakeSpec, zone: string): Lake & { readonly now: Date } {
  const at = (offset: number, second: number) =>
    new Date(dayStart(shiftDay(spec.reportDate, offset), zone).getTime() + second * 1000);
  const afterReportDay = new Date(at(1, 0).getTime() + spec.runAfterSeconds * 1000);
  const future = (time: Date) => new Date(Math.max(time.getTime(), now.getTime()) + 60_000);
  const campaignId = (index: number | null) => (index === null ? null : `k${index}`);
  const contentId = (index: number | null) => (index === null ? null : `c${index}`);
  const week = isoWeekOf(spec.reportDate);
  const edge = (day: string, second: number) =>
    new Date(
      dayStart(day, zone).getTime() + Math.sign(second) * Math.min(Math.abs(second), 3) * 1000,
    );
  const publishedAt = (item: ContentSpec): Date => {
    switch (item.anchor) {
      case "day":
        return at(item.dayOffset, item.second);
      case "month_of_report":
        return edge(`${spec.reportDate.slice(0, 7)}-01`, item.second);
      case "month_of_sunday":
        return edge(`${week.last.slice(0, 7)}-01`, item.second);
      case "week_start":
        return edge(week.first, item.second);
      case "previous_week_start":
        return edge(shiftDay(week.first, -7), item.second);
      case "next_week_start":
        return edge(shiftDay(week.first, 7), item.second);
    }
  };
  const content = spec.content.map((item, c) => ({
    id: `c${c}`,
    title: `Item ${c}`,
    format: item.format,
    channel: null,
    published_at: publishedAt(item),
    production_cost: item.costCents === null ? null : centsText(item.costCents),
  }));
  const eventTime = (event: EventSpec): Date => {
    const item = event.contentIndex === null ? undefined : content[event.contentIndex];
    if (event.anchor === "day" || !item || !event.type.startsWith("content_")) {
      return at(event.dayOffset, event.second);
    }
    const reachEnd = event.anchor === "reach_end" ? 7 * 24 * 3_600_000 : 0;
    const jitter = Math.sign(event.second) * Math.min(Math.abs(event.second), 3) * 1000;
    return new Date(item.published_at.getTime() + reachEnd + jitter);
  };
  const eventTimes = spec.users.flatMap((user) => user.events.map(eventTime));
  const now =
    spec.runAtEvent === null || eventTimes.length === 0
      ? afterReportDay
      : (eventTimes[spec.runAtEvent % eventTimes.length] as Date);
  const events: LakeEvent[] = [];
  const orders: LakeOrder[] = [];
  spec.users.forEach((user, u) => {
    user.events.forEach((event, e) => {
      const time = eventTime(event);
      const row: LakeEvent = {
        event_id: event.flaw === "null_id" ? null : `e${u}-${e}`,
        event_time: event.flaw === "future" ? future(time) : time,
        user_id: event.flaw === "null_user" ? null : `u${u}`,
        event_type: event.type,
        channel: null,
        content_id: event.type.startsWith("content_") ? contentId(event.contentIndex) : null,
        campaign_id: campaignId(event.campaignIndex ?? user.campaignIndex),
        referrer_user_id: null,
        automated: event.type === "message_sent" ? event.automated : null,
      };
      for (let copy = 0; copy < event.copies; copy++) events.push(row);
    });
    user.orders.forEach((order, o) => {
      const time = at(order.dayOffset, order.second);
      const orderTime = order.flaw === "future" ? future(time) : time;
      for (const record of order.records) {
        const cents = Math.abs(record.cents);
        const negative =
          record.cents < 0 || (record.status !== "paid" && record.negativeIfNotPaid && cents > 0);
        const amount = `${negative ? "-" : ""}${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
        const row: LakeOrder = {
          order_id: order.flaw === "null_id" ? null : `o${u}-${o}`,
          user_id: order.flaw === "null_user" ? null : `u${u}`,
          order_time: orderTime,
          updated_at: new Date(orderTime.getTime() + record.updatedAfterMinutes * 60_000),
          amount,
          currency: "CNY",
          status: record.status,
          channel: null,
          campaign_id: campaignId(order.campaignIndex ?? user.campaignIndex),
          content_id: contentId(order.contentIndex),
        };
        for (let copy = 0; copy < record.copies; copy++) orders.push(row);
      }
    });
  });
  const campaigns = spec.campaigns.map((campaign, k) => {
    const start = campaign.endsTheDayBefore ? -campaign.days : campaign.startOffset;
    const end = campaign.endsTheDayBefore ? -1 : campaign.startOffset + campaign.days - 1;
    return {
      id: `k${k}`,
      name: `Campaign ${k}`,
      type: "conversion",
      start_date: shiftDay(spec.reportDate, start),
      end_date: shiftDay(spec.reportDate, end),
      cost: centsText(campaign.costCents),
    };
  });
  return { events, orders, campaigns, content, now };
}

function centsText(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

// ---- hand-written fixture rows --------------------------------------------------------

/** An event row with defaults for the columns a fixture does not care about. */
export function eventRow(fields: Partial<LakeEvent> & { event_time: Date }): LakeEvent {
  return {
    event_id: `e-${fields.event_time.toISOString()}-${fields.user_id ?? "none"}-${fields.event_type ?? ""}`,
    user_id: "u1",
    event_type: "page_view",
    channel: null,
    content_id: null,
    campaign_id: null,
    referrer_user_id: null,
    automated: null,
    ...fields,
  };
}

/** An order record with defaults: paid, updated when placed, CNY. */
export function orderRow(
  fields: Partial<LakeOrder> & { order_id: string | null; order_time: Date; amount: string },
): LakeOrder {
  return {
    user_id: "u1",
    updated_at: fields.order_time,
    currency: "CNY",
    status: "paid",
    channel: null,
    campaign_id: null,
    content_id: null,
    ...fields,
  };
}
