/**
 * Keeps the rollups fresh and lets window queries read them (dbt's incremental pattern,
 * with late data handled by fingerprints instead of a lookback guess).
 *
 * Before a query reads rollup days, {@link queryOverRollups} compares each day's manifest
 * with what the day would be built from now: the build query's definition (its text, the
 * time zone, the settings it reads) and the fingerprint of every raw `dt` partition the day
 * overlaps. Days without a manifest, or whose definition or sources changed, are built
 * again, all of them in one query per rollup (the first run on a lake builds its whole
 * window at once). A late file in a past partition therefore changes that partition's
 * fingerprint, and the next run that reads the day rebuilds it: late data is never
 * silently ignored. Fresh days cost a file listing, no raw read.
 *
 * An engine without rollup storage (`rollups: false`, or Athena without a lake location)
 * gets the same query with each rollup inlined as a CTE built from the raw partitions of
 * the whole window: the same numbers, at the cost of reading the raw window every run.
 */
import { createHash, randomUUID } from "node:crypto";
import { KNOWN_EVENT_TYPES, KNOWN_ORDER_STATUSES } from "../kpi/efficiency.ts";
import {
  calendar,
  dateRange,
  type IsoDate,
  localDateOf,
  partitionsFor,
  sameZone,
  zoneKey,
} from "../kpi/windows.ts";
import type { QueryEngine, QueryStats } from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import {
  bindParams,
  type CalendarParamRow,
  prependCtes,
  type QueryFile,
  type QueryParams,
} from "../query/query-file.ts";
import type { KpiSettings } from "../report/modules.ts";
import { IDENTITIES_SOURCE_KEY, identityFingerprints } from "./identity-map.ts";
import {
  RAW_READ_QUERIES,
  ROLLUPS,
  type RollupName,
  type RollupSpec,
  rollupsReading,
} from "./schema.ts";
import {
  BuildTooLargeError,
  type RollupManifest,
  type RollupStorage,
  type StagedRead,
  WHOLE_FROM_PARAM,
} from "./storage.ts";
import {
  inlineUserState,
  refreshUserState,
  stateNeedsEveryDay,
  type USER_STATE,
  type UserStateRefresh,
} from "./user-state.ts";
import {
  inlineWeeklyState,
  refreshWeeklyStates,
  WEEKLY_STATES,
  type WeeklyStateName,
  type WeeklyStateRefresh,
  weeklyStateSpec,
} from "./weekly-state.ts";

/** Bump to rebuild every rollup partition (a change in how partitions are written). */
const LAYOUT_VERSION = 1;

/** The local days (both included) of a rollup that a query reads. */
export interface RollupWindow {
  readonly from: IsoDate;
  readonly to: IsoDate;
  /**
   * Only these days of the range (sorted), for a query that reads scattered days (the
   * completeness gate: the same weekday of past weeks); default every day of the range.
   */
  readonly days?: readonly IsoDate[];
}

/** The days of a window: its `days`, or every day from `from` to `to`. */
export function windowDays(window: RollupWindow): IsoDate[] {
  return window.days ? [...window.days] : dateRange(window.from, window.to);
}

/** A window of exactly these local days (at least one). */
export function rollupDays(days: readonly IsoDate[]): RollupWindow {
  const sorted = [...new Set(days)].sort();
  return { from: sorted[0] ?? "", to: sorted.at(-1) ?? "", days: sorted };
}

/**
 * The rollup days a query reads; `user_state` (the per-user state, user-state.ts) is kept up
 * to date with the `user_day` days of its window, which it needs fresh too; a weekly state
 * (`rfm_week`, `activity_week`, `activity_day`: weekly-state.ts) names its Sundays (or days), whose source rollup days
 * the caller asks for too.
 */
export type RollupNeeds = Partial<
  Readonly<Record<RollupName | typeof USER_STATE | WeeklyStateName, RollupWindow>>
>;

/** What reading or building rollups needs to know. */
export interface RollupContext {
  readonly engine: QueryEngine;
  readonly catalog: QueryCatalog;
  readonly timeZone: string;
  readonly settings: Pick<KpiSettings, "privateDomainChannels">;
  /** The time of the run, recorded in the manifests. */
  readonly now: Date;
}

/**
 * Freshness of one rollup partition. `no_data`: none of the day's raw partitions exist, so
 * its rollup is empty and nothing is stored for it (a lake's days before its first data,
 * or a future day): nothing to build, nothing to read.
 */
