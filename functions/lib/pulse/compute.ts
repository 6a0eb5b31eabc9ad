/**
 * The pulse's reads: one query per raw table (`queries/pulse_events.sql`,
 * `pulse_orders.sql`) over today's `dt` partitions and the hourly rollups' baseline days
 * (built first when missing or stale, like every rollup read: rollups/refresh.ts), and the
 * newest file arrival of each table. Returns the rows as the pure core wants them.
 */
import { KNOWN_EVENT_TYPES } from "../kpi/efficiency.ts";
import {
  PULSE_TABLES,
  type PulseRow,
  type PulseSettings,
  type PulseTable,
  pulseBaselineDays,
} from "../kpi/pulse.ts";
import type { Row } from "../kpi/values.ts";
import { type IsoDate, localDateOf, localDaysWindow } from "../kpi/windows.ts";
import type { QueryEngine, QueryStats } from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import type { QueryFile } from "../query/query-file.ts";
import { queryOverRollups, rollupDays } from "../rollups/refresh.ts";

/** Where the newest file of a table's partitions arrived (S3 LastModified, a file's mtime). */
export interface LakeArrivals {
  /** The newest arrival among the files of `dts`, at or before `atOrBefore`; null: none. */
  newestArrival(table: string, dts: readonly string[], atOrBefore: Date): Promise<Date | null>;
}

/** What the pulse's reads need. */
export interface PulseReadDeps {
  readonly engine: QueryEngine;
  readonly catalog: QueryCatalog;
  readonly arrivals?: LakeArrivals;
}

/** The local day of a pulse and the partitions and baseline days it reads. */
export interface PulsePlan {
  readonly at: Date;
  readonly timeZone: string;
  readonly today: IsoDate;
  readonly dayStart: Date;
  /** Today's local day's `dt` partitions (two in a zone off UTC). */
  readonly dts: readonly string[];
  readonly baselineDays: readonly IsoDate[];
}

/** The plan of a pulse at `at`. */
export function planPulse(at: Date, timeZone: string, settings: PulseSettings): PulsePlan {
  const today = localDateOf(at, timeZone);
  const window = localDaysWindow(today, today, timeZone);
  return {
    at,
    timeZone,
    today,
    dayStart: window.fromUtc,
    dts: window.partitions,
    baselineDays: pulseBaselineDays(today, timeZone, settings.band),
  };
}

/** What the reads returned. */
export interface PulseReads {
  readonly rows: Readonly<Record<PulseTable, readonly PulseRow[]>>;
  readonly newestArrival: Readonly<Record<PulseTable, Date | null>>;
  readonly stats: readonly QueryStats[];
}

const QUERY: Readonly<Record<PulseTable, { name: string; rollup: "event_hour" | "order_hour" }>> = {
  events: { name: "pulse_events", rollup: "event_hour" },
  orders: { name: "pulse_orders", rollup: "order_hour" },
};

/** Runs the two pulse queries (building the baseline days' hourly rollups if needed). */
export async function readPulse(
  deps: PulseReadDeps,
  plan: PulsePlan,
  context: {
    readonly now: Date;
    readonly privateDomainChannels: readonly string[];
    /**
     * Queries already made ready over the rollups for a local day (`<query>:<day>`): a replay
     * checks the baseline days' rollups once per day, not at every pulse.
     */
    readonly ready?: Map<string, QueryFile>;
  },
): Promise<PulseReads> {
  const stats: QueryStats[] = [];
  const rows = {} as Record<PulseTable, PulseRow[]>;
  const newestArrival = {} as Record<PulseTable, Date | null>;
  for (const table of PULSE_TABLES) {
    const { name, rollup } = QUERY[table];
    const readyKey = `${name}:${plan.today}`;
    let query = context.ready?.get(readyKey);
    if (!query) {
      const over = await queryOverRollups(
        {
          engine: deps.engine,
          catalog: deps.catalog,
          timeZone: plan.timeZone,
          settings: { privateDomainChannels: context.privateDomainChannels },
          now: context.now,
        },
        name,
        { [rollup]: rollupDays(plan.baselineDays) },
      );
      query = over.query;
      stats.push(...over.stats);
      context.ready?.set(readyKey, query);
    }
    const result = await deps.engine.run(query, {
      today: plan.today,
      day_start: plan.dayStart,
      at: plan.at,
      lookback_start: new Date(`${plan.dts[0]}T00:00:00Z`),
      [`${table}_dts`]: plan.dts,
      ...(table === "events" ? { event_types: KNOWN_EVENT_TYPES } : {}),
      baseline_days: plan.baselineDays,
    });
    stats.push(result.stats);
    rows[table] = result.rows.map((row) => pulseRow(table, row));
    newestArrival[table] = deps.arrivals
      ? await deps.arrivals.newestArrival(table, plan.dts, plan.at)
      : null;
  }
  return { rows, newestArrival, stats };
}

function pulseRow(table: PulseTable, row: Row): PulseRow {
  const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
  const time = row.newest_valid_time;
  const oldest = row.oldest_valid_time;
  const base = {
    source: String(row.source) as PulseRow["source"],
    localDate: String(row.local_date),
    localHour:
      row.local_hour === null || row.local_hour === undefined ? null : Number(row.local_hour),
    channel: row.channel === null || row.channel === undefined ? null : String(row.channel),
    records: num(row.records),
    newestValidTime: time === null || time === undefined ? null : new Date(String(time)),
    oldestValidTime: oldest === null || oldest === undefined ? null : new Date(String(oldest)),
  };
  return table === "events"
    ? { ...base, valid: num(row.valid_events), users: num(row.users), signups: num(row.signups) }
    : {
        ...base,
        valid: num(row.orders),
        users: num(row.buyers),
        paidOrders: num(row.paid_orders),
        gmv: num(row.gmv),
      };
}
