/**
 * Property test of the weekly states (functions/lib/rollups/weekly-state.ts): on random
 * small lakes, weekly runs of four consecutive weeks carry the RFM and activity states week
 * to week (each carried RFM build reads only the 14 order_day days entering and leaving the
 * windows, each activity build the 7 entering user_day days, or none after the Sunday's
 * daily run: its daily activity state holds them) and give exactly the oracle's
 * segments, medians, migration and lifecycle layers; a re-run of a past week afterwards
 * gives what its first run gave; late orders (a new paid order, a refund of an old one) and
 * a late event rebuild the states whose windows hold their days, and the re-runs agree with
 * the oracle over the lake with them; a run with rollups off (the states inlined from the
 * raw data) gives the same RFM rows.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { rfmWindows, summarizeLifecycle, summarizeRfm } from "../../functions/lib/kpi/rfm.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine, QueryStats, Row } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { lifecycleRow, rfmRows } from "../../functions/lib/report/modules/segments.ts";
import { userKpiRow } from "../../functions/lib/report/modules/users.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import {
  buildLake,
  dateIn,
  eventRow,
  isoWeekOf,
  type Lake,
  type LakeOrder,
  type LakeSpec,
  lakeSpec,
  localDay,
  orderRow,
  paidOrders,
  shiftDay,
} from "../oracle/ops-lake.ts";
import { oracleSegments } from "../oracle/segments.ts";
import { checkUntilCovered, runsPerBatch } from "../support/property-coverage.ts";
import { seedUserState } from "../support/user-state.ts";

const RUNS = runsPerBatch(10);
const ZONE = "Asia/Shanghai";
const tempRoot = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

/** Day offsets from the last report week's Sunday where one of the four weeks' windows starts or ends. */
const EDGES = [
  0, 1, -1, -6, -7, -8, -13, -14, -15, -20, -21, -22, -28, -29, -358, -364, -365, -371, -372, -378,
  -379, -385, -386, -392, -393, -400,
];

let lakeCounter = 0;

interface WeekRun {
  readonly rows: readonly Row[];
  readonly lifecycle: Row | undefined;
  readonly stats: readonly QueryStats[];
}

async function weekly(engine: QueryEngine, sunday: string, lifecycle = true): Promise<WeekRun> {
  const period = periodContaining("week", sunday, ZONE);
  const settings = { ...DEFAULT_KPI_SETTINGS, minSample: 1 };
  const context = { engine, catalog, period, settings, now: new Date(0) };
  const { rows, stats } = await rfmRows(context);
  const layers = lifecycle ? await lifecycleRow(context) : { row: undefined, stats: [] };
  return { rows: sortRows(rows), lifecycle: layers.row, stats: [...stats, ...layers.stats] };
}