export interface RollupDayState {
  readonly rollup: RollupName;
  readonly localDate: IsoDate;
  readonly status: "fresh" | "missing" | "stale" | "no_data";
  /** Why a stale day is stale, e.g. `events/dt=2026-03-01 changed`. */
  readonly reason?: string;
  /** The stored manifest, when there is one. */
  readonly manifest?: RollupManifest;
}

/** What one rollup refresh did. */
export interface RollupRefresh {
  readonly rollup: RollupName;
  readonly built: readonly IsoDate[];
  /** One entry per build query run (a storage may split many days into several). */
  readonly stats: readonly QueryStats[];
}

/** The local days spanned by a UTC instant range `[fromUtc, toUtc)`. */
export function localDaysOf(fromUtc: Date, toUtc: Date, timeZone: string): RollupWindow {
  return {
    from: localDateOf(fromUtc, timeZone),
    to: localDateOf(new Date(toUtc.getTime() - 1), timeZone),
  };
}

/**
 * The query `queryName` ready to run over the rollups it reads: on an engine with rollup
 * storage, after every day of `needs` is fresh (the builds' cost is returned); otherwise
 * with the rollups inlined from the raw data of those days.
 */
export async function queryOverRollups(
  context: RollupContext,
  queryName: string,
  needs: RollupNeeds,
): Promise<{ readonly query: QueryFile; readonly stats: readonly QueryStats[] }> {
  const query = context.catalog.get(queryName);
  const storage = context.engine.rollups;
  const { user_state: stateWindow, ...tables } = needs;
  // Every state of weekly-state.ts is carried from its source rollup; the rest are day rollups.
  const entries = Object.entries(tables) as [RollupName | WeeklyStateName, RollupWindow][];
  const weeklyStates = entries.filter(
    (entry): entry is [WeeklyStateName, RollupWindow] =>
      weeklyStateSpec(entry[0]) !== undefined && entry[1] !== undefined,
  );
  const perDay: Partial<Record<RollupName, RollupWindow>> = Object.fromEntries(
    entries.filter(([name]) => weeklyStateSpec(name) === undefined),
  );
  // The state is folded from user_day: its days must be fresh (and, inlined, defined) first.
  const userDayWindow = stateWindow
    ? rollupDays([
        ...windowDays(stateWindow),
        ...(perDay.user_day ? windowDays(perDay.user_day) : []),
      ])
    : perDay.user_day;
  const wanted = Object.entries({
    ...perDay,
    ...(userDayWindow ? { user_day: userDayWindow } : {}),
  }) as [RollupName, RollupWindow][];
  if (!storage) {
    const inlined: { readonly name: string; readonly sql: string }[] = wanted.map(
      ([name, window]) => {
        const spec = ROLLUPS[name];
        const build = context.catalog.get(spec.buildQuery);
        return {
          name,
          sql: bindParams(build, buildParams(spec, windowDays(window), context)),
        };
      },
    );
    if (stateWindow)
      inlined.push(inlineUserState(context.catalog, windowDays(stateWindow), context.timeZone));
    for (const [name, weeks] of weeklyStates) {
      for (const week of windowDays(weeks)) {
        inlined.push(inlineWeeklyState(context.catalog, WEEKLY_STATES[name], week));
      }
    }
    return { query: inlineRollups(query, inlined), stats: [] };
  }
  const refreshes: RollupRefresh[] = [];
  for (const [name, window] of wanted) {
    refreshes.push(await refreshRollup(storage, context, name, window));
  }
  const stats = refreshes.flatMap((r) => r.stats);
  if (stateWindow) {
    // A changed identity map makes the persons it touches again from every stored user_day
    // day: those the change covers are rebuilt first (the others are fresh and cost a listing).
    if (await stateNeedsEveryDay(storage)) {
      const stored = await storage.days("user_day");
      if (stored.length > 0) {
        const rebuilt = await refreshRollup(storage, context, "user_day", rollupDays(stored));
        stats.push(...rebuilt.stats);
      }
    }
    const state = await refreshState(storage, context, windowDays(stateWindow));
    stats.push(...state.stats);
  }
  for (const [name, weeks] of weeklyStates) {
    const states = await refreshWeeklyState(storage, context, name, windowDays(weeks));
    stats.push(...states.stats);
  }
  return { query, stats };
}

/**
 * The engine as a run in another zone than the lake's rollups' must see it: without rollup
 * storage, so that its queries read the rollups inlined from raw data for its own local
 * days. Rollup partitions are kept per local day of one zone (the report's configured
 * one); a `--tz` re-run that rebuilt them in its zone would swap them under the scheduled
 * runs' queries and make every later run rebuild them back.
 */
