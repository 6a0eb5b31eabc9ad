/**
 * A lake whose report day's orders partition is late: taken out of a copy of the fault
 * world's lake (and kept aside, to land later), with orders on the same weekday of the four
 * weeks before so that the completeness gate expects some (its baseline).
 */
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { addDays } from "../../../functions/lib/kpi/windows.ts";
import { type LakeRow, writeLake } from "../../../functions/lib/lake/writer.ts";
import type { LocalWorld } from "./local-world.ts";

/** A copy of the world's lake without `day`'s orders, and how to let them land. */
export async function lateOrdersLake(
  world: LocalWorld,
  name: string,
  day: string,
): Promise<{ readonly lakeDir: string; land(): void }> {
  const aside = join(world.root, `orders-${name}`);
  const partition = (lake: string) => join(lake, "orders", `dt=${day}`);
  mkdirSync(aside, { recursive: true });
  cpSync(partition(world.lakeDir), aside, { recursive: true });
  const lakeDir = await world.lakeCopy(name, async (dir) => {
    rmSync(partition(dir), { recursive: true });
    await writeLake(
      dir,
      { orders: [7, 14, 21, 28].map((days) => baselineOrder(addDays(day, -days))) },
      { fileStem: "baseline-{i}" },
    );
  });
  return {
    lakeDir,
    land: () => cpSync(aside, partition(lakeDir), { recursive: true }),
  };
}

function baselineOrder(day: string): LakeRow {
  return {
    order_id: `o-baseline-${day}`,
    user_id: "u1",
    order_time: new Date(`${day}T04:00:00Z`),
    updated_at: new Date(`${day}T04:00:00Z`),
    amount: "800.00",
    currency: "CNY",
    status: "paid",
    channel: "app",
  };
}
