/**
 * The per-user state of shared/kpi-spec.md ("Per-user state"): for every user, the first
 * signup instant (and its report-zone local day) and the first active day — the facts that
 * would otherwise need the lake's whole history. Cohorts, new users and the lifecycle "new"
 * layer read it (`user_kpis.sql`, `lifecycle_layers.sql`), so a user who signs up again,
 * however long after, is new once: on the day of their first signup ever recorded.
 *
 * It is a rollup of its own kind: one unpartitioned table `user_state` (one row per user,
 * `<lake>/rollups/user_state/`), kept with the `user_day` rollup it is folded from:
 *
 * - **A day's build only updates it.** Whenever a run has brought `user_day` days up to
 *   date, the days whose partition the state has not seen (by build id, in the state's
 *   manifest) are folded in by `queries/rollup_user_state.sql`, which keeps the earlier of
 *   each fact. A steady-state daily run folds one day and reads no raw data for it.
 * - **Late data only moves facts earlier.** A late file rebuilds its `user_day` days (new
 *   build ids), which are folded again: a minimum can only go down.
 * - **A rebuild from scratch gives the same state.** With no state (or one of another zone
 *   or definition), every stored `user_day` day is folded into an empty state: the minimum
 *   over the same days.
 * - **A re-run of a past day gives what its first run gave.** The facts are first
 *   occurrences, so the state's answer for a day D (who first signed up on D-7, who was
 *   active for the first time before D) does not change when later days are folded in;
 *   only late data, or history older than the state had seen, can move it.
 *
 * The state covers the `user_day` days the lake's runs have built: the windows of the runs
 * (each daily run adds its day; a cold first run the days its window reads, 60 to 97 back),
 * so no run reads more raw history than it did before the state existed. To give a lake
 * with older history its first signups from its first day, rebuild those days once:
 * `opspulse rollup rebuild --from <first day> --to <yesterday> --only user_day`.
 *
 * An engine without rollup storage (rollups off, a run in another zone) reads `user_state`
 * inlined as `queries/user_state_of_days.sql` over the `user_day` days its query reads plus
 * the first signups of the 365 days before them (`lookback_signups`): the same as a cold
 * first run, whose state made from scratch takes the same look-back.
 *
 * The identity map (docs/identity.md): `user_day` holds persons, so the state does too. A
 * changed map can take records away from a person (a `valid_to` split), which a fold cannot
 * undo. The manifest records the map's fingerprint, and the storage keeps the map's rows
 * beside it (a document); a change makes again only the persons whose mapping changed
 * (identity-map.ts, `personsTouched`): their rows are dropped and made from every stored
 * `user_day` day (rebuilt first where the change covers them) and the look-back's first
 * signups, as from scratch, while every other person's row is kept. A change touching more
 * than {@link MAX_PERSONS_REMADE} persons, or a storage without documents, makes the state
 * again whole.
 *
 * Issues that extend the per-user facts (identity, performance) add columns here and in
 * the two query files; a change of either query's text changes the definition hash and
 * the next run rebuilds the state from scratch.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  addDays,
  calendar,
  type IsoDate,
  partitionsFor,
  sameZone,
  zoneKey,
} from "../kpi/windows.ts";
import type { QueryEngine } from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import { bindParams, type CalendarParamRow, type QueryParams } from "../query/query-file.ts";
import type { QueryStats } from "../query/result.ts";
import { IDENTITIES, identityMapRows, personsTouched } from "./identity-map.ts";
import type { RollupColumn } from "./schema.ts";
import type { RollupStorage, StateManifest } from "./storage.ts";

/** What a refresh of the state needs to know (refresh.ts passes it). */
export interface UserStateContext {
  /** Reads the identity map's rows (when it changed). */
  readonly engine: QueryEngine;
  readonly catalog: QueryCatalog;
  readonly timeZone: string;
  /** The time of the run, recorded in the manifest. */
  readonly now: Date;
  /** `definitionHash` of the `user_day` rollup: a change rebuilds the state too. */
  readonly userDayDefinition: string;
}

