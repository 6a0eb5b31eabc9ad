/**
 * User and order KPIs (AARRR): the windows each metric reads and the step from the counts of
 * `queries/user_kpis.sql` to metric values. Every ratio goes through `ratio()`, so the
 * min-sample rule applies to all of them (stickiness, retention, conversion, AOV, ARPU, LTV,
 * private-domain share, repurchase rate).
 *
 * Pure: no clock, no I/O. Definitions follow `shared/kpi-spec.md`; the choices that the
 * spec leaves open are named constants here and stated where they are used.
 */

import type { Row } from "./values.ts";
import { amount, type KpiSettings, type MetricValue, minSampleFor, ratio } from "./values.ts";
import { addDays, daysBetween, type IsoDate, type Period } from "./windows.ts";

/**
 * How far before its earliest cohort day a run brings the `user_day` rollup up to date and
 * folds it into the per-user state (functions/lib/rollups/user-state.ts). A user's signup
 * day is the day of their first signup ever recorded, from that state; these days are what
 * a cold first run's state (or an inlined one, rollups off) sees of a user's earlier
 * signups, the same days the runs read before the state existed.
 */
export const SIGNUP_LOOKBACK_DAYS = 30;
/** "The 30 days ending D" for MAU and private-domain share. */
export const MAU_WINDOW_DAYS = 30;
/** "The 90 days ending D" for the repurchase rate. */
export const REPURCHASE_WINDOW_DAYS = 90;
/** First-order conversion: `[signup, signup + 7 × 24 h)` (the SQL spells it `interval '168' hour`). */
export const CONVERSION_WINDOW_HOURS = 7 * 24;
/** LTV: `[signup, signup + 30 × 24 h)` (the SQL spells it `interval '720' hour`). */
export const LTV_WINDOW_HOURS = 30 * 24;

/** The local days each user KPI of a period looks at. D is the period's last day. */
export interface UserKpiWindows {
  readonly periodStart: IsoDate;
  readonly periodEnd: IsoDate;
  /** WAU: the 7 days ending D; weekly: the ISO week itself. */
  readonly wauStart: IsoDate;
  /** MAU and private-domain share: the 30 days ending D. */
  readonly mauStart: IsoDate;
  /** Matured cohorts of the daily report: signed up on D-1, D-7, D-30. */
  readonly retentionCohorts: { readonly d1: IsoDate; readonly d7: IsoDate; readonly d30: IsoDate };
  /** First-order conversion: signed up on D-7 (their 7 × 24 h have closed by D's end). */
  readonly conversionCohort: IsoDate;
  /**
   * LTV-30: signed up on D-30; weekly, the ISO week five weeks back, the latest week whose
   * users' 30 × 24 h windows have all closed by the report's Sunday.
   */
  readonly ltvCohort: { readonly start: IsoDate; readonly end: IsoDate };
  /** Repurchase rate: the 90 days ending D. */
  readonly repurchaseStart: IsoDate;
  /**
   * Private-domain repurchase multiple (weekly): a private-domain customer has a
   * private-domain event in the same 90 days ending Sunday as the repurchase rates. The
   * daily report has no multiple: the MAU window, which it reads anyway.
   */
  readonly privateCustomerStart: IsoDate;
  /** The earliest local day of `user_day` the run keeps fresh and folds into the user state. */
  readonly eventsStart: IsoDate;
}

