/**
 * Weekly states: per-report-week tables carried from the week before's, so that a weekly
 * window metric reads about one row per person instead of adding up a year (RFM) or a
 * quarter (lifecycle layers) of day rollups at every run (issue 25). Each is partitioned by
 * the week's Sunday (`local_date`) and built by one portable query file from one day rollup:
 *
 * - `rfm_week` (`queries/rollup_rfm_week.sql`, from `order_day`): each customer of the 365
 *   days ending the Sunday or of those ending the Sunday before, with the last paid order's
 *   local date, F and M in each window. `rfm_segments.sql` reads it: its exact medians count
 *   about a customer per row, and each customer's movement between the windows is on one row.
 * - `activity_week` (`queries/rollup_activity_week.sql`, from `user_day`): each user active
 *   in the 90 days ending the Sunday or in those ending the Sunday before, with the last
 *   active day as of each. `lifecycle_layers.sql` and the weekly `user_kpis.sql` read it.
 *   Carried, it reads the days entering its window from the Sunday's `activity_day` when
 *   that is fresh (its `enteringState`), which holds them as one row per user.
 * - `activity_day` (`queries/rollup_activity_day.sql`, from `user_day`): the same for the 30
 *   days ending a report day, carried from the day before's (`stepDays` 1, so "week" below
 *   reads "day" for it). The daily `user_kpis.sql` reads it: WAU, MAU and the
 *   private-domain figures are counts of its rows.
 *
 * How a state stays exact:
 *
 * - **Carried week to week.** state(W) takes state(W − 7)'s rows (their facts as of W − 7
 *   become the previous window's) and adds the 7 days that enter the window; RFM also
 *   subtracts the paid orders of the 7 days that leave it (counts and sums carry exactly;
 *   the leaving days are the window's oldest, so whoever's last order left has none left).
 * - **As of its week.** A state is kept per week, so a re-run of a past week reads what its
 *   first run read; later weeks never change it, only late data can.
 * - **Fingerprinted.** A state's manifest lists the build id of every day of its source
 *   rollup it covers (both windows; `""`: a day without data); a day rebuilt since (late
 *   data, a changed identity map) makes every state that covers it stale, and the next run
 *   that reads one builds it again: carried from the week before when that state is fresh,
 *   otherwise from scratch from its days, as on a cold start.
 * - **Rollups off** (or a run in another zone): the state is inlined, built from scratch
 *   from its day rollup, itself inlined from the raw data: the same rows.
 *
 * Call {@link refreshWeeklyStates} after the source rollup is fresh over the days of its
 * weeks (refresh.ts does): a state carried over stale days would carry their old rows.
 */
import { createHash, randomUUID } from "node:crypto";
import { RFM_WINDOW_DAYS } from "../kpi/rfm.ts";
import { addDays, dateRange, type IsoDate, sameZone, zoneKey } from "../kpi/windows.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import { bindParams, type QueryParams } from "../query/query-file.ts";
import type { QueryStats } from "../query/result.ts";
import type { RollupColumn, RollupName } from "./schema.ts";
import type { RollupManifest, RollupStorage } from "./storage.ts";

/** The weekly states' logical tables (`queries/_sources.yaml`). */
export type WeeklyStateName = "rfm_week" | "activity_week" | "activity_day";

export interface WeeklyStateSpec {
  readonly name: WeeklyStateName;
  /** The query that builds a week's state, carried or from scratch (`queries/<…>.sql`). */
  readonly buildQuery: string;
  /** The day rollup it is built from; a rebuilt day makes the states covering it stale. */
  readonly source: RollupName;
  /** The days of the window ending each Sunday (the state covers them + the 7 before). */
  readonly windowDays: number;
  /**
   * Days from one state to the next: 7 for a week's (by its Sunday), 1 for a day's
   * (`activity_day`, by the day). A state is carried from the one `stepDays` before.
   */
  readonly stepDays: number;
  /** Whether a carried build reads the 7 days leaving the window (RFM's sums shed them). */
  readonly readsLeavingDays: boolean;
  /**
   * A state whose rows, when fresh for the same day, hold the facts of the days entering
   * the window: a carried build reads them from it (`:entering_states`) instead of
   * grouping the source rollup's days (`activity_week` from the Sunday's `activity_day`).
   */
  readonly enteringState?: WeeklyStateName;
  /** Output columns without the partition column `local_date`, which comes last. */
  readonly columns: readonly RollupColumn[];
}

/** The RFM state (the contract's 365-day RFM window). */
export const RFM_WEEK = "rfm_week";
/** The lifecycle layers' activity state (churned: active in the 90 days ending the Sunday). */
export const ACTIVITY_WEEK = "activity_week";
/** The longest lifecycle window: "churned" looks 90 days back (shared/kpi-spec.md). */
export const LIFECYCLE_WINDOW_DAYS = 90;
/** The daily activity state (MAU: active in the 30 days ending the day). */
export const ACTIVITY_DAY = "activity_day";
/** The longest daily activity window: MAU's 30 days (shared/kpi-spec.md). */
export const MAU_WINDOW_DAYS = 30;

