/**
 * Rollup refresh on a real DuckDB lake: the first run builds the whole window in one query
 * per rollup (days with raw data, each with its manifest), the next run builds nothing,
 * and a late file, a late refund, a deleted partition, a changed setting or another time
 * zone rebuild exactly the days they touch.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { writeLake } from "../../../functions/lib/lake/writer.ts";
import type { Row } from "../../../functions/lib/ports.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import { parseQueryFile } from "../../../functions/lib/query/query-file.ts";
import { DEFAULT_KPI_SETTINGS } from "../../../functions/lib/report/modules.ts";
import {
  buildParams,
  queryOverRollups,
  type RollupContext,
  rawReadParams,
  refreshRollup,
  rollupStatus,
} from "../../../functions/lib/rollups/refresh.ts";
import { ROLLUPS } from "../../../functions/lib/rollups/schema.ts";
import { MANIFEST_FILE, type RollupManifest } from "../../../functions/lib/rollups/storage.ts";

const ZONE = "Asia/Shanghai";
const WINDOW = { from: "2026-03-01", to: "2026-03-05" };
const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let eventCount = 0;
const event = (user: string, utc: string, type = "page_view", channel = "app") => ({
  event_id: `e${eventCount++}`,
  event_time: new Date(utc),
  user_id: user,
  event_type: type,
  channel,
});
const order = (id: string, utc: string, status: string, updatedUtc = utc, amount = "10.00") => ({
  order_id: id,
  user_id: "buyer",
  order_time: new Date(utc),
  updated_at: new Date(updatedUtc),
  amount,
  currency: "CNY",
  status,
});

let lakeDir: string;
let lakeCount = 0;
let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;
let context: RollupContext;

beforeEach(async () => {
  lakeDir = join(root, `lake-${lakeCount++}`);
  await writeLake(lakeDir, {
    // 1 and 2 March (local); nothing on 3–5 March.
    events: [
      event("a", "2026-02-28T16:00:00Z", "signup"),
      event("b", "2026-03-01T10:00:00Z"),
      event("a", "2026-03-02T01:00:00Z", "page_view", "wecom"),
    ],
    orders: [order("o1", "2026-03-01T02:00:00Z", "paid")],
  });
  engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  context = {
    engine,
    catalog: new QueryCatalog(),
    timeZone: ZONE,
    settings: DEFAULT_KPI_SETTINGS,
    now: new Date("2026-03-06T00:00:00Z"),
  };
});
afterEach(async () => {
  await engine.close();
});

const storage = () => {
  if (!engine.rollups) throw new Error("rollups are on by default");
  return engine.rollups;
};
const statuses = async (rollup: "user_day" | "order_day" = "user_day") =>
  (await rollupStatus(storage(), context, rollup, WINDOW)).map((s) => `${s.localDate} ${s.status}`);
const userDays = (): Promise<Row[]> =>
  engine.raw("select local_date, user_id, events from user_day order by local_date, user_id");

describe("refreshRollup", () => {
  it("builds every missing day of the window from one read of the raw partitions; days without raw data need none", async () => {
    // Raw events exist in dt 28 Feb, 1 and 2 March; local 4 and 5 March overlap none of them.
    expect(await statuses()).toEqual([...BUILT_DAYS.map((day) => `${day} missing`), ...NO_DATA]);
    const refresh = await refreshRollup(storage(), context, "user_day", WINDOW);
    expect(refresh.built).toEqual(BUILT_DAYS);
    // One read of the raw partitions, then one build per rollup of events, reading none.
    expect(refresh.stats.map((s) => s.query)).toEqual([
      "rollup_source_events",
      "rollup_user_day",
      "rollup_campaign_user_day",
      "rollup_channel_user_day",
      "rollup_event_profile",
      "rollup_event_hour",
      "rollup_content_day",
      "rollup_content_views",
      "rollup_identity_day",
      "rollup_event_quality_day",
    ]);
    // The read took the raw partitions of those days only: dt 28 Feb … 3 Mar, 3 with files.
    expect(refresh.stats[0]?.partitionsRead?.events).toBe(3);
    expect(refresh.stats.slice(1).map((s) => s.partitionsRead?.events ?? 0)).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(await statuses()).toEqual([...BUILT_DAYS.map((day) => `${day} fresh`), ...NO_DATA]);
    for (const day of WINDOW_DAYS) {
      expect(
        existsSync(join(lakeDir, "rollups/user_day", `local_date=${day}`, MANIFEST_FILE)),
      ).toBe(BUILT_DAYS.includes(day));
    }
    expect(await userDays()).toEqual([
      { local_date: "2026-03-01", user_id: "a", events: 1 },
      { local_date: "2026-03-01", user_id: "b", events: 1 },
      { local_date: "2026-03-02", user_id: "a", events: 1 },
    ]);
  });

  it("builds nothing when every day is fresh", async () => {
    await refreshRollup(storage(), context, "user_day", WINDOW);
    const again = await refreshRollup(storage(), context, "user_day", WINDOW);
    expect(again).toEqual({ rollup: "user_day", built: [], stats: [] });
  });

  it("builds only the days of a wider window that have no partition yet", async () => {
    await refreshRollup(storage(), context, "event_profile", WINDOW);
    const wider = await refreshRollup(storage(), context, "event_profile", {
      from: "2026-02-27",
      to: "2026-03-06",
    });
    // 28 Feb overlaps dt 28 Feb, which has events; 27 Feb and 6 March have no raw data.
    expect(wider.built).toEqual(["2026-02-28"]);
    // The other rollups of events miss 28 Feb too, and are built from the same read.
    expect(wider.stats.map((s) => s.query)).toEqual([
      "rollup_source_events",
      "rollup_event_profile",
      "rollup_user_day",
      "rollup_campaign_user_day",
      "rollup_channel_user_day",
      "rollup_event_hour",
      "rollup_content_day",
      "rollup_content_views",
      "rollup_identity_day",
      "rollup_event_quality_day",
    ]);
  });

  it("builds the other rollups of the raw table for the same days from the same read", async () => {
    await refreshRollup(storage(), context, "user_day", WINDOW);
    // The other rollups of events were built by user_day's read: nothing to do.
    const campaigns = await refreshRollup(storage(), context, "campaign_user_day", WINDOW);
    expect(campaigns).toEqual({ rollup: "campaign_user_day", built: [], stats: [] });
    const profile = await refreshRollup(storage(), context, "event_profile", WINDOW);
    expect(profile.stats).toEqual([]);
    // A rollup of orders is another read.
    const orders = await refreshRollup(storage(), context, "order_day", WINDOW);
    expect(orders.stats.map((s) => s.query)).toEqual([
      "rollup_source_orders",
      "rollup_order_day",
      "rollup_order_profile",
      "rollup_order_hour",
      "rollup_order_identity_day",
      "rollup_order_quality_day",
    ]);
  });

  it("leaves user_day to a reader with the KPI settings (the gate has none)", async () => {
    const gate = { ...context, settings: { privateDomainChannels: [] } };
    const profile = await refreshRollup(storage(), gate, "event_profile", WINDOW);
    expect(profile.stats.map((s) => s.query)).toEqual([
      "rollup_source_events",
      "rollup_event_profile",
      "rollup_campaign_user_day",
      "rollup_channel_user_day",
      "rollup_event_hour",
      "rollup_content_day",
      "rollup_content_views",
      "rollup_identity_day",
      "rollup_event_quality_day",
    ]);
    expect(await statuses()).toEqual([...BUILT_DAYS.map((day) => `${day} missing`), ...NO_DATA]);
  });

  it("rebuilds the days whose raw partition got a late file, and the rows change", async () => {
    await refreshRollup(storage(), context, "user_day", WINDOW);
    // The run ends: the next one reads its raw files itself.
    await engine.endRun();
    // A late file in dt=2026-03-01, which holds parts of local 1 and 2 March.
    await writeLake(
      lakeDir,
      { events: [event("c", "2026-03-01T17:00:00Z"), event("b", "2026-03-01T11:00:00Z")] },
      { fileStem: "late-{i}" },
    );
    const states = await rollupStatus(storage(), context, "user_day", WINDOW);
    expect(states.filter((s) => s.status === "stale").map((s) => [s.localDate, s.reason])).toEqual([
      ["2026-03-01", "events/dt=2026-03-01 changed"],
      ["2026-03-02", "events/dt=2026-03-01 changed"],
    ]);
    const refresh = await refreshRollup(storage(), context, "user_day", WINDOW);
    expect(refresh.built).toEqual(["2026-03-01", "2026-03-02"]);
    // Local 1 and 2 March span dt 28 Feb … 2 Mar: three partitions read, no other.
    expect(refresh.stats[0]?.partitionsRead?.events).toBe(3);
    expect(await userDays()).toEqual([
      { local_date: "2026-03-01", user_id: "a", events: 1 },
      { local_date: "2026-03-01", user_id: "b", events: 2 },
      { local_date: "2026-03-02", user_id: "a", events: 1 },
      { local_date: "2026-03-02", user_id: "c", events: 1 },
    ]);
    expect(await statuses()).toEqual([...BUILT_DAYS.map((day) => `${day} fresh`), ...NO_DATA]);
  });

  it("gives a later query of the run the partitions the builds staged, without reading their files", async () => {
    const query = parseQueryFile(
      "events_of_dts",
      [
        "-- @param dts varchar_list dt partitions",
        "-- @partitions events :dts",
        "with final as (",
        "  select count(*) as records, max(event_time) as newest from events where dt in :dts",
        ")",
        "select * from final",
      ].join("\n"),
    );
    const dts = ["2026-02-28", "2026-03-01", "2026-03-02"];
    const fromFiles = await engine.run(query, { dts });
    expect(fromFiles.stats.partitionsRead?.events).toBe(3);
    await refreshRollup(storage(), context, "user_day", WINDOW);
    const held = await engine.run(query, { dts });
    expect(held.rows).toEqual(fromFiles.rows);
    // dt 28 Feb holds only the first eight hours of local 1 March (the window's first day),
    // so the builds staged just those: its files are read; 1 and 2 March, staged whole, are not.
    expect(held.stats.partitionsRead?.events).toBe(1);
    // A late file: its partition is read from the files, the others still from the rows.
    await writeLake(
      lakeDir,
      { events: [event("c", "2026-03-01T17:00:00Z")] },
      { fileStem: "late-{i}" },
    );
    const late = await engine.run(query, { dts });
    expect(late.rows[0]?.records).toBe(Number(fromFiles.rows[0]?.records) + 1);
    expect(late.stats.partitionsRead?.events).toBe(2);
    // The run ends: nothing is held, every partition is read from its files.
    await engine.endRun();
    const after = await engine.run(query, { dts });
    expect(after.rows).toEqual(late.rows);
    expect(after.stats.partitionsRead?.events).toBe(3);
  });

  it("reads a late file's partition again within the run, and the partitions it still holds from the staged rows", async () => {
    await refreshRollup(storage(), context, "user_day", WINDOW);
    await writeLake(
      lakeDir,
      { events: [event("c", "2026-03-01T17:00:00Z"), event("b", "2026-03-01T11:00:00Z")] },
      { fileStem: "late-{i}" },
    );
    const refresh = await refreshRollup(storage(), context, "user_day", WINDOW);
    expect(refresh.built).toEqual(["2026-03-01", "2026-03-02"]);
    // dt 2 Mar is unchanged since the first build staged it whole: dt 1 March, which got
    // the late file, is read from its files, and so is dt 28 Feb, of which the first build
    // staged only the hours of local 1 March.
    expect(refresh.stats[0]?.partitionsRead?.events).toBe(2);
    expect(await userDays()).toEqual([
      { local_date: "2026-03-01", user_id: "a", events: 1 },
      { local_date: "2026-03-01", user_id: "b", events: 2 },
      { local_date: "2026-03-02", user_id: "a", events: 1 },
      { local_date: "2026-03-02", user_id: "c", events: 1 },
    ]);
  });

  it("builds a day without raw data once a late file gives it some", async () => {
    await refreshRollup(storage(), context, "user_day", WINDOW);
    await writeLake(
      lakeDir,
      { events: [event("d", "2026-03-04T01:00:00Z")] },
      { fileStem: "late-{i}" },
    );
    const refresh = await refreshRollup(storage(), context, "user_day", WINDOW);
    expect(refresh.built).toEqual(["2026-03-04", "2026-03-05"]);
    expect((await userDays()).filter((row) => row.user_id === "d")).toEqual([
      { local_date: "2026-03-04", user_id: "d", events: 1 },
    ]);
  });

  it("rebuilds an order's day when a late refund of it arrives", async () => {
    await refreshRollup(storage(), context, "order_day", WINDOW);
    await writeLake(
      lakeDir,
      { orders: [order("o1", "2026-03-01T02:00:00Z", "refunded", "2026-03-04T09:00:00Z")] },
      { fileStem: "refund-{i}" },
    );
    // The refund carries the order's time, so it lands in dt=2026-03-01 like the order: the
    // two local days that partition overlaps are rebuilt.
    expect((await statuses("order_day")).filter((s) => s.endsWith("stale"))).toEqual([
      "2026-03-01 stale",
      "2026-03-02 stale",
    ]);
    const refresh = await refreshRollup(storage(), context, "order_day", WINDOW);
    expect(refresh.built).toEqual(["2026-03-01", "2026-03-02"]);
    expect(await engine.raw("select order_id, status, records from order_day")).toEqual([
      { order_id: "o1", status: "refunded", records: 2 },
    ]);
  });

  it("rebuilds a day whose partition folder was deleted, or whose manifest is unreadable", async () => {
    await refreshRollup(storage(), context, "user_day", WINDOW);
    rmSync(join(lakeDir, "rollups/user_day/local_date=2026-03-02"), { recursive: true });
    writeFileSync(join(lakeDir, "rollups/user_day/local_date=2026-03-03", MANIFEST_FILE), "{");
    expect((await statuses()).filter((s) => s.endsWith("missing"))).toEqual([
      "2026-03-02 missing",
      "2026-03-03 missing",
    ]);
    const refresh = await refreshRollup(storage(), context, "user_day", WINDOW);
    expect(refresh.built).toEqual(["2026-03-02", "2026-03-03"]);
    expect((await userDays()).filter((row) => row.local_date === "2026-03-02")).toHaveLength(1);
  });

  it("rebuilds every day when a setting it reads or the time zone changes", async () => {
    await refreshRollup(storage(), context, "user_day", WINDOW);
    const otherChannels = { ...context, settings: { privateDomainChannels: ["app"] } };
    const changed = await rollupStatus(storage(), otherChannels, "user_day", WINDOW);
    expect(new Set(changed.filter((s) => s.status !== "no_data").map((s) => s.reason))).toEqual(
      new Set(["the build query or its settings changed"]),
    );
    const otherZone = await rollupStatus(
      storage(),
      { ...context, timeZone: "America/New_York" },
      "user_day",
      WINDOW,
    );
    expect(otherZone[0]?.reason).toBe(
      "built for time zone Asia/Shanghai, read in America/New_York",
    );
    const rebuilt = await refreshRollup(storage(), otherChannels, "user_day", WINDOW);
    expect(rebuilt.built).toEqual(BUILT_DAYS);
    expect(
      await engine.raw(
        "select user_id, private_channel_events from user_day where local_date = '2026-03-01' order by user_id",
      ),
    ).toEqual([
      { user_id: "a", private_channel_events: 1 },
      { user_id: "b", private_channel_events: 1 },
    ]);
  });

  it("rebuilds fresh days too when forced", async () => {
    await refreshRollup(storage(), context, "user_day", WINDOW);
    const forced = await refreshRollup(storage(), context, "user_day", WINDOW, { force: true });
    expect(forced.built).toEqual(BUILT_DAYS);
    expect(await userDays()).toHaveLength(3);
  });

  it("runs concurrent refreshes of one storage one after the other: each day is built once", async () => {
    const [first, second] = await Promise.all([
      refreshRollup(storage(), context, "user_day", WINDOW),
      refreshRollup(storage(), context, "user_day", WINDOW),
    ]);
    expect([first.built.length, second.built.length]).toEqual([BUILT_DAYS.length, 0]);
    expect(await userDays()).toHaveLength(3);
  });
});

describe("two runs at once (two engines on one lake, as two processes)", () => {
  it("leave a day that the other built from the same inputs as it is, unless forced", async () => {
    await refreshRollup(storage(), context, "user_day", WINDOW);
    const folder = join(lakeDir, "rollups/user_day/local_date=2026-03-01");
    const before = readFileSync(join(folder, MANIFEST_FILE), "utf8");
    const files = readdirSync(folder).sort();
    const other = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      const otherStorage = other.rollups;
      if (!otherStorage) throw new Error("rollups are on by default");
      const manifest = JSON.parse(before) as RollupManifest;
      const replace = (replaceFresh: boolean) =>
        otherStorage.replace(
          "user_day",
          context.catalog.get("rollup_user_day"),
          buildParams(ROLLUPS.user_day, ["2026-03-01"], context),
          [{ ...manifest, buildId: "other-run" }],
          { replaceFresh },
        );
      // The other run found the day missing, built it too, and finished second.
      await replace(false);
      expect(readFileSync(join(folder, MANIFEST_FILE), "utf8")).toBe(before);
      expect(readdirSync(folder).sort()).toEqual(files);
      // `opspulse rollup rebuild` replaces it all the same.
      await replace(true);
      expect(JSON.parse(readFileSync(join(folder, MANIFEST_FILE), "utf8")).buildId).toBe(
        "other-run",
      );
      expect(await userDays()).toHaveLength(3);
    } finally {
      await other.close();
    }
  });

  it("build each day once between them and both read the right rows", async () => {
    const other = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      await Promise.all([
        refreshRollup(storage(), context, "user_day", WINDOW),
        refreshRollup(
          other.rollups as NonNullable<typeof other.rollups>,
          { ...context, engine: other },
          "user_day",
          WINDOW,
        ),
      ]);
      expect(await userDays()).toHaveLength(3);
      expect(await statuses()).toEqual([...BUILT_DAYS.map((day) => `${day} fresh`), ...NO_DATA]);
    } finally {
      await other.close();
    }
  });
});

describe("rawReadParams", () => {
  const paramsIn = (timeZone: string, days: string[]) =>
    rawReadParams(
      ROLLUPS.user_day,
      buildParams(ROLLUPS.user_day, days, { timeZone, settings: DEFAULT_KPI_SETTINGS }),
    );

  it("reads the partition before the first day from the day's start, and the others whole", () => {
    // Shanghai's 1 March starts at 16:00 UTC on 28 February.
    expect(paramsIn("Asia/Shanghai", ["2026-03-01", "2026-03-02"])).toEqual({
      events_dts: ["2026-02-28", "2026-03-01", "2026-03-02"],
      first_time: new Date("2026-02-28T16:00:00Z"),
      whole_from_dt: "2026-03-01",
    });
    // New York's starts at 05:00 UTC on 1 March: dt 1 March from then, dt 2 March whole.
    expect(paramsIn("America/New_York", ["2026-03-01"])).toEqual({
      events_dts: ["2026-03-01", "2026-03-02"],
      first_time: new Date("2026-03-01T05:00:00Z"),
      whole_from_dt: "2026-03-02",
    });
    // In UTC a day is its own partition, read whole.
    expect(paramsIn("UTC", ["2026-03-01"])).toEqual({
      events_dts: ["2026-03-01"],
      first_time: new Date("2026-03-01T00:00:00Z"),
      whole_from_dt: "2026-03-01",
    });
  });
});

describe("manifests", () => {
  it("record the definition, the zone and each raw partition's fingerprint", async () => {
    await refreshRollup(storage(), context, "user_day", WINDOW);
    const manifest = JSON.parse(
      readFileSync(join(lakeDir, "rollups/user_day/local_date=2026-03-02", MANIFEST_FILE), "utf8"),
    ) as RollupManifest;
    expect(manifest).toMatchObject({
      rollup: "user_day",
      localDate: "2026-03-02",
      timeZone: ZONE,
      builtAt: "2026-03-06T00:00:00.000Z",
    });
    expect(manifest.definition).toMatch(/^[0-9a-f]{16}$/);
    // Local 2 March is 1 March 16:00Z … 2 March 16:00Z: two dt partitions, both with files.
    expect(Object.keys(manifest.sources)).toEqual(["events/dt=2026-03-01", "events/dt=2026-03-02"]);
    expect(Object.values(manifest.sources).every((f) => /^[0-9a-f]{32}$/.test(f))).toBe(true);
    // Local 3 March has no event but overlaps dt 2 March, which has files: an empty
    // partition, its manifest alone, with "" for the partition that does not exist.
    const empty = JSON.parse(
      readFileSync(join(lakeDir, "rollups/user_day/local_date=2026-03-03", MANIFEST_FILE), "utf8"),
    ) as RollupManifest;
    expect(
      Object.fromEntries(
        Object.entries(empty.sources).filter(([key]) => key >= "events/dt=2026-03-02"),
      ),
    ).toEqual({
      "events/dt=2026-03-02": expect.stringMatching(/^[0-9a-f]{32}$/),
      "events/dt=2026-03-03": "",
    });
    expect(readdirSync(join(lakeDir, "rollups/user_day/local_date=2026-03-03"))).toEqual([
      MANIFEST_FILE,
    ]);
    // Local 5 March overlaps no raw partition with files: nothing is stored for it.
    expect(existsSync(join(lakeDir, "rollups/user_day/local_date=2026-03-05"))).toBe(false);
  });

  it("leave no staging folder behind", async () => {
    await refreshRollup(storage(), context, "user_day", WINDOW);
    expect(readdirSync(join(lakeDir, "rollups/_staging"))).toEqual([]);
  });
});

describe("queryOverRollups", () => {
  const probe = (catalog: QueryCatalog) =>
    ({
      ...catalog,
      get: (name: string) =>
        name === "probe"
          ? {
              name: "probe",
              params: [],
              sql: "-- probe\nwith\n\nfinal as (select local_date, count(*) as users from user_day where local_date between '2026-03-01' and '2026-03-05' group by local_date)\n\nselect * from final order by local_date",
            }
          : catalog.get(name),
    }) as QueryCatalog;

  it("reads the same rows from stored rollups as from rollups inlined from raw data", async () => {
    const catalog = probe(new QueryCatalog());
    const stored = await queryOverRollups({ ...context, catalog }, "probe", { user_day: WINDOW });
    expect(stored.stats.map((s) => s.query)).toContain("rollup_user_day");
    const fromStored = await engine.run(stored.query, {});
    expect(fromStored.stats.partitionsRead).toMatchObject({ events: 0, user_day: 2 });

    const off = await createDuckDbEngine({ lakeDir, threads: 1, rollups: false });
    try {
      expect(off.rollups).toBeUndefined();
      const inlined = await queryOverRollups({ ...context, engine: off, catalog }, "probe", {
        user_day: WINDOW,
      });
      expect(inlined.stats).toEqual([]);
      expect(inlined.query.sql).toContain("user_day as (");
      const fromRaw = await off.run(inlined.query, {});
      expect(fromRaw.stats.partitionsRead?.events).toBe(3);
      expect(fromRaw.rows).toEqual(fromStored.rows);
      expect(fromRaw.rows).toEqual([
        { local_date: "2026-03-01", users: 2 },
        { local_date: "2026-03-02", users: 1 },
      ]);
    } finally {
      await off.close();
    }
  });
});

const WINDOW_DAYS = ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"];
/** The window's days that overlap a raw partition with files. */
const BUILT_DAYS = ["2026-03-01", "2026-03-02", "2026-03-03"];
const NO_DATA = ["2026-03-04 no_data", "2026-03-05 no_data"];
