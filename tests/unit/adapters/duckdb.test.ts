import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDuckDbEngine,
  DuckDbQueryError,
  partitionFiles,
  totalBytes,
} from "../../../functions/lib/adapters/duckdb.ts";
import { calendar, partitionsFor } from "../../../functions/lib/kpi/windows.ts";
import { type LakeRow, writeLake } from "../../../functions/lib/lake/writer.ts";
import { loadSources } from "../../../functions/lib/query/catalog.ts";
import {
  type CalendarParamRow,
  parseQueryFile,
  type QueryParams,
} from "../../../functions/lib/query/query-file.ts";
import { event, order } from "../../support/rows.ts";

type Engine = Awaited<ReturnType<typeof createDuckDbEngine>>;

const tmp = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sources = loadSources();
const eventsSource = sources.find((s) => s.name === "events")!;

/** Events on three UTC days; two straddle Shanghai midnight (16:00Z). */
const EVENTS: LakeRow[] = [
  event("e1", "2026-02-27T10:00:00Z", "u1"),
  event("e2", "2026-02-28T15:59:59Z", "u1"), // Shanghai 2026-02-28 23:59:59
  event("e3", "2026-02-28T16:00:00Z", "u2"), // Shanghai 2026-03-01 00:00:00
  event("e4", "2026-03-01T00:00:00.5Z", "u2", { event_type: "message_sent", automated: true }),
  event("e5", "2026-03-01T15:59:59.999Z", "u3", { channel: "wecom" }),
  event("e6", "2026-03-01T16:00:00Z", "u3"), // Shanghai 2026-03-02
];

const query = (name: string, sql: string) => parseQueryFile(name, sql);