/** The logical table of the state (`queries/_sources.yaml`). */
export const USER_STATE = "user_state";
/** The query that folds `user_day` days into the stored state. */
export const USER_STATE_BUILD_QUERY = "rollup_user_state";
/** The same facts from some `user_day` days alone (engines without rollup storage). */
export const USER_STATE_INLINE_QUERY = "user_state_of_days";

/** The state's columns, in the order the build query returns them. */
export const USER_STATE_COLUMNS: readonly RollupColumn[] = [
  { name: "user_id", type: "varchar", description: "The user." },
  {
    name: "first_signup_time",
    type: "timestamp",
    description: "event_time of the user's first signup event ever recorded (UTC); null: none.",
  },
  {
    name: "first_signup_date",
    type: "date",
    description: "Report-zone local day of first_signup_time (the signup day); null: none.",
  },
  {
    name: "first_active_date",
    type: "date",
    description: "First report-zone local day with a valid event of the user.",
  },
];

/** What one refresh of the state did. */
export interface UserStateRefresh {
  /** The `user_day` days folded in (empty: the state was fresh). */
  readonly folded: readonly IsoDate[];
  /** Whether the state was rebuilt from scratch (none, or another zone or definition). */
  readonly fromScratch: boolean;
  /** The persons made again for a changed identity map (the other rows were kept). */
  readonly remade: readonly string[];
  readonly stats: readonly QueryStats[];
}

/** Folds tried when other runs keep replacing the state meanwhile. */
const MAX_FOLD_ATTEMPTS = 5;

/**
 * Most persons a changed map makes again one by one (their ids are a list in the build
 * query, and Athena takes at most 256 KB of query text); past it the state is made whole.
 */
export const MAX_PERSONS_REMADE = 5_000;

/**
 * Folds into the state every `user_day` day of `days` whose partition it has not seen
 * (every stored day when it must be rebuilt from scratch). Call it after `user_day` is
 * fresh over `days` (refresh.ts does). When another run replaced the state while this one
 * folded (two runs starting together), this one folds its days again into that state, so
 * that the state its query reads has seen every day of its window.
 */
