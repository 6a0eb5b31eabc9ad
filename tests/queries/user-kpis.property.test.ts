/**
 * Property test: on random small lakes, the users module (queries/user_kpis.sql on DuckDB
 * over Parquet) gives exactly the numbers of the independent oracle, for every metric, for
 * a day and for the ISO week around it, in Shanghai and in a DST zone.
 *
 * The lakes are built around the report day D so that the edges get hit: events seconds
 * around local midnight, signups on the cohort days (and on the days just outside them),
 * users who sign up again within 30 days, beyond 30 days and beyond 365 days of their first
 * signup, events of an unknown type (no activity), orders exactly 7 × 24 h and 30 × 24 h
 * after a signup (± seconds), duplicate records, refunds and cancellations (a share of them
 * recorded with a negative amount), paid records whose only fault is a negative amount,
 * ties of updated_at, buyers without events, private-domain channels up to 90 days back.
 *
 * The lake's rollups are kept from its first day, as a deployment's runs keep them, so the
 * per-user state knows every user's first signup ever (functions/lib/rollups/user-state.ts).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { USER_KPI_IDS } from "../../functions/lib/kpi/user-kpis.ts";
import { addDays, localMidnightUtc, periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { usersModule } from "../../functions/lib/report/modules/users.ts";
import { DEFAULT_KPI_SETTINGS, type KpiSettings } from "../../functions/lib/report/modules.ts";
import { type OracleEvent, type OracleOrder, oracleUserKpis } from "../oracle/user-kpis.ts";
import { runsPerBatch } from "../support/property-coverage.ts";
import { seedUserState } from "../support/user-state.ts";

/** 100 lakes per zone, 200 in all (OPSPULSE_PROPERTY_RUNS raises it). */
const RUNS_PER_ZONE = runsPerBatch(100);
const tempRoot = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

// Metrics whose value is a count or an exact sum: compared with ===. The others are
// ratios or means, compared to 1e-9 (relative) because division order differs.
const EXACT = new Set(["new_users", "wau", "mau", "orders", "gmv", "paying_users"]);
/** Counts and sums, never subject to the min-sample rule. */
const PLAIN = new Set([...EXACT, "dau"]);

// ---- the random lake, described relative to the report day D -------------------------

interface EventSpec {
  readonly dayOffset: number;
  readonly second: number;
  readonly type: string;
  readonly channel: string | null;
}
interface RecordSpec {
  readonly status: string;
  readonly updatedAfterMinutes: number;
  readonly cents: number;
  /** Negative amount: a refund or cancellation so recorded, or a paid record's only fault. */
  readonly negative: boolean;
  readonly copies: number;
}
interface OrderSpec {
  /** Absolute (day offset + second), or relative to one of the user's signups. */
  readonly anchor: "absolute" | "conversion_edge" | "ltv_edge" | "after_signup";
  readonly dayOffset: number;
  readonly second: number;
  readonly signupIndex: number;
  readonly records: readonly RecordSpec[];
}
interface UserSpec {
  /** A signup, mostly on a cohort day (null: none besides the random events). */
  readonly signup: { readonly dayOffset: number; readonly second: number } | null;
  /** An earlier signup of the same user, days before the other one (null: none). */
  readonly earlierSignupDaysBefore: number | null;
  /** An event on D itself (null: none besides the random events). */
  readonly activeOnReportDay: number | null;
  readonly events: readonly EventSpec[];
  readonly orders: readonly OrderSpec[];
}
interface LakeSpec {
  readonly reportDate: string;
  readonly users: readonly UserSpec[];
}