export function withoutRollups(engine: QueryEngine): QueryEngine {
  if (!engine.rollups) return engine;
  const lakeFirstDay = engine.lakeFirstDay;
  return {
    dialect: engine.dialect,
    run: (query, params) => engine.run(query, params),
    ...(lakeFirstDay ? { lakeFirstDay: () => lakeFirstDay.call(engine) } : {}),
    // The caller's engine is closed by its owner, not through this view of it.
    close: () => Promise.resolve(),
  };
}

/**
 * Builds the days of `window` whose partition is missing or stale (every day with
 * `force`), in as few queries as the storage allows. Refreshes of one storage run one at
 * a time, so two modules of a run never build the same day twice.
 */
export function refreshRollup(
  storage: RollupStorage,
  context: RollupContext,
  rollup: RollupName,
  window: RollupWindow,
  options: { readonly force?: boolean } = {},
): Promise<RollupRefresh> {
  const previous = refreshQueues.get(storage) ?? Promise.resolve();
  const next = previous.then(() => refreshNow(storage, context, rollup, window, options));
  refreshQueues.set(
    storage,
    next.catch(() => undefined),
  );
  return next;
}

const refreshQueues = new WeakMap<RollupStorage, Promise<unknown>>();

async function refreshNow(
  storage: RollupStorage,
  context: RollupContext,
  rollup: RollupName,
  window: RollupWindow,
  options: { readonly force?: boolean },
): Promise<RollupRefresh> {
  const spec = ROLLUPS[rollup];
  const { states, expected } = await assess(storage, context, spec, window);
  const toBuild = daysToBuild(states, options.force === true);
  const stats: QueryStats[] = [];
  const built = new Set<RollupName>([rollup]);
  // One query for all of them, unless the storage caps the partitions or the bytes one
  // query may take; a build cancelled for reading too much is split in two and retried.
  const queue = await buildChunks(storage, context, spec, toBuild);
  for (let days = queue.shift(); days; days = queue.shift()) {
    try {
      const chunk = await buildDays(storage, context, { spec, days, expected }, options);
      stats.push(...chunk.stats);
      for (const name of chunk.rollups) built.add(name);
    } catch (error) {
      if (!(error instanceof BuildTooLargeError) || days.length === 1) throw error;
      const half = Math.ceil(days.length / 2);
      queue.unshift(days.slice(0, half), days.slice(half));
    }
  }
  for (const name of built) await storage.ready?.(name);
  return { rollup, built: toBuild, stats };
}

/** The days of a rollup to build: missing or stale ones (every day with data when forced). */
function daysToBuild(states: readonly RollupDayState[], force: boolean): IsoDate[] {
  return states
    .filter((state) =>
      force ? state.status !== "no_data" : state.status === "missing" || state.status === "stale",
    )
    .map((state) => state.localDate);
}

/** Some days of one rollup to build, with what their manifests must say. */
interface BuildPlan {
  readonly spec: RollupSpec;
  readonly days: readonly IsoDate[];
  readonly expected: ReadonlyMap<IsoDate, UnbuiltManifest>;
}

/**
 * Builds `primary`'s days. On a storage that stages raw reads, the raw partitions of those
 * days are read once, and every other rollup of the same raw table that is missing or
 * stale on any of those days is built from the same rows (issue 25: one read of each raw
 * file feeds every day rollup); otherwise the one rollup reads its raw partitions itself.
 */