describe("DuckDB engine on a lake written by writeLake", () => {
  const lakeDir = join(tmp, "lake");
  let engine: Engine;

  beforeAll(async () => {
    await writeLake(lakeDir, {
      events: EVENTS,
      orders: [
        order("o1", "2026-03-01T01:00:00Z", "0.10"),
        { ...order("o2", "2026-03-01T02:00:00Z", "0.2"), amount: 0.2 }, // a number, not text
        order("o3", "2026-03-01T03:00:00Z", "99.99", { status: "refunded" }),
      ],
      campaigns: [
        {
          id: "c1",
          name: "Spring",
          type: "viral",
          start_date: "2026-03-01",
          end_date: "2026-03-31",
          cost: "1234.50",
        },
      ],
      content: [
        {
          id: "k1",
          title: "How to",
          format: "video",
          channel: "app",
          published_at: new Date("2026-02-28T08:30:00Z"),
          production_cost: 80,
        },
      ],
    });
    // A second file in one partition, as an appending import writes it.
    await writeLake(
      lakeDir,
      { events: [event("e7", "2026-03-01T08:00:00Z", "u4")] },
      { fileStem: "import-{i}" },
    );
    engine = await createDuckDbEngine({ lakeDir, threads: 2 });
  });
  afterAll(async () => {
    await engine.close();
  });

  describe("result types follow the port", () => {
    it("sums decimals exactly and returns them as strings", async () => {
      const result = await engine.run(
        query(
          "paid_gmv",
          "select sum(amount) as gmv, count(*) as orders, min(amount) as smallest from orders where status = 'paid'",
        ),
        {},
      );
      expect(result.rows).toEqual([{ gmv: "0.30", orders: 2, smallest: "0.10" }]);
    });

    it("returns counts and integer sums as numbers, doubles as numbers", async () => {
      const result = await engine.run(
        query(
          "counts",
          "select count(*) as events, count(distinct user_id) as users, sum(case when channel = 'app' then 1 else 0 end) as app_events, cast(count(*) as double) as as_double from events",
        ),
        {},
      );
      expect(result.rows).toEqual([{ events: 7, users: 4, app_events: 6, as_double: 7 }]);
      expect(typeof result.rows[0]?.events).toBe("number");
    });

    it("returns timestamps as ISO 8601 UTC with Z, dates as YYYY-MM-DD, booleans, dt as text", async () => {
      const result = await engine.run(
        query(
          "typed_cells",
          `select e.event_time, e.automated, e.dt, c.start_date, c.cost, k.published_at
           from events as e cross join campaigns as c cross join content as k
           where e.event_id in ('e3', 'e4', 'e5') order by e.event_time`,
        ),
        {},
      );
      expect(result.rows).toEqual([
        {
          event_time: "2026-02-28T16:00:00Z",
          automated: null,
          dt: "2026-02-28",
          start_date: "2026-03-01",
          cost: "1234.50",
          published_at: "2026-02-28T08:30:00Z",
        },
        {
          event_time: "2026-03-01T00:00:00.5Z",
          automated: true,
          dt: "2026-03-01",
          start_date: "2026-03-01",
          cost: "1234.50",
          published_at: "2026-02-28T08:30:00Z",
        },
        {
          event_time: "2026-03-01T15:59:59.999Z",
          automated: null,
          dt: "2026-03-01",
          start_date: "2026-03-01",
          cost: "1234.50",
          published_at: "2026-02-28T08:30:00Z",
        },
      ]);
    });

    it("reads the dt partition column as VARCHAR", async () => {
      expect(await engine.raw("select distinct typeof(dt) as t from events")).toEqual([
        { t: "VARCHAR" },
      ]);
    });
  });

  describe("partition scopes (@partitions)", () => {
    // The filter is deliberately wider than the scope: only the scope can narrow the rows.
    const scoped = (header: string) =>
      query(
        "scoped",
        `-- @param dts varchar_list partitions
-- @param first varchar first partition
-- @param last varchar last partition
${header}
with final as (
  select dt, count(*) as events from events where dt in :dts or dt between :first and :last group by dt
)
select * from final order by dt`,
      );
    const params = { dts: ["2026-02-28"], first: "2026-03-01", last: "2026-03-01" };

    it("reads only the files of the partitions a list scope names", async () => {
      const result = await engine.run(scoped("-- @partitions events :dts"), {
        ...params,
        dts: ["2026-02-28"],
        first: "2026-02-27",
        last: "2026-03-01",
      });
      expect(result.rows).toEqual([{ dt: "2026-02-28", events: 2 }]);
      expect(result.stats.partitionsRead?.events).toBe(1);
    });

    it("reads the days of a range scope, and the union of several scopes of a table", async () => {
      const range = await engine.run(scoped("-- @partitions events :first..:last"), {
        ...params,
        dts: ["2026-02-27", "2026-02-28"],
      });
      // Both files of 2026-03-01 (the writer's and the appended import's).
      expect(range.rows).toEqual([{ dt: "2026-03-01", events: 4 }]);
      const both = await engine.run(
        scoped("-- @partitions events :dts\n-- @partitions events :first..:last"),
        { ...params, dts: ["2026-02-27"] },
      );
      expect(both.rows).toEqual([
        { dt: "2026-02-27", events: 1 },
        { dt: "2026-03-01", events: 4 },
      ]);
    });

    it("reads a scope of partitions without files as no rows, typed", async () => {
      const result = await engine.run(scoped("-- @partitions events :dts"), {
        ...params,
        dts: ["2025-01-01"],
        first: "2026-02-27",
        last: "2026-03-01",
      });
      expect(result.rows).toEqual([]);
    });

    it("leaves the table to its view when a bound is not a date", async () => {
      const result = await engine.run(scoped("-- @partitions events :first..:last"), {
        dts: ["2026-02-27"],
        first: "",
        last: "2026-02-27",
      });
      expect(result.rows).toEqual([{ dt: "2026-02-27", events: 1 }]);
      // Shaped like a date, but no such day: the filter decides, as Athena's would.
      const impossible = await engine.run(scoped("-- @partitions events :first..:last"), {
        dts: ["2026-02-27"],
        first: "2026-02-30",
        last: "2026-03-01",
      });
      expect(impossible.rows).toEqual([
        { dt: "2026-02-27", events: 1 },
        { dt: "2026-03-01", events: 4 },
      ]);
    });

    it("reads no partition for a list scope of [''] (a list parameter's none)", async () => {
      const result = await engine.run(scoped("-- @partitions events :dts"), {
        dts: [""],
        first: "2026-02-27",
        last: "2026-03-01",
      });
      expect(result.rows).toEqual([]);
      expect(result.stats.partitionsRead?.events ?? 0).toBe(0);
    });

    it("lets DuckDB plan with the scoped files' row counts (no empty schema file first)", async () => {
      // DuckDB estimates a file list's rows from its first file (at least 1000 a file): an
      // empty schema file first made every scoped read look like 1000 rows a file to the
      // planner (bench: windows sorted on one thread, joins hashing the bigger side).
      const bigLake = join(tmp, "estimates-lake");
      const rows = Array.from({ length: 3000 }, (_, i) =>
        event(`big${i}`, "2026-03-05T08:00:00Z", `u${i % 700}`),
      );
      await writeLake(bigLake, { events: rows });
      let sql = "";
      const planned = await createDuckDbEngine({
        lakeDir: bigLake,
        threads: 1,
        onQueryRead: (read) => {
          sql = read.sql;
        },
      });
      try {
        const day = { dts: ["2026-03-05"], first: "2026-03-05", last: "2026-03-05" };
        const result = await planned.run(scoped("-- @partitions events :dts"), day);
        expect(result.rows).toEqual([{ dt: "2026-03-05", events: 3000 }]);
        const [plan] = await planned.raw(`EXPLAIN (FORMAT json) ${sql}`);
        const scan = /"name": "READ_PARQUET"[\s\S]*?"Estimated Cardinality": "(\d+)"/.exec(
          String(plan?.explain_value),
        );
        expect(Number(scan?.[1])).toBe(3000);
      } finally {
        await planned.close();
      }
    });

    it("refuses a scope of a table that is not partitioned", async () => {
      const bad = query(
        "scoped_dimension",
        "-- @param dts varchar_list partitions\n-- @partitions campaigns :dts\nwith final as (select count(*) as n from campaigns) select * from final",
      );
      await expect(engine.run(bad, { dts: ["2026-03-01"] })).rejects.toThrow(
        /scoped_dimension\.sql scopes campaigns with @partitions, but campaigns is not a partitioned Parquet table/,
      );
    });
  });

  it("buckets events by local day across UTC midnight with a calendar parameter", async () => {
    const bucketByLocalDay = query(
      "events_by_local_day",
      `-- @param cal calendar  local days
       -- @param dt_from varchar  first partition
       -- @param dt_to varchar  last partition
       select cal.local_date, count(*) as events, count(distinct e.user_id) as users
       from events as e
       join :cal as cal (local_date, dt, day_start, day_end) on e.dt = cal.dt
       where e.dt between :dt_from and :dt_to
         and e.event_time >= cal.day_start and e.event_time < cal.day_end
       group by cal.local_date order by cal.local_date`,
    );
    const paramsFor = (from: string, to: string, zone: string): QueryParams => {
      const cal: CalendarParamRow[] = calendar(from, to, zone).flatMap((day) =>
        partitionsFor(day.fromUtc, day.toUtc).map((dt) => ({
          localDate: day.localDate,
          dt,
          dayStartUtc: day.fromUtc,
          dayEndUtc: day.toUtc,
        })),
      );
      return { cal, dt_from: cal[0]!.dt, dt_to: cal.at(-1)!.dt };
    };

    const shanghai = await engine.run(
      bucketByLocalDay,
      paramsFor("2026-02-28", "2026-03-02", "Asia/Shanghai"),
    );
    expect(shanghai.rows).toEqual([
      { local_date: "2026-02-28", events: 1, users: 1 }, // e2 (23:59:59); e1 is 02-27 18:00
      { local_date: "2026-03-01", events: 4, users: 3 }, // e3 (00:00), e4, e5, e7
      { local_date: "2026-03-02", events: 1, users: 1 }, // e6 (00:00)
    ]);
    const utc = await engine.run(bucketByLocalDay, paramsFor("2026-02-28", "2026-03-01", "UTC"));
    expect(utc.rows).toEqual([
      { local_date: "2026-02-28", events: 2, users: 2 }, // e2, e3
      { local_date: "2026-03-01", events: 4, users: 3 }, // e4, e5, e6, e7
    ]);
  });

  describe("partition pruning", () => {
    const oneDayBetween = query(
      "events_between",
      `-- @param dt_from varchar  first partition
       -- @param dt_to varchar  last partition
       select count(*) as events from events where dt between :dt_from and :dt_to`,
    );
    const oneDayIn = query(
      "events_in",
      "-- @param dts varchar_list  partitions\nselect count(*) as events, max(event_time) as last_event from events where dt in :dts",
    );
    const everything = query("events_all", "select count(*) as events from events");

    it("reads only the filtered day's files (between), by the engine's own file log", async () => {
      const result = await engine.run(oneDayBetween, {
        dt_from: "2026-02-28",
        dt_to: "2026-02-28",
      });
      expect(result.rows).toEqual([{ events: 2 }]);
      expect(result.stats.partitionsRead).toEqual({ events: 1, orders: 0 });
      const dayFiles = partitionFiles(lakeDir, eventsSource, ["2026-02-28"]);
      expect(dayFiles).toHaveLength(1);
      expect(result.stats.bytesScanned).toBe(totalBytes(dayFiles));
    });

    it("reads only the listed day's files (in), two files of one partition", async () => {
      const result = await engine.run(oneDayIn, { dts: ["2026-03-01"] });
      expect(result.rows).toEqual([{ events: 4, last_event: "2026-03-01T16:00:00Z" }]);
      expect(result.stats.partitionsRead).toEqual({ events: 1, orders: 0 });
      const dayFiles = partitionFiles(lakeDir, eventsSource, ["2026-03-01"]);
      expect(dayFiles).toHaveLength(2);
      expect(result.stats.bytesScanned).toBe(totalBytes(dayFiles));
    });

    it("reads every partition when there is no dt filter (the control)", async () => {
      const result = await engine.run(everything, {});
      expect(result.rows).toEqual([{ events: 7 }]);
      expect(result.stats.partitionsRead).toEqual({ events: 3, orders: 0 });
      const allFiles = partitionFiles(lakeDir, eventsSource, [
        "2026-02-27",
        "2026-02-28",
        "2026-03-01",
      ]);
      expect(result.stats.bytesScanned).toBe(totalBytes(allFiles));
    });

    it("agrees with DuckDB's profiler: the scan reads 1 of 4 files, all in that day", async () => {
      const profileFile = join(tmp, "profile.json");
      await engine.raw("PRAGMA enable_profiling = 'json'");
      await engine.raw(`PRAGMA profiling_output = '${profileFile}'`);
      try {
        await engine.raw(
          "select count(*) as events from events where dt between '2026-02-28' and '2026-02-28'",
        );
      } finally {
        await engine.raw("PRAGMA disable_profiling");
      }
      const scans = tableScans(JSON.parse(readFileSync(profileFile, "utf8")));
      expect(scans).toHaveLength(1);
      const info = scans[0]!;
      // Four lake files plus the adapter's empty schema file; one is read.
      expect(info["Scanning Files"]).toBe("1/5");
      expect(info["Total Files Read"]).toBe("1");
      expect(info["Filename(s)"]).toMatch(/events\/dt=2026-02-28\/part-0\.parquet$/);
    });

    it("keeps runs apart when they are started together", async () => {
      const [narrow, wide] = await Promise.all([
        engine.run(oneDayIn, { dts: ["2026-02-27"] }),
        engine.run(everything, {}),
      ]);
      expect(narrow.stats.partitionsRead?.events).toBe(1);
      expect(wide.stats.partitionsRead?.events).toBe(3);
    });
  });

  it("raises DuckDbQueryError naming the query, and keeps working afterwards", async () => {
    const broken = query("broken_query", "select no_such_column from events");
    await expect(engine.run(broken, {})).rejects.toThrow(DuckDbQueryError);
    await expect(engine.run(broken, {})).rejects.toThrow(
      /^Query broken_query failed in DuckDB: Binder Error: .*no_such_column/,
    );
    const missingTable = query("missing_table", "select * from sessions");
    await expect(engine.run(missingTable, {})).rejects.toThrow(
      /^Query missing_table failed in DuckDB: Catalog Error/,
    );
    const ok = await engine.run(query("after_failure", "select count(*) as n from orders"), {});
    expect(ok.rows).toEqual([{ n: 3 }]);
  });
});