/** The windows of every user KPI for `period`. */
export function userKpiWindows(period: Period): UserKpiWindows {
  const d = period.end;
  const retentionCohorts = { d1: addDays(d, -1), d7: addDays(d, -7), d30: addDays(d, -30) };
  const ltvCohort =
    period.kind === "day"
      ? { start: addDays(d, -30), end: addDays(d, -30) }
      : { start: addDays(period.start, -35), end: addDays(period.end, -35) };
  const earliestCohortDay = earliest(
    period.start,
    retentionCohorts.d30,
    retentionCohorts.d7,
    ltvCohort.start,
  );
  const mauStart = addDays(d, 1 - MAU_WINDOW_DAYS);
  return {
    periodStart: period.start,
    periodEnd: d,
    wauStart: period.kind === "day" ? addDays(d, -6) : period.start,
    mauStart,
    retentionCohorts,
    conversionCohort: retentionCohorts.d7,
    ltvCohort,
    repurchaseStart: addDays(d, 1 - REPURCHASE_WINDOW_DAYS),
    privateCustomerStart:
      period.kind === "week" ? addDays(d, 1 - REPURCHASE_WINDOW_DAYS) : mauStart,
    eventsStart: earliest(addDays(earliestCohortDay, -SIGNUP_LOOKBACK_DAYS), mauStart),
  };
}

function earliest(...dates: IsoDate[]): IsoDate {
  return dates.sort()[0] ?? "";
}

/** The counts `queries/user_kpis.sql` returns; money as exact decimal strings. */
export interface UserKpiCounts {
  readonly newUsers: number;
  readonly activeUserDays: number;
  readonly wauUsers: number;
  readonly mauUsers: number;
  readonly privateMauUsers: number;
  readonly retention: Readonly<Record<"d1" | "d7" | "d30", { cohort: number; retained: number }>>;
  readonly conversionCohortUsers: number;
  readonly convertedUsers: number;
  readonly ltvCohortUsers: number;
  readonly ltvRevenue: string;
  readonly paidOrders: number;
  readonly gmv: string;
  readonly payingUsers: number;
  readonly repurchaseCustomers: number;
  readonly repurchaseRepeatCustomers: number;
  readonly privateRepurchaseCustomers: number;
  readonly privateRepurchaseRepeatCustomers: number;
}

/** Reads the single row of `user_kpis.sql`; throws naming a missing or mistyped column. */
export function userKpiCountsFromRow(row: Row): UserKpiCounts {
  const count = (column: string): number => {
    const cell = row[column];
    const value = typeof cell === "string" ? Number(cell) : cell;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      throw new Error(`user_kpis row: column ${column} must be a count, got ${String(cell)}`);
    }
    return value;
  };
  const decimal = (column: string): string => {
    const cell = row[column];
    const text = typeof cell === "number" ? String(cell) : cell;
    if (typeof text !== "string" || !/^-?\d+(\.\d+)?$/.test(text)) {
      throw new Error(`user_kpis row: column ${column} must be a decimal, got ${String(cell)}`);
    }
    return text;
  };
  const cohort = (n: string) => ({
    cohort: count(`retention_${n}_cohort_users`),
    retained: count(`retention_${n}_retained_users`),
  });
  return {
    newUsers: count("new_users"),
    activeUserDays: count("active_user_days"),
    wauUsers: count("wau_users"),
    mauUsers: count("mau_users"),
    privateMauUsers: count("private_mau_users"),
    retention: { d1: cohort("d1"), d7: cohort("d7"), d30: cohort("d30") },
    conversionCohortUsers: count("conversion_cohort_users"),
    convertedUsers: count("converted_users"),
    ltvCohortUsers: count("ltv_cohort_users"),
    ltvRevenue: decimal("ltv_revenue"),
    paidOrders: count("paid_orders"),
    gmv: decimal("gmv"),
    payingUsers: count("paying_users"),
    repurchaseCustomers: count("repurchase_customers"),
    repurchaseRepeatCustomers: count("repurchase_repeat_customers"),
    privateRepurchaseCustomers: count("private_repurchase_customers"),
    privateRepurchaseRepeatCustomers: count("private_repurchase_repeat_customers"),
  };
}