const sortRows = (rows: readonly Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The RFM state builds a run made, and the order_day partitions each read. */
const stateBuilds = (run: WeekRun) =>
  run.stats
    .filter((s) => s.query === "rollup_rfm_week")
    .map((s) => s.partitionsRead?.order_day ?? 0);

/** The activity state builds a run made, and the user_day partitions each read. */
const activityBuilds = (run: WeekRun) =>
  run.stats
    .filter((s) => s.query === "rollup_activity_week")
    .map((s) => s.partitionsRead?.user_day ?? 0);

/** The activity state builds a run made, and the activity_day partitions each read. */
const activityFromDayState = (run: WeekRun) =>
  run.stats
    .filter((s) => s.query === "rollup_activity_week")
    .map((s) => s.partitionsRead?.activity_day ?? 0);

/** The weekly user KPIs read from the activity state: actives and private-domain customers. */
async function weeklyActivity(engine: QueryEngine, sunday: string): Promise<Row> {
  const period = periodContaining("week", sunday, ZONE);
  const settings = { ...DEFAULT_KPI_SETTINGS, minSample: 1 };
  const { row } = await userKpiRow({ engine, catalog, period, settings, now: new Date(0) });
  const keys = [
    "wau_users",
    "mau_users",
    "private_repurchase_customers",
    "private_repurchase_repeat_customers",
  ];
  return Object.fromEntries(keys.map((key) => [key, row[key] ?? null]));
}

/** The daily user KPIs of `day`, as Monday's daily run makes them: builds its activity_day. */
async function dailyUserKpis(engine: QueryEngine, day: string): Promise<void> {
  const period = periodContaining("day", day, ZONE);
  const settings = { ...DEFAULT_KPI_SETTINGS, minSample: 1 };
  await userKpiRow({ engine, catalog, period, settings, now: new Date(0) });
}

/** The run's RFM agrees with the oracle over `lake` for the week of `sunday`. */
function expectOracle(run: WeekRun, lake: Lake, sunday: string, seen: Set<string>): void {
  const period = periodContaining("week", sunday, ZONE);
  const rfm = summarizeRfm(run.rows, rfmWindows(period));
  const expected = oracleSegments(lake, { date: sunday, timeZone: ZONE });
  const context = `week of ${sunday}`;
  expect(rfm.customers, context).toBe(expected.current.customers);
  expect(rfm.previousCustomers, context).toBe(expected.previous.customers);
  for (const segment of rfm.segments) {
    const now = expected.current.segments[segment.segment];
    const before = expected.previous.segments[segment.segment];
    expect(
      {
        customers: segment.customers,
        cents: Math.round(segment.revenue * 100),
        previousCustomers: segment.previousCustomers,
        previousCents: Math.round(segment.previousRevenue * 100),
      },
      `${segment.segment}, ${context}`,
    ).toEqual({
      customers: now?.customers,
      cents: now?.revenueCents,
      previousCustomers: before?.customers,
      previousCents: before?.revenueCents,
    });
  }
  const migration = Object.fromEntries(
    rfm.migration.map((cell) => [`${cell.from}>${cell.to}`, cell.customers]),
  );
  expect(migration, context).toEqual(expected.migration);
  const medians = (m: (typeof rfm.medians)["current"]) =>
    m && {
      recencyDays: m.recencyDays,
      frequency: m.frequency,
      monetaryCents: Math.round(m.monetary * 200) / 2,
    };
  expect(medians(rfm.medians.current), context).toEqual(expected.current.medians);
  expect(medians(rfm.medians.previous), context).toEqual(expected.previous.medians);
  const layers = Object.fromEntries(
    summarizeLifecycle(run.lifecycle, rfm).map((row) => [
      row.layer,
      { current: row.users, previous: row.previousUsers },
    ]),
  );
  expect(layers, `lifecycle, ${context}`).toEqual(expected.lifecycle);
  for (const [layer, counts] of Object.entries(expected.lifecycle)) {
    if (counts.current > 0) seen.add(`lifecycle:${layer}`);
  }
  if (expected.current.customers > 0 && expected.current.customers % 2 === 0) seen.add("even");
  if (expected.current.customers % 2 === 1) seen.add("odd");
  if (expected.current.tiesAtMedian > 0) seen.add("tie");
  // Customers who left the window this week (their last orders left with its oldest days).
  if (Object.keys(expected.migration).some((key) => key.endsWith(">none"))) seen.add("lapsed");
}

async function checkLake(spec: LakeSpec, seen: Set<string>) {
  const lake = buildLake(spec, ZONE);
  const lakeDir = join(tempRoot, `lake-${lakeCounter++}`);
  mkdirSync(lakeDir);
  await writeLake(lakeDir, { events: lake.events, orders: lake.orders });
  const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  try {
    const last = spec.reportDate;
    // The per-user state as a deployment's runs keep it from the lake's first day (the
    // lifecycle "new" layer reads first signups ever).
    await seedUserState(engine, catalog, shiftDay(last, -420), shiftDay(last, -22), ZONE);
    const sundays = [-21, -14, -7, 0].map((offset) => shiftDay(last, offset));
    const first: Record<string, WeekRun> = {};
    for (const [i, sunday] of sundays.entries()) {
      // The last two Sundays' daily runs come first, as Monday's daily run of Sunday comes
      // before the weekly run: the activity state then reads the entering days from their
      // daily activity state instead of their user_day rows.
      const afterDaily = i >= 2;
      if (afterDaily) await dailyUserKpis(engine, sunday);
      const run = await weekly(engine, sunday);
      first[sunday] = run;
      expectOracle(run, lake, sunday, seen);
      const builds = stateBuilds(run);
      expect(builds.length, `one state built for ${sunday}`).toBe(1);
      expect(activityBuilds(run).length, `one activity state built for ${sunday}`).toBe(1);
      // After the first week, each state is carried: 7 entering and 7 leaving days at most.
      if (i > 0) {
        expect(builds[0], `order_day days read for ${sunday}`).toBeLessThanOrEqual(14);
        expect(activityBuilds(run)[0], `user_day days read for ${sunday}`).toBeLessThanOrEqual(
          afterDaily ? 0 : 7,
        );
        // The daily state's partition (no file when no one was active in its 30 days).
        const fromDayState = activityFromDayState(run)[0] ?? 0;
        expect(fromDayState, `activity_day read for ${sunday}`).toBeLessThanOrEqual(
          afterDaily ? 1 : 0,
        );
        if (fromDayState > 0) seen.add("entering from the daily state");
      }
    }

    // The last week's activity figures from its state (carried, its entering days read from
    // the Sunday's daily state) are those of the same week from the raw data.
    const offBefore = await createDuckDbEngine({ lakeDir, threads: 1, rollups: false });
    try {
      expect(await weeklyActivity(engine, last), `activity figures of ${last}`).toEqual(
        await weeklyActivity(offBefore, last),
      );
    } finally {
      await offBefore.close();
    }

    // A re-run of a past week reads its stored state: the rows of its first run, no build.
    const pastWeek = sundays[1] as string;
    const rerun = await weekly(engine, pastWeek);
    expect(rerun.rows, `re-run of ${pastWeek}`).toEqual(first[pastWeek]?.rows);
    expect(rerun.lifecycle, `re-run of ${pastWeek}`).toEqual(first[pastWeek]?.lifecycle);
    expect([...stateBuilds(rerun), ...activityBuilds(rerun)]).toEqual([]);

    // Late data: a new paid order ten days before the last Sunday, and a refund of a paid
    // order inside the windows, both arriving after the runs above.
    const late: LakeOrder[] = [
      orderRow({
        order_id: "late-paid",
        user_id: lake.orders.find((o) => o.user_id !== null)?.user_id ?? "late-user",
        order_time: new Date(Date.parse(`${shiftDay(last, -10)}T04:00:00Z`)),
        amount: "77.70",
      }),
    ];
    const refunded = paidOrders(lake.orders).find((o) => {
      const day = localDay(o.order_time, ZONE);
      return o.user_id !== null && day >= shiftDay(last, -300) && day <= shiftDay(last, -15);
    });
    if (refunded) {
      late.push({
        ...refunded,
        status: "refunded",
        updated_at: new Date(refunded.updated_at.getTime() + 1000),
      });
      seen.add("late refund");
    }
    // And a late event of a user who was not active then, 40 days before the last Sunday.
    const lateEvent = eventRow({
      event_id: "late-event",
      user_id: "late-visitor",
      event_type: "page_view",
      event_time: new Date(Date.parse(`${shiftDay(last, -40)}T04:00:00Z`)),
    });
    await writeLake(lakeDir, { orders: late, events: [lateEvent] }, { fileStem: "late-{i}" });
    const withLate: Lake = {
      ...lake,
      orders: [...lake.orders, ...late],
      events: [...lake.events, lateEvent],
    };
    for (const sunday of [last, pastWeek]) {
      const run = await weekly(engine, sunday);
      expectOracle(run, withLate, sunday, seen);
      // The refund's day is in both weeks' windows; the new order's in the last week's only.
      const touched = sunday === last || refunded !== undefined;
      expect(stateBuilds(run).length, `state of ${sunday} rebuilt after late data`).toBe(
        touched ? 1 : 0,
      );
      expect(activityBuilds(run).length, `activity of ${sunday} rebuilt`).toBe(1);
    }

    // Rollups off: the state inlined from the raw orders gives the same rows.
    const off = await createDuckDbEngine({ lakeDir, threads: 1, rollups: false });
    try {
      const inlined = await weekly(off, last, false);
      expect(inlined.rows).toEqual((await weekly(engine, last)).rows);
    } finally {
      await off.close();
    }
  } finally {
    await engine.close();
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

describe("weekly states: RFM and activity carried week to week", () => {
  it(`agree with the oracle on every week, on re-runs and after late data (${RUNS} random lakes)`, async () => {
    const seen = new Set<string>();
    const shape = lakeSpec({
      reportDates: dateIn("2026-03-01", 120).map((date) => isoWeekOf(date).last),
      activityDays: fc.oneof(
        fc.constantFrom(...EDGES),
        fc.integer({ min: -30, max: 1 }),
        fc.integer({ min: -400, max: 1 }),
      ),
      // "teleport" is no event type of the contract: no activity.
      eventTypes: ["signup", "signup", "page_view", "session_start", "teleport"],
      users: { min: 6, max: 24 },
      eventsPerUser: { min: 0, max: 4 },
      ordersPerUser: { min: 1, max: 4 },
      flawRate: 0.03,
    });
    const unseen = await checkUntilCovered(
      fc.asyncProperty(shape, (spec) => checkLake(spec, seen)),
      () =>
        [
          "even",
          "odd",
          "tie",
          "lapsed",
          "late refund",
          "entering from the daily state",
          "lifecycle:new",
          "lifecycle:active",
          "lifecycle:dormant",
          "lifecycle:churned",
        ].filter((key) => !seen.has(key)),
      { numRuns: RUNS },
    );
    expect(unseen).toEqual([]);
  }, 1_800_000);
});