async function buildDays(
  storage: RollupStorage,
  context: RollupContext,
  primary: BuildPlan,
  options: { readonly force?: boolean },
): Promise<{ readonly stats: readonly QueryStats[]; readonly rollups: readonly RollupName[] }> {
  const buildId = `${context.now.getTime().toString(36)}-${randomUUID().slice(0, 8)}`;
  const replace = (plan: BuildPlan, staged?: StagedRead, replaceFresh = false) =>
    storage.replace(
      plan.spec.name,
      context.catalog.get(plan.spec.buildQuery),
      buildParams(plan.spec, plan.days, context),
      plan.days.map((day) => ({
        ...(plan.expected.get(day) as UnbuiltManifest),
        builtAt: context.now.toISOString(),
        buildId,
      })),
      { replaceFresh, ...(staged ? { staged } : {}) },
    );
  if (!storage.stageRaw) {
    return { stats: [await replace(primary, undefined, options.force === true)], rollups: [] };
  }
  const plans: BuildPlan[] = [primary];
  for (const sibling of rollupsReading(primary.spec.rawTable)) {
    const along = sibling.name !== primary.spec.name && settingsKnown(sibling, context.settings);
    if (!along) continue;
    const assessed = await assess(storage, context, sibling, rollupDays(primary.days));
    const days = daysToBuild(assessed.states, false);
    if (days.length > 0) plans.push({ spec: sibling, days, expected: assessed.expected });
  }
  const rawTable = primary.spec.rawTable;
  const read = context.catalog.get(RAW_READ_QUERIES[rawTable]);
  const staged = await storage.stageRaw(
    rawTable,
    read,
    rawReadParams(primary.spec, buildParams(primary.spec, primary.days, context)),
  );
  try {
    const stats: QueryStats[] = [staged.stats];
    for (const plan of plans) {
      stats.push(await replace(plan, staged, plan === primary && options.force === true));
    }
    return { stats, rollups: plans.map((plan) => plan.spec.name) };
  } finally {
    await staged.release();
  }
}

/**
 * Folds the `user_day` days of `days` that the per-user state has not seen into it (in the
 * storage's refresh queue, after any build of those days).
 */
export function refreshState(
  storage: RollupStorage,
  context: RollupContext,
  days: readonly IsoDate[],
): Promise<UserStateRefresh> {
  const previous = refreshQueues.get(storage) ?? Promise.resolve();
  const next = previous.then(() =>
    refreshUserState(
      storage,
      { ...context, userDayDefinition: definitionHash(ROLLUPS.user_day, context) },
      days,
    ),
  );
  refreshQueues.set(
    storage,
    next.catch(() => undefined),
  );
  return next;
}

/**
 * Brings a weekly state's weeks (Sundays) up to date (in the storage's refresh queue, after
 * any build of its source rollup's days).
 */
export function refreshWeeklyState(
  storage: RollupStorage,
  context: Omit<RollupContext, "engine">,
  name: WeeklyStateName,
  weeks: readonly IsoDate[],
): Promise<WeeklyStateRefresh> {
  const spec = WEEKLY_STATES[name];
  const previous = refreshQueues.get(storage) ?? Promise.resolve();
  const next = previous.then(() =>
    refreshWeeklyStates(
      storage,
      spec,
      { ...context, sourceDefinition: definitionHash(ROLLUPS[spec.source], context) },
      weeks,
    ),
  );
  refreshQueues.set(
    storage,
    next.catch(() => undefined),
  );
  return next;
}

/**
 * The days to build, in order, cut into builds of at most `maxDaysPerBuild` days and, when
 * the storage knows its raw partitions' sizes, at most `maxBytesPerBuild` bytes of raw
 * files (a day counts every `dt` partition it overlaps). A day larger than the limit alone
 * is a build of its own.
 */