export async function refreshUserState(
  storage: RollupStorage,
  context: UserStateContext,
  days: readonly IsoDate[],
): Promise<UserStateRefresh> {
  const definition = userStateDefinition(context);
  const stats: QueryStats[] = [];
  for (let attempt = 0; attempt < MAX_FOLD_ATTEMPTS; attempt++) {
    const stored = await storage.stateManifest(USER_STATE);
    const identities = await storage.tableFingerprint(IDENTITIES);
    const plan = await planRefresh(storage, context, stored, definition, identities);
    const candidates = plan.mode === "fold" ? days : await storage.days("user_day");
    const manifests = await storage.manifests("user_day", candidates);
    const base = plan.mode === "scratch" ? {} : (stored?.folded ?? {});
    const toFold = manifests.filter((manifest) => base[manifest.localDate] !== manifest.buildId);
    const remade = plan.mode === "remake" ? plan.persons : [];
    const storedDays = manifests.map((m) => m.localDate).sort();
    // A changed map is recorded even when it moves no record (its files were rewritten).
    if (toFold.length === 0 && (plan.mode === "fold" || storedDays.length === 0)) {
      // Another run may have written the state this engine's view was bound without.
      await storage.ready?.(USER_STATE);
      return { folded: [], fromScratch: false, remade: [], stats };
    }
    const foldedDays = toFold.map((m) => m.localDate).sort();
    const buildId = `${context.now.getTime().toString(36)}-${randomUUID().slice(0, 8)}`;
    const identityRows =
      plan.mode === "fold" ? stored?.identityRows : await putIdentityRows(storage, plan, buildId);
    const manifest: StateManifest = {
      rollup: USER_STATE,
      timeZone: context.timeZone,
      definition,
      folded: Object.fromEntries(
        Object.entries({
          ...base,
          ...Object.fromEntries(toFold.map((m) => [m.localDate, m.buildId])),
        }).sort(([x], [y]) => (x < y ? -1 : 1)),
      ),
      ...(identities ? { identities } : {}),
      ...(identityRows ? { identityRows } : {}),
      builtAt: context.now.toISOString(),
      buildId,
    };
    // Made again (from scratch, or some persons), the state also takes the first signups of
    // the 365 days before its days, as the inlined state does; a fold reads none of them.
    const readsEveryDay = plan.mode !== "fold";
    const result = await storage.replaceState(
      USER_STATE,
      context.catalog.get(USER_STATE_BUILD_QUERY),
      {
        ...foldParams(foldedDays, readsEveryDay ? storedDays : foldedDays),
        keep_stored: plan.mode === "scratch" ? 0 : 1,
        recompute: remade.length > 0 ? 1 : 0,
        // A list is never empty: a placeholder no one is, read by no row (recompute = 0).
        touched_users: remade.length > 0 ? remade : [""],
        touched_days: storedDays.length > 0 ? storedDays : [""],
        ...lookbackParams(
          readsEveryDay ? storedDays : foldedDays.slice(0, 1),
          context.timeZone,
          readsEveryDay,
        ),
      },
      manifest,
      stored?.buildId,
    );
    stats.push(result.stats);
    if (result.replaced) {
      // The rows the state was made with before are no longer read by anyone.
      if (stored?.identityRows && stored.identityRows !== identityRows) {
        await storage.removeDocument?.(stored.identityRows);
      }
      return { folded: foldedDays, fromScratch: plan.mode === "scratch", remade, stats };
    }
    // Another run replaced the state meanwhile: fold this run's days into that one.
    if (identityRows && identityRows !== stored?.identityRows) {
      await storage.removeDocument?.(identityRows);
    }
  }
  throw new Error(
    `The per-user state (${USER_STATE}) was replaced by other runs ${MAX_FOLD_ATTEMPTS} times while this run folded user_day into it: run the report again.`,
  );
}

/**
 * How the state is brought up to date: folded (the same map), some persons made again (the
 * map changed, and the rows the state was made with are known), or made from scratch (no
 * state, another zone or definition, or a map change it cannot tell apart).
 */
type RefreshPlan =
  | { readonly mode: "fold"; readonly mapRows?: undefined }
  | {
      readonly mode: "remake";
      readonly persons: readonly string[];
      readonly mapRows: readonly string[];
    }
  | { readonly mode: "scratch"; readonly mapRows?: readonly string[] };

async function planRefresh(
  storage: RollupStorage,
  context: UserStateContext,
  stored: StateManifest | undefined,
  definition: string,
  identities: string,
): Promise<RefreshPlan> {
  const sameBuild =
    stored !== undefined &&
    sameZone(stored.timeZone, context.timeZone) &&
    stored.definition === definition;
  const sameMap = (stored?.identities ?? "") === identities;
  if (sameBuild && sameMap) return { mode: "fold" };
  const documents = storage.putDocument && storage.getDocument;
  const mapRows =
    identities && documents
      ? await identityMapRows(storage, context.engine, context.catalog)
      : undefined;
  if (!sameBuild || !documents) return mapRows ? { mode: "scratch", mapRows } : { mode: "scratch" };
  // The rows the stored state was made with: none without a map; unknown when its document
  // is gone (then the state is made whole).
  const before = stored?.identities
    ? stored.identityRows
      ? await storage.getDocument?.(stored.identityRows)
      : undefined
    : "";
  if (before === undefined) return mapRows ? { mode: "scratch", mapRows } : { mode: "scratch" };
  const persons = personsTouched(before.split("\n").filter(Boolean), mapRows ?? []);
  if (persons.length > MAX_PERSONS_REMADE) {
    return mapRows ? { mode: "scratch", mapRows } : { mode: "scratch" };
  }
  return { mode: "remake", persons, mapRows: mapRows ?? [] };
}