const date = (name: string, description: string): RollupColumn => ({
  name,
  type: "date",
  description,
});

/** The columns of an activity state over `window` (and the same window ending `before`). */
const activityColumns = (window: string, before: string): readonly RollupColumn[] => [
  { name: "user_id", type: "varchar", description: "The user (active in either window)." },
  date("last_active_date", `The user's last active day in ${window} (null: none).`),
  date("previous_last_active_date", `The same in the window ending ${before} (null: none).`),
  date(
    "last_private_date",
    `The user's last day with a private-domain event in ${window} (null: none).`,
  ),
];

export const WEEKLY_STATES: Readonly<Record<WeeklyStateName, WeeklyStateSpec>> = {
  rfm_week: {
    name: RFM_WEEK,
    buildQuery: "rollup_rfm_week",
    source: "order_day",
    windowDays: RFM_WINDOW_DAYS,
    stepDays: 7,
    readsLeavingDays: true,
    columns: [
      { name: "user_id", type: "varchar", description: "The customer (of either window)." },
      date(
        "last_order_date",
        "Local date of the last paid order in the week's 365-day window (null: none).",
      ),
      {
        name: "frequency",
        type: "bigint",
        description: "Paid orders (distinct order_id) in it (0: not a customer).",
      },
      { name: "monetary", type: "decimal(18,2)", description: "Their amounts." },
      date(
        "previous_last_order_date",
        "The same in the window ending the Sunday before (null: not a customer then).",
      ),
      { name: "previous_frequency", type: "bigint", description: "Paid orders in that window." },
      { name: "previous_monetary", type: "decimal(18,2)", description: "Their amounts." },
    ],
  },
  activity_week: {
    name: ACTIVITY_WEEK,
    buildQuery: "rollup_activity_week",
    source: "user_day",
    windowDays: LIFECYCLE_WINDOW_DAYS,
    stepDays: 7,
    readsLeavingDays: false,
    enteringState: ACTIVITY_DAY,
    columns: activityColumns("the 90 days ending the Sunday", "the Sunday before"),
  },
  activity_day: {
    name: ACTIVITY_DAY,
    buildQuery: "rollup_activity_day",
    source: "user_day",
    windowDays: MAU_WINDOW_DAYS,
    stepDays: 1,
    readsLeavingDays: false,
    columns: activityColumns("the 30 days ending the day", "the day before"),
  },
};

/** The spec of a weekly state's logical table name, or undefined for another table. */
export function weeklyStateSpec(name: string): WeeklyStateSpec | undefined {
  return (WEEKLY_STATES as Readonly<Record<string, WeeklyStateSpec | undefined>>)[name];
}

/** What refreshing the states needs to know (refresh.ts passes it). */
export interface WeeklyStateContext {
  readonly catalog: QueryCatalog;
  readonly timeZone: string;
  /** The time of the run, recorded in the manifests. */
  readonly now: Date;
  /** `definitionHash` of the source rollup: a change rebuilds the states too. */
  readonly sourceDefinition: string;
}

/** What one refresh of a state's weeks did. */
export interface WeeklyStateRefresh {
  /** Weeks (Sundays) carried from the week before's state. */
  readonly carried: readonly IsoDate[];
  /** Weeks built from scratch from the days they cover. */
  readonly fromScratch: readonly IsoDate[];
  readonly stats: readonly QueryStats[];
}

/**
 * Brings the states of `weeks` (Sundays) up to date, earliest first, so that a week whose
 * predecessor is among them is carried from it. A state is fresh when its manifest names
 * the source rollup's builds of the days it covers now.
 */
export async function refreshWeeklyStates(
  storage: RollupStorage,
  spec: WeeklyStateSpec,
  context: WeeklyStateContext,
  weeks: readonly IsoDate[],
): Promise<WeeklyStateRefresh> {
  const definition = stateDefinition(spec, context);
  const carried: IsoDate[] = [];
  const fromScratch: IsoDate[] = [];
  const stats: QueryStats[] = [];
  for (const week of [...new Set(weeks)].sort()) {
    const wanted = await expectedManifest(storage, spec, context, definition, week);
    const [stored] = await storage.manifests(spec.name, [week]);
    if (stored && isFresh(stored, wanted)) continue;
    const previousWeek = addDays(week, -spec.stepDays);
    const carry = await storedFresh(storage, spec, context, definition, previousWeek);
    const entering = spec.enteringState ? WEEKLY_STATES[spec.enteringState] : undefined;
    const fromState =
      carry &&
      entering !== undefined &&
      (await storedFresh(storage, entering, context, stateDefinition(entering, context), week));
    const buildId = `${context.now.getTime().toString(36)}-${randomUUID().slice(0, 8)}`;
    const manifest: RollupManifest = { ...wanted, builtAt: context.now.toISOString(), buildId };
    stats.push(
      await storage.replace(
        spec.name,
        context.catalog.get(spec.buildQuery),
        carry ? carriedParams(spec, week, fromState) : scratchParams(spec, week),
        [manifest],
      ),
    );
    (carry ? carried : fromScratch).push(week);
  }
  await storage.ready?.(spec.name);
  return { carried, fromScratch, stats };
}

