/**
 * The random lakes of the user-KPI property tests (user-kpis.property.test.ts, and the
 * identity map's, identity.property.test.ts): users built around a report day D so that
 * every window and cohort edge gets hit. Only calendar helpers come from functions/lib; the
 * figures are the oracle's (tests/oracle/).
 */
import fc from "fast-check";
import { addDays, localMidnightUtc } from "../../functions/lib/kpi/windows.ts";
import type { OracleEvent, OracleOrder } from "../oracle/user-kpis.ts";

// ---- the random lake, described relative to the report day D -------------------------

export interface EventSpec {
  readonly dayOffset: number;
  readonly second: number;
  readonly type: string;
  readonly channel: string | null;
}
export interface RecordSpec {
  readonly status: string;
  readonly updatedAfterMinutes: number;
  readonly cents: number;
  /** Negative amount: a refund or cancellation so recorded, or a paid record's only fault. */
  readonly negative: boolean;
  readonly copies: number;
}
export interface OrderSpec {
  /** Absolute (day offset + second), or relative to one of the user's signups. */
  readonly anchor: "absolute" | "conversion_edge" | "ltv_edge" | "after_signup";
  readonly dayOffset: number;
  readonly second: number;
  readonly signupIndex: number;
  readonly records: readonly RecordSpec[];
}
export interface UserSpec {
  /** A signup, mostly on a cohort day (null: none besides the random events). */
  readonly signup: { readonly dayOffset: number; readonly second: number } | null;
  /** An earlier signup of the same user, days before the other one (null: none). */
  readonly earlierSignupDaysBefore: number | null;
  /** An event on D itself (null: none besides the random events). */
  readonly activeOnReportDay: number | null;
  readonly events: readonly EventSpec[];
  readonly orders: readonly OrderSpec[];
}
export interface LakeSpec {
  readonly reportDate: string;
  readonly users: readonly UserSpec[];
}

/** Day offsets from D that matter to some metric: cohorts, window edges, lookbacks. */
export const EDGE_OFFSETS = [
  0, 1, -1, -2, -6, -7, -8, -29, -30, -31, -35, -36, -38, -41, -42, -60, -61, -65, -71, -72, -89,
  -90,
];
// Mostly edges, some anywhere: fewer distinct days keep each lake to a few dozen files.
export const dayOffset = fc.oneof(
  { arbitrary: fc.constantFrom(...EDGE_OFFSETS), weight: 3 },
  { arbitrary: fc.integer({ min: -95, max: 3 }), weight: 1 },
);
/** Signup days: the daily cohorts (D, D-1, D-7, D-30), the weekly LTV cohort, or any day. */
const signupOffset = fc.oneof(fc.constantFrom(0, -1, -7, -30, -36, -38, -40), dayOffset);
/** Second of the local day: mostly seconds around midnight (negative: the day before). */
export const second = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(86_399, 86_398),
  fc.integer({ min: 0, max: 86_399 }),
);

const eventSpec: fc.Arbitrary<EventSpec> = fc.record({
  dayOffset,
  second,
  // "teleport" is no event type of the contract: a data-quality failure, not activity.
  type: fc.constantFrom(
    "signup",
    "signup",
    "page_view",
    "session_start",
    "content_view",
    "teleport",
  ),
  channel: fc.constantFrom(null, "app", "web", "wecom", "community", "miniprogram", "email"),
});

const recordSpec: fc.Arbitrary<RecordSpec> = fc
  .record({
    status: fc.constantFrom("paid", "paid", "paid", "refunded", "cancelled"),
    updatedAfterMinutes: fc.integer({ min: 0, max: 3 }),
    cents: fc.oneof(fc.constantFrom(0, 1, 9_999), fc.integer({ min: 0, max: 5_000_000 })),
    negative: fc.boolean(),
    copies: fc.constantFrom(1, 1, 2),
  })
  // Half the refunds and cancellations are negative; a paid record rarely (its only fault).
  .map((record) =>
    record.status === "paid" && record.negative && record.cents % 8 !== 0
      ? { ...record, negative: false }
      : record,
  );

