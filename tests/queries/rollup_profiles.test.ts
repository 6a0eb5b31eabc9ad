/**
 * Fixture tests of the profile rollup build queries, queries/rollup_event_profile.sql and
 * queries/rollup_order_profile.sql: hand-written events and orders in Asia/Shanghai (local
 * midnight is 16:00Z the day before) and the exact rows each returns for the local days
 * 2026-03-09 and 2026-03-10, including a record filed in a partition that is not its
 * time's UTC date (a stray), which only counts toward its partition's size.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import type { OrderRow } from "../../functions/lib/contract/schema.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { Row } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { buildParams } from "../../functions/lib/rollups/refresh.ts";
import { ROLLUPS, type RollupName } from "../../functions/lib/rollups/schema.ts";
import * as rows from "../support/rows.ts";

const ZONE = "Asia/Shanghai";
const DAYS = ["2026-03-09", "2026-03-10"];
let eventCount = 0;
// Rows that break the contract (no user, an unknown type) override the built row.
const event = (user: string | null, utc: string, type = "page_view") => ({
  ...rows.event(`e${eventCount++}`, utc, user ?? ""),
  user_id: user,
  event_type: type,
});
const order = (id: string, utc: string, status: OrderRow["status"] = "paid") =>
  rows.order(id, utc, "1.00", { user_id: "a", status });

const EVENTS = [
  event("a", "2026-03-08T15:59:59Z"), // local 8 March: not asked for
  // local 9 March, in dt 8 March: the quarter-hour from 16:00Z, twice (one a bad type).
  event("a", "2026-03-08T16:00:00Z"),
  event("a", "2026-03-08T16:14:59Z", "bogus"),
  event(null, "2026-03-09T01:20:00Z"), // no user: counted, never the newest valid one
  event("b", "2026-03-09T15:59:59Z"), // local 9 March's last second
  event("b", "2026-03-09T16:00:00Z"), // local 10 March's first
];
const ORDERS = [
  order("o1", "2026-03-08T16:30:00Z"),
  order("o1", "2026-03-08T16:44:59Z", "refunded"), // an update: a record of its own
  order("o2", "2026-03-10T15:59:59Z"),
];

let lakeDir: string;
let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;
const catalog = new QueryCatalog();
const context = { timeZone: ZONE, settings: DEFAULT_KPI_SETTINGS };

beforeAll(async () => {
  lakeDir = mkdtempSync(join(tmpdir(), "opspulse-"));
  await writeLake(lakeDir, { events: EVENTS, orders: ORDERS });
  // A stray: an event of 11 March filed in dt=2026-03-09 (the writer files by event time,
  // so it is written aside and moved). Its partition starts in local 9 March.
  const aside = join(lakeDir, "aside");
  await writeLake(aside, { events: [event("c", "2026-03-11T05:00:00Z")] }, { fileStem: "stray" });
  const from = join(aside, "events", "dt=2026-03-11");
  for (const file of readdirSync(from)) {
    mkdirSync(join(lakeDir, "events", "dt=2026-03-09"), { recursive: true });
    renameSync(join(from, file), join(lakeDir, "events", "dt=2026-03-09", file));
  }
  rmSync(aside, { recursive: true, force: true });
  engine = await createDuckDbEngine({ lakeDir, threads: 1, rollups: false });
});
afterAll(async () => {
  await engine?.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

async function build(rollup: RollupName): Promise<Row[]> {
  const spec = ROLLUPS[rollup];
  const { rows } = await engine.run(catalog.get(spec.buildQuery), buildParams(spec, DAYS, context));
  const key = (row: Row) => `${row.local_date} ${row.dt} ${row.bucket_start ?? "~"}`;
  return [...rows].sort((x, y) => (key(x) < key(y) ? -1 : 1));
}

describe("queries/rollup_event_profile.sql", () => {
  it("counts every record per local day, partition and UTC quarter-hour, with the newest", async () => {
    expect(await build("event_profile")).toEqual([
      {
        dt: "2026-03-08",
        bucket_start: "2026-03-08T16:00:00Z",
        records: 2,
        newest_time: "2026-03-08T16:14:59Z",
        newest_valid_time: "2026-03-08T16:00:00Z", // the bogus type is not valid
        local_date: "2026-03-09",
      },
      {
        dt: "2026-03-09",
        bucket_start: "2026-03-09T01:15:00Z",
        records: 1,
        newest_time: "2026-03-09T01:20:00Z",
        newest_valid_time: null,
        local_date: "2026-03-09",
      },
      {
        dt: "2026-03-09",
        bucket_start: "2026-03-09T15:45:00Z",
        records: 1,
        newest_time: "2026-03-09T15:59:59Z",
        newest_valid_time: "2026-03-09T15:59:59Z",
        local_date: "2026-03-09",
      },
      {
        // The stray: no quarter-hour, under the local day holding its partition's start.
        dt: "2026-03-09",
        bucket_start: null,
        records: 1,
        newest_time: "2026-03-11T05:00:00Z",
        newest_valid_time: "2026-03-11T05:00:00Z",
        local_date: "2026-03-09",
      },
      {
        dt: "2026-03-09",
        bucket_start: "2026-03-09T16:00:00Z",
        records: 1,
        newest_time: "2026-03-09T16:00:00Z",
        newest_valid_time: "2026-03-09T16:00:00Z",
        local_date: "2026-03-10",
      },
    ]);
  });

  it("adds up to each partition's record count over the local days it overlaps", async () => {
    const rows = await build("event_profile");
    const sum = (dt: string) =>
      rows.filter((row) => row.dt === dt).reduce((total, row) => total + Number(row.records), 0);
    const raw = await engine.raw(
      `SELECT dt, count(*) AS n FROM events WHERE dt = '2026-03-09' GROUP BY dt`,
    );
    expect(sum("2026-03-09")).toBe(4);
    expect(raw).toEqual([{ dt: "2026-03-09", n: 4 }]);
  });

  it("returns the spec's columns, local_date last", async () => {
    const [first] = await build("event_profile");
    expect(Object.keys(first ?? {})).toEqual([
      ...ROLLUPS.event_profile.columns.map((c) => c.name),
      "local_date",
    ]);
  });
});

describe("queries/rollup_order_profile.sql", () => {
  it("counts every order record (updates too) per local day, partition and quarter-hour", async () => {
    expect(await build("order_profile")).toEqual([
      {
        dt: "2026-03-08",
        bucket_start: "2026-03-08T16:30:00Z",
        records: 2,
        newest_time: "2026-03-08T16:44:59Z",
        local_date: "2026-03-09",
      },
      {
        dt: "2026-03-10",
        bucket_start: "2026-03-10T15:45:00Z",
        records: 1,
        newest_time: "2026-03-10T15:59:59Z",
        local_date: "2026-03-10",
      },
    ]);
    const [first] = await build("order_profile");
    expect(Object.keys(first ?? {})).toEqual([
      ...ROLLUPS.order_profile.columns.map((c) => c.name),
      "local_date",
    ]);
  });
});
