/**
 * The RFM state of a report week (`rfm_week`): one row per customer of the 365 local days
 * ending the week's Sunday or of those ending the Sunday before, with the local date of the
 * last paid order, F (paid orders) and M (their amounts) in each window, partitioned by the
 * week's Sunday (`local_date`). The weekly RFM query (`queries/rfm_segments.sql`) reads the
 * report week's state: its exact medians count about a customer per row, and each
 * customer's movement between the windows is on one row, instead of adding up 372 days of
 * orders and joining the two windows' customers at every run (issue 25).
 *
 * - **Carried week to week.** state(W) = the customers of state(W − 7)'s window (its facts
 *   become the previous window's) − the paid orders of the 7 days that leave the window +
 *   those of the 7 days that enter it (`queries/rollup_rfm_week.sql`). Counts and sums carry
 *   exactly; the last order date is the newer of the entering days' and the carried one (a
 *   customer whose last order left has no order left).
 * - **As of its week.** A state is kept per week, so a re-run of a past week reads what its
 *   first run read; later weeks never change it, only late data can.
 * - **Fingerprinted.** A state's manifest lists the build id of every `order_day` day of its
 *   two windows (`""`: a day without orders); a day rebuilt since (late data, a changed
 *   identity map) makes every state whose windows hold it stale, and the next run that
 *   reads one builds it again: carried from the week before when that state is fresh,
 *   otherwise from scratch from its 372 days, as on a cold start.
 * - **Rollups off.** An engine without rollup storage reads the state inlined, built from
 *   scratch from `order_day` (itself inlined from the raw orders): the same rows.
 *
 * Call {@link refreshRfmWeeks} after `order_day` is fresh over the windows of its weeks
 * (refresh.ts does): a state carried over stale days would carry their old rows.
 */
import { createHash, randomUUID } from "node:crypto";
import { RFM_WINDOW_DAYS } from "../kpi/rfm.ts";
import { addDays, dateRange, type IsoDate, sameZone, zoneKey } from "../kpi/windows.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import { bindParams, type QueryParams } from "../query/query-file.ts";
import type { QueryStats } from "../query/result.ts";
import type { RollupColumn } from "./schema.ts";
import type { RollupManifest, RollupStorage } from "./storage.ts";

/** The logical table of the states (`queries/_sources.yaml`), partitioned by the Sunday. */
export const RFM_WEEK = "rfm_week";
/** The query that builds a week's state, carried or from scratch. */
export const RFM_WEEK_BUILD_QUERY = "rollup_rfm_week";
/** The state's columns, in the order the build query returns them (`local_date` last). */
export const RFM_WEEK_COLUMNS: readonly RollupColumn[] = [
  { name: "user_id", type: "varchar", description: "The customer (of either window)." },
  {
    name: "last_order_date",
    type: "date",
    description: "Local date of the last paid order in the week's 365-day window (null: none).",
  },
  {
    name: "frequency",
    type: "bigint",
    description: "Paid orders (distinct order_id) in it (0: not a customer).",
  },
  { name: "monetary", type: "decimal(18,2)", description: "Their amounts." },
  {
    name: "previous_last_order_date",
    type: "date",
    description: "The same in the window ending the Sunday before (null: not a customer then).",
  },
  { name: "previous_frequency", type: "bigint", description: "Paid orders in that window." },
  { name: "previous_monetary", type: "decimal(18,2)", description: "Their amounts." },
];

/** What refreshing the states needs to know (refresh.ts passes it). */
export interface RfmWeekContext {
  readonly catalog: QueryCatalog;
  readonly timeZone: string;
  /** The time of the run, recorded in the manifests. */
  readonly now: Date;
  /** `definitionHash` of the `order_day` rollup: a change rebuilds the states too. */
  readonly orderDayDefinition: string;
}

/** What one refresh of the states did. */
export interface RfmWeekRefresh {
  /** Weeks (Sundays) carried from the week before's state. */
  readonly carried: readonly IsoDate[];
  /** Weeks built from their 365 days of `order_day`. */
  readonly fromScratch: readonly IsoDate[];
  readonly stats: readonly QueryStats[];
}

/**
 * Brings the states of `weeks` (Sundays) up to date, earliest first, so that a week whose
 * predecessor is among them is carried from it. A state is fresh when its manifest names
 * the `order_day` builds its window holds now.
 */