/** Day offsets from D that matter to some metric: cohorts, window edges, lookbacks. */
const EDGE_OFFSETS = [
  0, 1, -1, -2, -6, -7, -8, -29, -30, -31, -35, -36, -38, -41, -42, -60, -61, -65, -71, -72, -89,
  -90,
];
// Mostly edges, some anywhere: fewer distinct days keep each lake to a few dozen files.
const dayOffset = fc.oneof(
  { arbitrary: fc.constantFrom(...EDGE_OFFSETS), weight: 3 },
  { arbitrary: fc.integer({ min: -95, max: 3 }), weight: 1 },
);
/** Signup days: the daily cohorts (D, D-1, D-7, D-30), the weekly LTV cohort, or any day. */
const signupOffset = fc.oneof(fc.constantFrom(0, -1, -7, -30, -36, -38, -40), dayOffset);
/** Second of the local day: mostly seconds around midnight (negative: the day before). */
const second = fc.oneof(
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

const lakeSpec = (reportDates: fc.Arbitrary<string>): fc.Arbitrary<LakeSpec> =>
  fc.record({
    reportDate: reportDates,
    users: fc.array(userSpec, { minLength: 3, maxLength: 36 }),
  });

function dateIn(from: string, days: number): fc.Arbitrary<string> {
  return fc.integer({ min: 0, max: days - 1 }).map((n) => addDays(from, n));
}

/** Concrete rows of a lake spec in `zone`. */
function buildLake(spec: LakeSpec, zone: string) {
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

// ---- running both sides --------------------------------------------------------------

let lakeCounter = 0;

async function compareOnLake(
  spec: LakeSpec,
  zone: string,
  settings: KpiSettings,
  nonZeroSeen: Set<string>,
) {
  const { events, orders, firstDay } = buildLake(spec, zone);
  const lakeDir = join(tempRoot, `lake-${lakeCounter++}`);
  mkdirSync(lakeDir);
  await writeLake(lakeDir, { events, orders });
  const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  try {
    // The rollups as a deployment's runs keep them: from the lake's first day.
    await seedUserState(engine, catalog, firstDay, addDays(spec.reportDate, 7), zone);
    for (const kind of ["day", "week"] as const) {
      const period = periodContaining(kind, spec.reportDate, zone);
      const { values } = await usersModule.compute({
        engine,
        catalog,
        period,
        settings,
        now: new Date(0),
      });
      const expected = oracleUserKpis(events, orders, {
        kind,
        date: spec.reportDate,
        timeZone: zone,
        minSample: settings.minSample,
        privateChannels: settings.privateDomainChannels,
      });
      for (const [id, value] of Object.entries(expected)) {
        if (value !== null && value !== 0) nonZeroSeen.add(`${kind}:${id}`);
      }
      expect(Object.keys(values).sort()).toEqual([...USER_KPI_IDS[kind]].sort());
      for (const id of USER_KPI_IDS[kind]) {
        const actual = values[id]?.value ?? null;
        const wanted = expected[id] ?? null;
        const context = `${id} (${kind} ${spec.reportDate} ${zone}): module ${actual}, oracle ${wanted}`;
        if (wanted === null || actual === null || EXACT.has(id)) {
          expect(actual, context).toBe(wanted);
        } else {
          expect(Math.abs(actual - wanted), context).toBeLessThanOrEqual(
            1e-9 * Math.max(1, Math.abs(wanted)),
          );
        }
      }
    }
  } finally {
    await engine.close();
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

const ZONES = [
  {
    zone: "Asia/Shanghai",
    // Around the new year: ISO weeks that straddle two calendar years.
    dates: fc.oneof(dateIn("2025-12-20", 30), dateIn("2026-05-01", 60)),
  },
  {
    zone: "America/New_York",
    // Report days whose windows contain a DST change (2026-03-08 and 2026-11-01).
    dates: fc.oneof(dateIn("2026-03-01", 50), dateIn("2026-10-25", 40)),
  },
];

describe("user KPIs: SQL on DuckDB vs the independent oracle", () => {
  for (const { zone, dates } of ZONES) {
    it(`agrees on every metric, day and week, in ${zone} (${RUNS_PER_ZONE} random lakes)`, async () => {
      const settings = { ...DEFAULT_KPI_SETTINGS, minSample: 1 };
      const nonZeroSeen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(lakeSpec(dates), (spec) =>
          compareOnLake(spec, zone, settings, nonZeroSeen),
        ),
        { numRuns: RUNS_PER_ZONE, seed: Number(process.env.OPSPULSE_PROPERTY_SEED) || undefined },
      );
      // Agreement on zeros and nulls alone would prove little: every metric must have been
      // compared on a lake where it is a real, non-zero number.
      const everyMetric = (["day", "week"] as const).flatMap((kind) =>
        USER_KPI_IDS[kind].map((id) => `${kind}:${id}`),
      );
      expect(everyMetric.filter((key) => !nonZeroSeen.has(key))).toEqual([]);
    }, 600_000);
  }

  it("reports every ratio as insufficient below the minimum sample (100)", async () => {
    const spec = fc.sample(lakeSpec(dateIn("2026-03-01", 20)), { numRuns: 1, seed: 7 })[0];
    if (!spec) throw new Error("no sample");
    const { events, orders } = buildLake(spec, "Asia/Shanghai");
    const lakeDir = join(tempRoot, "min-sample");
    mkdirSync(lakeDir);
    await writeLake(lakeDir, { events, orders });
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      for (const kind of ["day", "week"] as const) {
        const { values } = await usersModule.compute({
          engine,
          catalog,
          period: periodContaining(kind, spec.reportDate, "Asia/Shanghai"),
          settings: DEFAULT_KPI_SETTINGS,
          now: new Date(0),
        });
        const ratios = USER_KPI_IDS[kind].filter((id) => !PLAIN.has(id));
        expect(ratios.length).toBeGreaterThanOrEqual(kind === "day" ? 10 : 6);
        for (const id of ratios) {
          expect(values[id], `${kind} ${id}`).toMatchObject({
            value: null,
            reason: "insufficient_sample",
          });
          expect(values[id]?.sample, `${kind} ${id}`).toBeLessThan(100);
        }
        expect(values.mau?.value, "plain counts stay numbers").toBeGreaterThan(0);
      }
    } finally {
      await engine.close();
    }
  });
});
