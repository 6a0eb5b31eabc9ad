/**
 * Whether a comparison value is a full baseline (shared/kpi-spec.md, "Comparisons"): a
 * previous-period or year-earlier value whose window starts before the lake's first day was
 * computed from a cut window (an RFM population of a few weeks, not 365 days), so it is
 * shown as "no full baseline", never as a delta.
 *
 * Pure: the windows come from the metrics' own window functions, the lake's first day from
 * the caller.
 */
import { contentWindows } from "./content.ts";
import { lifecycleWindows, rfmWindows } from "./rfm.ts";
import { userKpiWindows } from "./user-kpis.ts";
import { addDays, type IsoDate, localDateOf, localMidnightUtc, type Period } from "./windows.ts";

/** How far back the efficiency module's freshness looks for the newest event. */
const FRESHNESS_LOOKBACK_DAYS = 7;

/**
 * The earliest local day whose data a metric's value for `period` reads: the start of its
 * longest window (MAU: the 30 days ending D; RFM: the 365 days ending Sunday; a matured
 * cohort: its signup day; a month-to-date count: the 1st of the month).
 */
export function metricWindowStart(metricId: string, period: Period): IsoDate {
  const user = userKpiWindows(period);
  switch (metricId) {
    case "wau":
      return user.wauStart;
    case "mau":
    case "stickiness":
    case "private_domain_share":
    case "users_per_ops_head":
      return earliest(user.mauStart, period.start);
    case "retention_d1":
      return user.retentionCohorts.d1;
    case "retention_d7":
    case "first_order_conversion":
      return user.retentionCohorts.d7;
    case "retention_d30":
      return user.retentionCohorts.d30;
    case "ltv_30":
      return user.ltvCohort.start;
    case "repurchase_rate":
      return user.repurchaseStart;
    case "private_domain_repurchase_multiple":
      return earliest(user.repurchaseStart, user.privateCustomerStart);
    case "rfm_customers":
    case "lifecycle_high_value":
      return rfmWindows(period).currentStart;
    case "lifecycle_new":
    case "lifecycle_active":
    case "lifecycle_dormant":
    case "lifecycle_churned":
      return lifecycleWindows(period).current.quarterStart;
    case "content_published_article":
    case "content_published_video":
      return contentWindows(period).monthStart;
    case "avg_reach":
      return contentWindows(period).reachCohort?.start ?? period.start;
    case "data_freshness_minutes":
      return addDays(period.start, -FRESHNESS_LOOKBACK_DAYS);
    default:
      // The period itself: counts, sums and ratios of the period's own days.
      return period.start;
  }
}

/**
 * The lake's first full local day in `timeZone`, from the UTC date of its first raw
 * partition: the local day that starts at or after that date's first instant (in a zone
 * east of UTC the local day holding 00:00 UTC began the evening before, without data).
 */
export function firstFullLocalDay(firstDt: IsoDate, timeZone: string): IsoDate {
  const firstInstant = new Date(`${firstDt}T00:00:00Z`);
  const day = localDateOf(firstInstant, timeZone);
  return localMidnightUtc(day, timeZone).getTime() < firstInstant.getTime() ? addDays(day, 1) : day;
}

/**
 * Whether the value of `metricId` for the comparison period `period` was read from complete
 * windows: true when its window starts on or after the lake's first full local day (or the
 * lake's extent is unknown).
 */
export function hasFullBaseline(
  metricId: string,
  period: Period,
  lakeFirstDay: IsoDate | undefined,
): boolean {
  return lakeFirstDay === undefined || metricWindowStart(metricId, period) >= lakeFirstDay;
}

function earliest(...days: IsoDate[]): IsoDate {
  return days.toSorted()[0] ?? "";
}