describe("DuckDB engine on an empty lake", () => {
  it("creates every view, typed, returning no rows", async () => {
    const lakeDir = join(tmp, "empty");
    mkdirSync(lakeDir, { recursive: true });
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      for (const source of sources) {
        const result = await engine.run(
          query(`count_${source.name}`, `select * from ${source.name}`),
          {},
        );
        expect(result.rows, source.name).toEqual([]);
      }
      const sums = await engine.run(
        query(
          "empty_sums",
          "select sum(amount) as gmv, count(*) as orders from orders where dt = '2026-03-01'",
        ),
        {},
      );
      expect(sums.rows).toEqual([{ gmv: null, orders: 0 }]);
      expect(sums.stats.partitionsRead).toEqual({ events: 0, orders: 0 });
      expect(sums.stats.bytesScanned).toBe(0);
      expect(await engine.raw("select typeof(amount) as t, typeof(dt) as d from orders")).toEqual(
        [],
      );
      expect(
        await engine.raw(
          "select column_name, data_type from information_schema.columns where table_name = 'orders' and column_name in ('amount', 'order_time', 'dt') order by column_name",
        ),
      ).toEqual([
        { column_name: "amount", data_type: "DECIMAL(18,2)" },
        { column_name: "dt", data_type: "VARCHAR" },
        { column_name: "order_time", data_type: "TIMESTAMP" },
      ]);
    } finally {
      await engine.close();
    }
  });
});