const orderSpec: fc.Arbitrary<OrderSpec> = fc.record({
  anchor: fc.constantFrom("absolute", "absolute", "conversion_edge", "ltv_edge", "after_signup"),
  dayOffset: fc.oneof(fc.constant(0), dayOffset),
  second: fc.oneof(second, fc.integer({ min: -2, max: 2 })),
  signupIndex: fc.nat(5),
  records: fc.array(recordSpec, { minLength: 1, maxLength: 3 }),
});

const userSpec: fc.Arbitrary<UserSpec> = fc.record({
  signup: fc.option(fc.record({ dayOffset: signupOffset, second }), { freq: 4 }),
  // Within 30 days, just beyond, 40 days, and beyond 365 days (the lake reaches back there).
  earlierSignupDaysBefore: fc.option(fc.constantFrom(3, 29, 30, 31, 40, 366, 400), {
    freq: 3,
  }),
  activeOnReportDay: fc.option(second, { freq: 2 }),
  events: fc.array(eventSpec, { minLength: 0, maxLength: 6 }),
  orders: fc.array(orderSpec, { minLength: 0, maxLength: 3 }),
});

export const lakeSpec = (reportDates: fc.Arbitrary<string>): fc.Arbitrary<LakeSpec> =>
  fc.record({
    reportDate: reportDates,
    users: fc.array(userSpec, { minLength: 3, maxLength: 36 }),
  });

export function dateIn(from: string, days: number): fc.Arbitrary<string> {
  return fc.integer({ min: 0, max: days - 1 }).map((n) => addDays(from, n));
}

/** Concrete rows of a lake spec in `zone`. */
export function buildLake(spec: LakeSpec, zone: string) {
  const at = (offset: number, secondOfDay: number) =>
    new Date(
      localMidnightUtc(addDays(spec.reportDate, offset), zone).getTime() + secondOfDay * 1000,
    );
  const events: (OracleEvent & { event_id: string })[] = [];
  const orders: (OracleOrder & { currency: string })[] = [];
  let firstDay = 0;
  spec.users.forEach((user, u) => {
    const userId = `u${u}`;
    const signups: Date[] = [];
    const extra: EventSpec[] = [];
    if (user.signup) extra.push({ ...user.signup, type: "signup", channel: "app" });
    if (user.signup && user.earlierSignupDaysBefore !== null) {
      extra.push({
        dayOffset: user.signup.dayOffset - user.earlierSignupDaysBefore,
        second: user.signup.second,
        type: "signup",
        channel: "web",
      });
    }
    if (user.activeOnReportDay !== null) {
      extra.push({
        dayOffset: 0,
        second: user.activeOnReportDay,
        type: "page_view",
        channel: "web",
      });
    }
    [...extra, ...user.events].forEach((event, e) => {
      const time = at(event.dayOffset, event.second);
      if (event.type === "signup") signups.push(time);
      firstDay = Math.min(firstDay, event.dayOffset - 1);
      events.push({
        event_id: `e${u}-${e}`,
        event_time: time,
        user_id: userId,
        event_type: event.type,
        channel: event.channel,
      });
    });
    user.orders.forEach((order, o) => {
      const signup = signups.length ? signups[order.signupIndex % signups.length] : undefined;
      const hours = order.anchor === "conversion_edge" ? 168 : 720;
      const orderTime =
        order.anchor === "absolute" || !signup
          ? at(order.dayOffset, order.second)
          : order.anchor === "after_signup"
            ? new Date(signup.getTime() + Math.abs(order.second) * 30_000)
            : new Date(signup.getTime() + hours * 3_600_000 + order.second * 1000);
      for (const record of order.records) {
        const sign = record.negative && record.cents > 0 ? "-" : "";
        for (let copy = 0; copy < record.copies; copy++) {
          orders.push({
            order_id: `o${u}-${o}`,
            user_id: userId,
            order_time: orderTime,
            updated_at: new Date(orderTime.getTime() + record.updatedAfterMinutes * 60_000),
            amount: `${sign}${Math.floor(record.cents / 100)}.${String(record.cents % 100).padStart(2, "0")}`,
            currency: "CNY",
            status: record.status,
          });
        }
      }
    });
  });
  return { events, orders, firstDay: addDays(spec.reportDate, firstDay) };
}