/**
 * The state of `week` as an inlined CTE built from scratch from its source rollup, for an
 * engine without rollup storage (the query reading it inlines the source from raw data).
 */
export function inlineWeeklyState(
  catalog: QueryCatalog,
  spec: WeeklyStateSpec,
  week: IsoDate,
): { readonly name: string; readonly sql: string } {
  return {
    name: spec.name,
    sql: bindParams(catalog.get(spec.buildQuery), scratchParams(spec, week)),
  };
}

/** The source rollup's days the state of `week` covers: its window and the week before's. */
export function weeklyStateSourceDays(
  spec: WeeklyStateSpec,
  week: IsoDate,
): { from: IsoDate; to: IsoDate } {
  return { from: windowStart(spec, addDays(week, -spec.stepDays)), to: week };
}

/** Build parameters of `week` from every source day it covers. */
function scratchParams(spec: WeeklyStateSpec, week: IsoDate): QueryParams {
  const { from, to } = weeklyStateSourceDays(spec, week);
  return { ...weekParams(spec, week, false), use_previous: 0, source_days: dateRange(from, to) };
}

/**
 * Build parameters of `week` carried from the state of the week before, with the entering
 * days read from the source rollup, or from the fresh `enteringState` of `week` (`fromState`).
 */
function carriedParams(spec: WeeklyStateSpec, week: IsoDate, fromState: boolean): QueryParams {
  const previousWeek = addDays(week, -spec.stepDays);
  const leaving = dateRange(windowStart(spec, previousWeek), addDays(windowStart(spec, week), -1));
  const days = [
    ...(spec.readsLeavingDays ? leaving : []),
    ...(fromState ? [] : dateRange(addDays(previousWeek, 1), week)),
  ];
  return {
    ...weekParams(spec, week, fromState),
    use_previous: 1,
    // A list is never empty: no local day is "", so it names no partition.
    source_days: days.length > 0 ? days : [""],
  };
}

function weekParams(spec: WeeklyStateSpec, week: IsoDate, fromState: boolean): QueryParams {
  const previousWeek = addDays(week, -spec.stepDays);
  return {
    week_end: week,
    week_start: windowStart(spec, week),
    previous_week_end: previousWeek,
    previous_week_start: windowStart(spec, previousWeek),
    previous_weeks: [previousWeek],
    ...(spec.enteringState ? { entering_states: fromState ? [week] : [""] } : {}),
  };
}

/**
 * Whether `spec`'s state of `week` is stored and fresh (built from the source rollup's
 * builds of the days it covers now), so a build may carry it or read it.
 */
async function storedFresh(
  storage: RollupStorage,
  spec: WeeklyStateSpec,
  context: WeeklyStateContext,
  definition: string,
  week: IsoDate,
): Promise<boolean> {
  const [stored] = await storage.manifests(spec.name, [week]);
  if (!stored) return false;
  return isFresh(stored, await expectedManifest(storage, spec, context, definition, week));
}

/** The first local day of the window a week's state covers (its Sunday's `windowDays`). */
export const windowStart = (spec: WeeklyStateSpec, week: IsoDate): IsoDate =>
  addDays(week, 1 - spec.windowDays);

/** What a week's state must have been built from to be fresh: its source days' builds now. */
async function expectedManifest(
  storage: RollupStorage,
  spec: WeeklyStateSpec,
  context: WeeklyStateContext,
  definition: string,
  week: IsoDate,
): Promise<Omit<RollupManifest, "builtAt" | "buildId">> {
  const { from, to } = weeklyStateSourceDays(spec, week);
  const days = dateRange(from, to);
  const builds = new Map(
    (await storage.manifests(spec.source, days)).map((m) => [m.localDate, m.buildId]),
  );
  return {
    rollup: spec.name,
    localDate: week,
    timeZone: context.timeZone,
    definition,
    sources: Object.fromEntries(
      days.map((day) => [`${spec.source}/local_date=${day}`, builds.get(day) ?? ""]),
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
 * What a state's rows depend on besides the data: the build query's text and the source
 * rollup's definition (its query, zone and settings). A change rebuilds the states from
 * scratch.
 */
function stateDefinition(spec: WeeklyStateSpec, context: WeeklyStateContext): string {
  return createHash("sha256")
    .update(
      JSON.stringify({
        build: context.catalog.get(spec.buildQuery).sql,
        source: context.sourceDefinition,
        timeZone: zoneKey(context.timeZone),
      }),
    )
    .digest("hex")
    .slice(0, 16);
}
