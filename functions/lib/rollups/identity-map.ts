/**
 * The identity map's part in keeping rollups fresh (shared/kpi-spec.md, "Identity";
 * docs/identity.md). The rollups built from raw records (`user_day`, `order_day`,
 * `campaign_user_day`) read them with `user_id` mapped to the person
 * (`queries/_fragments/mapped_events.sql`, `mapped_orders.sql`), so a day's rows depend on
 * the mappings valid during that day. Each such day's manifest therefore carries, beside
 * its raw partitions' fingerprints, the key {@link IDENTITIES_SOURCE_KEY}: a fingerprint of
 * the mapping rows whose `[valid_from, valid_to)` overlaps the day (no key when none does).
 * A new, changed or removed mapping changes the fingerprints of exactly the days it covers,
 * and only those are rebuilt; a lake without the table gets no key, so its manifests are
 * what they were before the table existed.
 *
 * The rows are read with `queries/identity_ranges.sql` only when the table's files changed
 * since this engine last read them (a listing, as for raw partitions), so a run's several
 * refreshes read the map once.
 */
import { createHash } from "node:crypto";
import type { IsoDate } from "../kpi/windows.ts";
import type { QueryEngine } from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import type { RollupStorage } from "./storage.ts";

/** The logical table of the map (`queries/_sources.yaml`). */
export const IDENTITIES = "identities";
/** The manifest `sources` key of a day's mapping fingerprint. */
export const IDENTITIES_SOURCE_KEY = "identities";
/** The query that reads the map's rows. */
export const IDENTITY_RANGES_QUERY = "identity_ranges";

/** One mapping row, its instants in ms, and a hash of the row. */
interface HashedRange {
  readonly validFrom: number;
  /** Exclusive; Infinity: still holds. */
  readonly validTo: number;
  readonly hash: bigint;
  /** The row as one line: source id, person, valid_from, valid_to, tab-separated. */
  readonly text: string;
}

/** A local day as UTC instants. */
export interface DayBounds {
  readonly localDate: IsoDate;
  readonly fromUtc: Date;
  readonly toUtc: Date;
}

const read = new WeakMap<QueryEngine, { fingerprint: string; ranges: readonly HashedRange[] }>();

/** Sums of row hashes are kept mod 2^64 (BigInt.asUintN: a wrap, several times cheaper than %). */
const mod64 = (value: bigint): bigint => BigInt.asUintN(64, value);

/**
 * Per local day of `days`, the fingerprint of the mapping rows valid at some instant of it;
 * days no mapping row covers are absent (also every day when the lake has no map).
 */
export async function identityFingerprints(
  storage: RollupStorage,
  engine: QueryEngine,
  catalog: QueryCatalog,
  days: readonly DayBounds[],
): Promise<ReadonlyMap<IsoDate, string>> {
  const ranges = await identityRanges(storage, engine, catalog);
  const result = new Map<IsoDate, string>();
  if (ranges.length === 0 || days.length === 0) return result;
  const sorted = days.toSorted((a, b) => a.fromUtc.getTime() - b.fromUtc.getTime());
  const starts = sorted.map((day) => day.fromUtc.getTime());
  const ends = sorted.map((day) => day.toUtc.getTime());
  // A sweep over the days: each row adds its hash to the days it overlaps (as a difference
  // array), so the cost is the rows plus the days, not their product.
  const sums = Array.from({ length: sorted.length + 1 }, () => 0n);
  const counts = Array.from({ length: sorted.length + 1 }, () => 0);
  for (const range of ranges) {
    const first = lowerBound(ends, (end) => end > range.validFrom);
    const afterLast = lowerBound(starts, (start) => start >= range.validTo);
    if (first >= afterLast) continue;
    sums[first] = mod64((sums[first] as bigint) + range.hash);
    sums[afterLast] = mod64((sums[afterLast] as bigint) - range.hash);
    counts[first] = (counts[first] as number) + 1;
    counts[afterLast] = (counts[afterLast] as number) - 1;
  }
  let sum = 0n;
  let count = 0;
  sorted.forEach((day, i) => {
    sum = mod64(sum + (sums[i] as bigint));
    count += counts[i] as number;
    if (count > 0) result.set(day.localDate, `${count}:${sum.toString(16)}`);
  });
  return result;
}

/**
 * The fingerprint of the map's files (`""`: no map), which the per-user state records to
 * notice a changed map (user-state.ts).
 */
export function identitiesFingerprint(storage: RollupStorage): Promise<string> {
  return storage.tableFingerprint(IDENTITIES);
}

/**
 * The map's rows as lines (source id, person, valid_from, valid_to, tab-separated), sorted;
 * none without a map. The per-user state keeps the lines it was made with, to tell which
 * persons a later change of the map touches ({@link personsTouched}).
 */
export async function identityMapRows(
  storage: RollupStorage,
  engine: QueryEngine,
  catalog: QueryCatalog,
): Promise<readonly string[]> {
  return (await identityRanges(storage, engine, catalog)).map((range) => range.text).sort();
}

/**
 * The persons whose records a change of the map from `before` to `after` (lines of
 * {@link identityMapRows}) can move from one person to another: the source id and the
 * person of every row that is in one map and not in the other. A record maps by the row
 * valid at its time, and one id's rows never overlap, so a record whose person changed lies
 * within such a row (the old one it left, or the new one it joined) and both its old and
 * its new person are named here; a person named by no such row keeps every record.
 */
export function personsTouched(before: readonly string[], after: readonly string[]): string[] {
  const [old, now] = [new Set(before), new Set(after)];
  const changed = [
    ...before.filter((row) => !now.has(row)),
    ...after.filter((row) => !old.has(row)),
  ];
  const persons = new Set<string>();
  for (const row of changed) {
    const [sourceUserId, userId] = row.split("\t");
    if (sourceUserId) persons.add(sourceUserId);
    if (userId) persons.add(userId);
  }
  return [...persons].sort();
}

async function identityRanges(
  storage: RollupStorage,
  engine: QueryEngine,
  catalog: QueryCatalog,
): Promise<readonly HashedRange[]> {
  const fingerprint = await identitiesFingerprint(storage);
  if (fingerprint === "") return [];
  const known = read.get(engine);
  if (known?.fingerprint === fingerprint) return known.ranges;
  // An engine whose view of the map was bound before the map arrived binds it again.
  await storage.ready?.(IDENTITIES);
  const { rows } = await engine.run(catalog.get(IDENTITY_RANGES_QUERY), {});
  const ranges = rows.map((row): HashedRange => {
    const text = [row.source_user_id, row.user_id, row.valid_from, row.valid_to ?? ""].join("\t");
    return {
      text,
      validFrom: Date.parse(String(row.valid_from)),
      validTo: row.valid_to == null ? Number.POSITIVE_INFINITY : Date.parse(String(row.valid_to)),
      hash: BigInt(`0x${createHash("sha256").update(text).digest("hex").slice(0, 16)}`),
    };
  });
  read.set(engine, { fingerprint, ranges });
  return ranges;
}

/** The first index whose value passes `test` (values sorted so that `test` flips once). */
function lowerBound(values: readonly number[], test: (value: number) => boolean): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (test(values[middle] as number)) high = middle;
    else low = middle + 1;
  }
  return low;
}
