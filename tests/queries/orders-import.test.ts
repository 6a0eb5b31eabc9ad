/**
 * "Importing a real order history and asking for any day's orders and GMV gives the exact
 * sums of that day's paid orders in the report time zone": an order history written as CSV
 * (timestamps with `Z` and with `+08:00`, amounts that floats cannot add exactly, duplicate
 * deliveries, refunds and cancellations arriving later, orders seconds around Shanghai
 * midnight), imported with the real importer, then every day's `orders` and `gmv` from the
 * users module compared with sums computed here in integer cents.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { addDays, periodContaining } from "../../functions/lib/kpi/windows.ts";
import { importFile } from "../../functions/lib/lake/importer.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { userKpiParams, usersModule } from "../../functions/lib/report/modules/users.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";

const ZONE = "Asia/Shanghai";
const FIRST_DAY = "2026-03-01";
const DAYS = 6;
const AMOUNTS = ["0.10", "0.20", "0.30", "19.99", "1234567.89", "0.01", "88.88", "5.00"];

interface HistoryRecord {
  readonly orderId: string;
  readonly user: string;
  readonly orderTime: Date;
  readonly updatedAt: Date;
  readonly amount: string;
  readonly status: "paid" | "refunded" | "cancelled";
}

/** A deterministic order history: per day, orders at and around local midnight and in between. */
function orderHistory(): HistoryRecord[] {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const records: HistoryRecord[] = [];
  let orderNumber = 0;
  for (let day = -1; day <= DAYS; day++) {
    // Shanghai midnight of FIRST_DAY + day, in UTC: 16:00Z the day before.
    const midnight = Date.parse(`${addDays(FIRST_DAY, day - 1)}T16:00:00Z`);
    const offsets = [
      -2,
      -1,
      0,
      1,
      2,
      86_399,
      ...Array.from({ length: 25 }, () => random() * 86_400),
    ];
    for (const offsetSeconds of offsets) {
      const orderTime = new Date(midnight + Math.floor(offsetSeconds) * 1000);
      const orderId = `ord-${orderNumber++}`;
      const user = `user-${Math.floor(random() * 15)}`;
      const amount = pick(AMOUNTS);
      const first = {
        orderId,
        user,
        orderTime,
        updatedAt: orderTime,
        amount,
        status: "paid",
      } as const;
      records.push(first);
      const fate = random();
      if (fate < 0.2)
        records.push(first); // delivered twice
      else if (fate < 0.35)
        records.push({
          ...first,
          status: "refunded",
          updatedAt: new Date(orderTime.getTime() + 3_600_000),
        });
      else if (fate < 0.45)
        records.push({
          ...first,
          status: "cancelled",
          updatedAt: new Date(orderTime.getTime() + 60_000),
        });
      else if (fate < 0.5) {
        // cancelled first, then paid after all (the latest record wins)
        records.push({
          ...first,
          status: "cancelled",
          updatedAt: new Date(orderTime.getTime() - 60_000),
        });
      }
    }
  }
  return records;
}

/** ISO 8601 with `Z`, or the same instant written in Shanghai time with `+08:00`. */
function isoWithOffset(instant: Date, shanghai: boolean): string {
  if (!shanghai) return instant.toISOString();
  return `${new Date(instant.getTime() + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

function expectedForDay(records: readonly HistoryRecord[], day: string) {
  const latest = new Map<string, HistoryRecord>();
  for (const record of records) {
    const current = latest.get(record.orderId);
    if (!current || record.updatedAt > current.updatedAt) latest.set(record.orderId, record);
  }
  const from = Date.parse(`${addDays(day, -1)}T16:00:00Z`);
  const paid = [...latest.values()].filter(
    (o) =>
      o.status === "paid" &&
      o.orderTime.getTime() >= from &&
      o.orderTime.getTime() < from + 86_400_000,
  );
  const cents = paid.reduce((sum, o) => sum + BigInt(o.amount.replace(".", "")), 0n);
  const gmv = `${cents / 100n}.${String(cents % 100n).padStart(2, "0")}`;
  return { orders: paid.length, gmv };
}

const records = orderHistory();
let dir: string;
let engine: QueryEngine;
const catalog = new QueryCatalog();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "opspulse-"));
  const header =
    "order_id,user_id,order_time,updated_at,amount,currency,status,channel,campaign_id,content_id";
  const lines = records.map((r, i) =>
    [
      r.orderId,
      r.user,
      isoWithOffset(r.orderTime, i % 2 === 0),
      isoWithOffset(r.updatedAt, i % 3 === 0),
      r.amount,
      "CNY",
      r.status,
      "app",
      "",
      "",
    ].join(","),
  );
  const file = join(dir, "orders.csv");
  writeFileSync(file, `${[header, ...lines].join("\n")}\n`);
  await importFile({ table: "orders", file, lakeDir: join(dir, "lake") });
  engine = await createDuckDbEngine({ lakeDir: join(dir, "lake"), threads: 1 });
});
afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("orders and GMV of any day after an import", () => {
  it("the history has what makes it hard", () => {
    const ids = records.map((r) => r.orderId);
    expect(new Set(ids).size).toBeLessThan(ids.length); // several records per order
    expect(records.some((r) => r.status === "refunded")).toBe(true);
    expect(records.some((r) => r.orderTime.toISOString().endsWith("T15:59:59.000Z"))).toBe(true);
  });

  for (let day = 0; day < DAYS; day++) {
    const date = addDays(FIRST_DAY, day);
    it(`gives the exact paid orders and GMV of ${date} (Shanghai)`, async () => {
      const expected = expectedForDay(records, date);
      expect(expected.orders).toBeGreaterThan(10);
      const period = periodContaining("day", date, ZONE);
      const { values } = await usersModule.compute({
        engine,
        catalog,
        period,
        settings: DEFAULT_KPI_SETTINGS,
        now: new Date(0),
      });
      expect(values.orders?.value).toBe(expected.orders);
      expect(values.gmv?.value).toBe(Number(expected.gmv));
      // The query itself returns the sum as an exact decimal, not a float (the module has
      // just brought the rollups it reads up to date).
      const { rows } = await engine.run(catalog.get("user_kpis"), userKpiParams(period));
      expect(rows[0]?.gmv).toBe(expected.gmv);
      expect(rows[0]?.paid_orders).toBe(expected.orders);
    });
  }
});