/** Puts the map's rows as the document of the state being built; its name (none: no map). */
async function putIdentityRows(
  storage: RollupStorage,
  plan: RefreshPlan,
  buildId: string,
): Promise<string | undefined> {
  if (plan.mode === "fold") return undefined;
  if (!plan.mapRows || plan.mapRows.length === 0 || !storage.putDocument) return undefined;
  const name = `${USER_STATE}-identities-${buildId}.tsv`;
  await storage.putDocument(name, `${plan.mapRows.join("\n")}\n`);
  return name;
}

/**
 * Whether the identity map changed since the stored state was made, so that the next
 * refresh makes the persons it touches again from every stored `user_day` day: refresh.ts
 * first brings those days up to date with the map (only those the change covers are built).
 */
export async function stateNeedsEveryDay(storage: RollupStorage): Promise<boolean> {
  const stored = await storage.stateManifest(USER_STATE);
  if (!stored) return false;
  return (stored.identities ?? "") !== (await storage.tableFingerprint(IDENTITIES));
}

/** `user_state` as an inlined CTE: the facts of these `user_day` days alone. */
export function inlineUserState(
  catalog: QueryCatalog,
  days: readonly IsoDate[],
  timeZone: string,
): { readonly name: string; readonly sql: string } {
  const query = catalog.get(USER_STATE_INLINE_QUERY);
  return {
    name: USER_STATE,
    sql: bindParams(query, { ...foldParams(days), ...lookbackParams(days, timeZone) }),
  };
}

/** The look-back of an inlined state (bounded like every window: 365 days back). */
export const INLINE_STATE_LOOKBACK_DAYS = 365;

/**
 * The local days before `days` back to 365 days before their last (the day before them
 * when `days` reach that far), as the calendar and `dt` partitions of `user_state_of_days.sql`.
 */
function lookbackParams(days: readonly IsoDate[], timeZone: string, wanted = true): QueryParams {
  const [first, last] = [days[0], days.at(-1)];
  // Not wanted: one day (a calendar is never empty), which the query does not read.
  const from = last ? addDays(last, wanted ? -INLINE_STATE_LOOKBACK_DAYS : 0) : undefined;
  const to = first ? addDays(first, -1) : undefined;
  // A calendar is never empty: days that already span the look-back read one day before.
  const cal: CalendarParamRow[] =
    from && to
      ? calendar([from, to].sort()[0] ?? to, to, timeZone).flatMap((day) =>
          partitionsFor(day.fromUtc, day.toUtc).map((dt) => ({
            localDate: day.localDate,
            dt,
            dayStartUtc: day.fromUtc,
            dayEndUtc: day.toUtc,
          })),
        )
      : [];
  // Not wanted, no partition is named either ([""]): the scan is never even opened.
  const dts = wanted ? [...new Set(cal.map((row) => row.dt))].sort() : [];
  return { lookback_cal: cal, events_dts: dts.length > 0 ? dts : [""] };
}

/**
 * The fold's days, within the range of `range` (default the days themselves): a state made
 * again for some persons reads every stored day of them, and folds only the new ones.
 */
function foldParams(days: readonly IsoDate[], range: readonly IsoDate[] = days): QueryParams {
  return {
    fold_first_day: range[0] ?? "",
    fold_last_day: range.at(-1) ?? "",
    // A list is never empty: no new day to fold reads none (no local day is "").
    fold_days: days.length > 0 ? days : [""],
  };
}

/**
 * What the state's rows depend on besides the data: the fold query's text and `user_day`'s
 * definition (its query, zone and settings). A change rebuilds the state from scratch.
 */
function userStateDefinition(context: UserStateContext): string {
  return createHash("sha256")
    .update(
      JSON.stringify({
        fold: context.catalog.get(USER_STATE_BUILD_QUERY).sql,
        userDay: context.userDayDefinition,
        timeZone: zoneKey(context.timeZone),
      }),
    )
    .digest("hex")
    .slice(0, 16);
}