export async function refreshRfmWeeks(
  storage: RollupStorage,
  context: RfmWeekContext,
  weeks: readonly IsoDate[],
): Promise<RfmWeekRefresh> {
  const definition = rfmWeekDefinition(context);
  const carried: IsoDate[] = [];
  const fromScratch: IsoDate[] = [];
  const stats: QueryStats[] = [];
  for (const week of [...new Set(weeks)].sort()) {
    const wanted = await expectedManifest(storage, context, definition, week);
    const [stored] = await storage.manifests(RFM_WEEK, [week]);
    if (stored && isFresh(stored, wanted)) continue;
    const previousWeek = addDays(week, -7);
    const [previous] = await storage.manifests(RFM_WEEK, [previousWeek]);
    const carry =
      previous !== undefined &&
      isFresh(previous, await expectedManifest(storage, context, definition, previousWeek));
    const buildId = `${context.now.getTime().toString(36)}-${randomUUID().slice(0, 8)}`;
    const manifest: RollupManifest = { ...wanted, builtAt: context.now.toISOString(), buildId };
    stats.push(
      await storage.replace(
        RFM_WEEK,
        context.catalog.get(RFM_WEEK_BUILD_QUERY),
        carry ? carriedParams(week) : scratchParams(week),
        [manifest],
      ),
    );
    (carry ? carried : fromScratch).push(week);
  }
  await storage.ready?.(RFM_WEEK);
  return { carried, fromScratch, stats };
}

/**
 * The state of `week` as an inlined CTE built from scratch from `order_day`, for an engine
 * without rollup storage (the query reading it inlines `order_day` from the raw orders).
 */
export function inlineRfmWeek(
  catalog: QueryCatalog,
  week: IsoDate,
): { readonly name: string; readonly sql: string } {
  return {
    name: RFM_WEEK,
    sql: bindParams(catalog.get(RFM_WEEK_BUILD_QUERY), scratchParams(week)),
  };
}

/** The `order_day` days the state of `week` is made of: its window and the week before's. */
export function rfmWeekOrderDays(week: IsoDate): { from: IsoDate; to: IsoDate } {
  return { from: windowStart(addDays(week, -7)), to: week };
}

/** Build parameters of `week` from the 372 days of `order_day` its two windows span. */
function scratchParams(week: IsoDate): QueryParams {
  return {
    ...weekParams(week),
    use_previous: 0,
    order_days: dateRange(windowStart(addDays(week, -7)), week),
  };
}

/** Build parameters of `week` carried from the state of the week before. */
function carriedParams(week: IsoDate): QueryParams {
  const previousWeek = addDays(week, -7);
  return {
    ...weekParams(week),
    use_previous: 1,
    order_days: [
      ...dateRange(windowStart(previousWeek), addDays(windowStart(week), -1)),
      ...dateRange(addDays(previousWeek, 1), week),
    ],
  };
}

function weekParams(week: IsoDate): QueryParams {
  const previousWeek = addDays(week, -7);
  return {
    week_end: week,
    week_start: windowStart(week),
    previous_week_end: previousWeek,
    previous_week_start: windowStart(previousWeek),
    previous_weeks: [previousWeek],
  };
}

const windowStart = (week: IsoDate): IsoDate => addDays(week, 1 - RFM_WINDOW_DAYS);

/** What a week's state must have been built from to be fresh: its order_day builds now. */
async function expectedManifest(
  storage: RollupStorage,
  context: RfmWeekContext,
  definition: string,
  week: IsoDate,
): Promise<Omit<RollupManifest, "builtAt" | "buildId">> {
  const days = dateRange(windowStart(addDays(week, -7)), week);
  const builds = new Map(
    (await storage.manifests("order_day", days)).map((m) => [m.localDate, m.buildId]),
  );
  return {
    rollup: RFM_WEEK,
    localDate: week,
    timeZone: context.timeZone,
    definition,
    sources: Object.fromEntries(
      days.map((day) => [`order_day/local_date=${day}`, builds.get(day) ?? ""]),
    ),
  };
}

function isFresh(
  stored: RollupManifest,
  wanted: Omit<RollupManifest, "builtAt" | "buildId">,
): boolean {
  if (!sameZone(stored.timeZone, wanted.timeZone) || stored.definition !== wanted.definition) {
    return false;
  }
  const keys = new Set([...Object.keys(stored.sources), ...Object.keys(wanted.sources)]);
  return [...keys].every((key) => stored.sources[key] === wanted.sources[key]);
}

/**
 * What a state's rows depend on besides the data: the build query's text and `order_day`'s
 * definition (its query, zone and settings). A change rebuilds the states from scratch.
 */
function rfmWeekDefinition(context: RfmWeekContext): string {
  return createHash("sha256")
    .update(
      JSON.stringify({
        build: context.catalog.get(RFM_WEEK_BUILD_QUERY).sql,
        orderDay: context.orderDayDefinition,
        timeZone: zoneKey(context.timeZone),
      }),
    )
    .digest("hex")
    .slice(0, 16);
}