async function buildChunks(
  storage: RollupStorage,
  context: Pick<RollupContext, "timeZone" | "settings">,
  spec: RollupSpec,
  days: readonly IsoDate[],
): Promise<IsoDate[][]> {
  const maxDays = Math.max(storage.maxDaysPerBuild ?? days.length, 1);
  const maxBytes = storage.maxBytesPerBuild;
  // The raw partitions a day's build reads.
  const dtsOf = (day: IsoDate) => partitionsOfDays(context.timeZone, [day]);
  const sizes =
    maxBytes !== undefined && storage.partitionBytes && days.length > 0
      ? await storage.partitionBytes(spec.rawTable, [...new Set(days.flatMap(dtsOf))].sort())
      : undefined;
  const bytesOf = (day: IsoDate) => dtsOf(day).reduce((sum, dt) => sum + (sizes?.[dt] ?? 0), 0);
  const chunks: IsoDate[][] = [];
  let current: IsoDate[] = [];
  let currentBytes = 0;
  for (const day of days) {
    const bytes = bytesOf(day);
    const full =
      current.length >= maxDays ||
      (maxBytes !== undefined && current.length > 0 && currentBytes + bytes > maxBytes);
    if (full) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(day);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The freshness of every day of `window` of a rollup (nothing is built). */
export async function rollupStatus(
  storage: RollupStorage,
  context: Omit<RollupContext, "now">,
  rollup: RollupName,
  window: RollupWindow,
): Promise<RollupDayState[]> {
  return (await assess(storage, context, ROLLUPS[rollup], window)).states;
}

async function assess(
  storage: RollupStorage,
  context: Omit<RollupContext, "now">,
  spec: RollupSpec,
  window: RollupWindow,
): Promise<{ states: RollupDayState[]; expected: Map<IsoDate, UnbuiltManifest> }> {
  const rollup = spec.name;
  const days = windowDays(window);
  const [expected, stored] = await Promise.all([
    expectedManifests(storage, context, spec, days),
    storage.manifests(rollup, days),
  ]);
  const byDay = new Map(stored.map((manifest) => [manifest.localDate, manifest]));
  const states = days.map((localDate): RollupDayState => {
    const manifest = byDay.get(localDate);
    const wanted = expected.get(localDate) as UnbuiltManifest;
    if (!manifest) {
      // A day none of whose raw partitions has files has no rows to build.
      const own = partitionsOfDays(context.timeZone, [localDate]);
      const noRawData = own.every(
        (dt) => (wanted.sources[`${spec.rawTable}/dt=${dt}`] ?? "") === "",
      );
      return { rollup, localDate, status: noRawData ? "no_data" : "missing" };
    }
    const reason = staleness(manifest, wanted);
    return reason
      ? { rollup, localDate, status: "stale", reason, manifest }
      : { rollup, localDate, status: "fresh", manifest };
  });
  return { states, expected };
}

type UnbuiltManifest = Omit<RollupManifest, "builtAt" | "buildId">;

/** Why a stored manifest no longer describes what the day would be built from, if it does not. */
function staleness(stored: RollupManifest, wanted: UnbuiltManifest): string | undefined {
  if (!sameZone(stored.timeZone, wanted.timeZone)) {
    return `built for time zone ${stored.timeZone}, read in ${wanted.timeZone}`;
  }
  if (stored.definition !== wanted.definition) {
    return "the build query or its settings changed";
  }
  const keys = new Set([...Object.keys(stored.sources), ...Object.keys(wanted.sources)]);
  const changed = [...keys].filter((key) => stored.sources[key] !== wanted.sources[key]).sort();
  return changed.length ? `${changed.join(", ")} changed` : undefined;
}

/** What each day's manifest must say for the day to be fresh (fingerprints read now). */
async function expectedManifests(
  storage: RollupStorage,
  context: Omit<RollupContext, "now">,
  spec: RollupSpec,
  days: readonly IsoDate[],
): Promise<Map<IsoDate, UnbuiltManifest>> {
  const bounds = new Map(
    calendar(days[0] ?? "", days.at(-1) ?? "", context.timeZone).map(
      (day) => [day.localDate, day] as const,
    ),
  );
  // A day depends on the raw partitions it overlaps…
  const dtsByDay = new Map(
    days.map((day) => {
      const b = bounds.get(day);
      return [day, b ? partitionsFor(b.fromUtc, b.toUtc) : []] as const;
    }),
  );
  // … and on the mappings valid at some instant of it.
  const dayBounds = days.flatMap((day) => {
    const own = bounds.get(day);
    return own ? [{ localDate: day, fromUtc: own.fromUtc, toUtc: own.toUtc }] : [];
  });
  const allDts = [...new Set([...dtsByDay.values()].flat())].sort();
  const fingerprints = days.length ? await storage.fingerprints(spec.rawTable, allDts) : {};
  // The mappings valid during each day, for a build that maps ids to persons.
  const mappings = spec.mapsIdentities
    ? await identityFingerprints(storage, context.engine, context.catalog, dayBounds)
    : new Map<IsoDate, string>();
  const definition = definitionHash(spec, context);
  const expected = new Map<IsoDate, UnbuiltManifest>();
  for (const [localDate, dts] of dtsByDay) {
    const sources: Record<string, string> = {};
    for (const dt of dts) sources[`${spec.rawTable}/dt=${dt}`] = fingerprints[dt] ?? "";
    const mapping = mappings.get(localDate);
    if (mapping !== undefined) sources[IDENTITIES_SOURCE_KEY] = mapping;
    expected.set(localDate, {
      rollup: spec.name,
      localDate,
      timeZone: context.timeZone,
      definition,
      sources,
    });
  }
  return expected;
}

/**
 * Hash of what a rollup's rows depend on besides the raw data: the build query's text, the
 * time zone that draws the local days, and the settings passed to it.
 */
export function definitionHash(
  spec: RollupSpec,
  context: Pick<RollupContext, "catalog" | "timeZone" | "settings">,
): string {
  return createHash("sha256")
    .update(
      JSON.stringify({
        layout: LAYOUT_VERSION,
        sql: context.catalog.get(spec.buildQuery).sql,
        // How the build reads its raw table (one place for every rollup of the table).
        source: context.catalog.get(RAW_READ_QUERIES[spec.rawTable]).sql,
        // The zone, not its spelling: asia/shanghai reads what Asia/Shanghai built.
        timeZone: zoneKey(context.timeZone),
        settings: settingParams(spec, context.settings),
      }),
    )
    .digest("hex")
    .slice(0, 16);
}

/** The build query's parameters for some local days. */
export function buildParams(
  spec: RollupSpec,
  days: readonly IsoDate[],
  context: Pick<RollupContext, "timeZone" | "settings">,
): QueryParams {
  const wanted = new Set(days);
  const sorted = [...wanted].sort();
  const cal: CalendarParamRow[] = calendar(sorted[0] ?? "", sorted.at(-1) ?? "", context.timeZone)
    .filter((day) => wanted.has(day.localDate))
    .flatMap((day) =>
      partitionsFor(day.fromUtc, day.toUtc).map((dt) => ({
        localDate: day.localDate,
        dt,
        dayStartUtc: day.fromUtc,
        dayEndUtc: day.toUtc,
      })),
    );
  const dts = [...new Set(cal.map((row) => row.dt))].sort();
  return {
    cal,
    [spec.dtsParam]: dts,
    ...settingParams(spec, context.settings),
  };
}

/**
 * The parameters of a raw table's one read for some days' builds (queries/rollup_source_*.sql):
 * their `dt` partitions, and from when the first of them is needed (it starts before the
 * first day does; the others are read whole).
 */
export function rawReadParams(spec: RollupSpec, build: QueryParams): QueryParams {
  const cal = build.cal as readonly CalendarParamRow[];
  const dts = build[spec.dtsParam] as readonly string[];
  const firstTime = new Date(Math.min(...cal.map((row) => row.dayStartUtc.getTime())));
  const wholeFrom = dts.find((dt) => new Date(`${dt}T00:00:00Z`) >= firstTime) ?? dts.at(-1) ?? "";
  return { [spec.dtsParam]: dts, first_time: firstTime, [WHOLE_FROM_PARAM]: wholeFrom };
}

/**
 * Whether the context carries the settings a rollup's build reads. The completeness gate's
 * context has no KPI settings (the profiles read none): a build of its raw read then
 * leaves `user_day` to the next reader that has them, rather than build it wrongly.
 */
function settingsKnown(
  spec: RollupSpec,
  settings: Pick<KpiSettings, "privateDomainChannels">,
): boolean {
  return spec.name !== "user_day" || settings.privateDomainChannels.length > 0;
}

/** The `dt` partitions the local `days` overlap. */
function partitionsOfDays(timeZone: string, days: readonly IsoDate[]): string[] {
  const wanted = new Set(days);
  const sorted = [...wanted].sort();
  return [
    ...new Set(
      calendar(sorted[0] ?? "", sorted.at(-1) ?? "", timeZone)
        .filter((day) => wanted.has(day.localDate))
        .flatMap((day) => partitionsFor(day.fromUtc, day.toUtc)),
    ),
  ].sort();
}

/** The settings a build query reads, as its parameters. */
function settingParams(
  spec: RollupSpec,
  settings: Pick<KpiSettings, "privateDomainChannels">,
): QueryParams {
  switch (spec.name) {
    case "user_day":
      return { event_types: KNOWN_EVENT_TYPES, private_channels: settings.privateDomainChannels };
    case "event_profile":
    case "event_hour":
    case "channel_user_day":
    case "event_quality_day":
    case "identity_day":
      return { event_types: KNOWN_EVENT_TYPES };
    case "order_quality_day":
      return { order_statuses: KNOWN_ORDER_STATUSES };
    default:
      return {};
  }
}

/**
 * `query` with each rollup table shadowed by a CTE of the same name holding its build
 * query (already bound): the query reads the same rows, computed from the raw data. Its
 * partition scopes are dropped: the inlined builds read other partitions of the raw tables
 * than the query itself names.
 */
export function inlineRollups(
  query: QueryFile,
  rollups: readonly { readonly name: string; readonly sql: string }[],
): QueryFile {
  if (rollups.length === 0) return query;
  const { partitions: _scopes, ...unscoped } = query;
  return { ...unscoped, sql: prependCtes(query.name, query.sql, rollups) };
}