describe("DuckDB engine on a lake with a malformed file", () => {
  it("names the query and the missing column", async () => {
    const lakeDir = join(tmp, "malformed");
    await writeLake(lakeDir, { events: [event("e1", "2026-03-01T10:00:00Z", "u1")] });
    const writer = await createDuckDbEngine({ lakeDir: join(tmp, "scratch"), sources: [] });
    const badFolder = join(lakeDir, "events", "dt=2026-03-02");
    mkdirSync(badFolder, { recursive: true });
    await writer.raw(
      `COPY (select 'e2' as event_id, TIMESTAMP '2026-03-02 10:00:00' as event_time, 'u2' as user_id) TO '${join(badFolder, "bad.parquet")}' (FORMAT parquet)`,
    );
    await writer.close();
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      const good = await engine.run(
        query(
          "good_day",
          "select count(distinct event_type) as n from events where dt = '2026-03-01'",
        ),
        {},
      );
      expect(good.rows).toEqual([{ n: 1 }]);
      await expect(
        engine.run(
          query(
            "bad_day",
            "select count(distinct event_type) as n from events where dt = '2026-03-02'",
          ),
          {},
        ),
      ).rejects.toThrow(/^Query bad_day failed in DuckDB: .*event_type/);
    } finally {
      await engine.close();
    }
  });
});

/** The `extra_info` of every TABLE_SCAN operator in a DuckDB JSON profile. */
function tableScans(node: ProfileNode): Record<string, string>[] {
  const own = node.operator_type === "TABLE_SCAN" ? [node.extra_info ?? {}] : [];
  return [...own, ...(node.children ?? []).flatMap(tableScans)];
}

interface ProfileNode {
  readonly operator_type?: string;
  readonly extra_info?: Record<string, string>;
  readonly children?: readonly ProfileNode[];
}