/** Metric ids this module reports, by period kind (ids from the registry). */
export const USER_KPI_IDS: Readonly<Record<Period["kind"], readonly string[]>> = {
  day: [
    "new_users",
    "dau",
    "wau",
    "mau",
    "stickiness",
    "retention_d1",
    "retention_d7",
    "retention_d30",
    "first_order_conversion",
    "private_domain_share",
    "orders",
    "gmv",
    "aov",
    "paying_users",
    "arpu",
    "repurchase_rate",
    "ltv_30",
  ],
  week: [
    "new_users",
    "dau",
    "wau",
    "mau",
    "private_domain_share",
    "private_domain_repurchase_multiple",
    "orders",
    "gmv",
    "aov",
    "paying_users",
    "arpu",
    "repurchase_rate",
    "ltv_30",
  ],
};

/**
 * Metric values from the counts. Weekly: `dau` is the mean of the week's seven daily active
 * user counts, and `arpu` is GMV / WAU (a week's revenue over the week's active users, as the
 * spec asks), not GMV / DAU.
 */
export function userKpis(
  counts: UserKpiCounts,
  period: Period,
  settings: Pick<KpiSettings, "minSample" | "metricMinSamples">,
): Record<string, MetricValue> {
  const min = (id: string) => minSampleFor(settings, id);
  const gmv = Number(counts.gmv);
  const daysInPeriod = daysBetween(period.start, period.end) + 1;
  const common: Record<string, MetricValue> = {
    new_users: amount(counts.newUsers),
    dau: amount(counts.activeUserDays / daysInPeriod),
    wau: amount(counts.wauUsers),
    mau: amount(counts.mauUsers),
    private_domain_share: ratio(
      counts.privateMauUsers,
      counts.mauUsers,
      min("private_domain_share"),
    ),
    orders: amount(counts.paidOrders),
    gmv: amount(gmv),
    aov: ratio(gmv, counts.paidOrders, min("aov")),
    paying_users: amount(counts.payingUsers),
    repurchase_rate: ratio(
      counts.repurchaseRepeatCustomers,
      counts.repurchaseCustomers,
      min("repurchase_rate"),
    ),
    ltv_30: ratio(Number(counts.ltvRevenue), counts.ltvCohortUsers, min("ltv_30")),
  };
  if (period.kind === "week") {
    return {
      ...common,
      arpu: ratio(gmv, counts.wauUsers, min("arpu")),
      private_domain_repurchase_multiple: privateDomainRepurchaseMultiple(
        counts,
        min("private_domain_repurchase_multiple"),
      ),
    };
  }
  const retention = (n: "d1" | "d7" | "d30") =>
    ratio(counts.retention[n].retained, counts.retention[n].cohort, min(`retention_${n}`));
  return {
    ...common,
    stickiness: ratio(counts.activeUserDays, counts.mauUsers, min("stickiness")),
    retention_d1: retention("d1"),
    retention_d7: retention("d7"),
    retention_d30: retention("d30"),
    first_order_conversion: ratio(
      counts.convertedUsers,
      counts.conversionCohortUsers,
      min("first_order_conversion"),
    ),
    arpu: ratio(gmv, counts.activeUserDays, min("arpu")),
  };
}

/**
 * Repurchase rate of private-domain customers over that of the others. Insufficient when
 * either group is below the minimum sample (the sample shown is the smaller group); no value
 * when the others never repurchase (the multiple is unbounded).
 */
export function privateDomainRepurchaseMultiple(
  counts: UserKpiCounts,
  minSample: number,
): MetricValue {
  const privateRate = ratio(
    counts.privateRepurchaseRepeatCustomers,
    counts.privateRepurchaseCustomers,
    minSample,
  );
  const otherRate = ratio(
    counts.repurchaseRepeatCustomers - counts.privateRepurchaseRepeatCustomers,
    counts.repurchaseCustomers - counts.privateRepurchaseCustomers,
    minSample,
  );
  if (privateRate.value === null || otherRate.value === null) {
    return {
      value: null,
      reason: "insufficient_sample",
      sample: Math.min(privateRate.sample ?? 0, otherRate.sample ?? 0),
    };
  }
  if (otherRate.value === 0) return { value: null, reason: "no_data" };
  return {
    value: privateRate.value / otherRate.value,
    sample: Math.min(privateRate.sample ?? 0, otherRate.sample ?? 0),
  };
}
