/**
 * The small world of the alert end-to-end tests: a Parquet lake with events every 20
 * minutes (five weeks, so the completeness gate has its baselines) and one paid order at
 * local noon of each test day, and a config in which only GMV has a target (1 000).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { METRICS } from "../../functions/lib/kpi/registry.ts";
import { type LakeRow, writeLake } from "../../functions/lib/lake/writer.ts";

/** GMV of each local day (Asia/Shanghai): met, then three breaches, then met again. */
export const GMV: Readonly<Record<string, number>> = {
  "2026-03-01": 1200,
  "2026-03-02": 500,
  "2026-03-03": 400,
  "2026-03-04": 300,
  "2026-03-05": 1500,
};

/** Writes the lake into `lakeDir`. */
export async function writeAlertLake(lakeDir: string): Promise<void> {
  const events: LakeRow[] = [];
  const from = Date.parse("2026-01-25T00:00:00Z");
  const to = Date.parse("2026-03-07T00:00:00Z");
  for (let t = from, i = 0; t < to; t += 20 * 60_000, i++) {
    events.push({
      event_id: `e${i}`,
      event_time: new Date(t),
      user_id: `u${i % 40}`,
      event_type: "page_view",
      channel: i % 3 === 0 ? "wecom" : "app",
    });
  }
  const orders: LakeRow[] = Object.entries(GMV).map(([day, amount]) => ({
    order_id: `o-${day}`,
    user_id: "u1",
    order_time: new Date(`${day}T04:00:00Z`),
    updated_at: new Date(`${day}T04:00:00Z`),
    amount: amount.toFixed(2),
    currency: "CNY",
    status: "paid",
    channel: "app",
  }));
  await writeLake(lakeDir, { events, orders });
}

/** Writes the config folder; `alerts` is the text of alerts.yaml. */
export function writeAlertConfig(configDir: string, alerts: string): void {
  mkdirSync(configDir, { recursive: true });
  const noTargets = METRICS.filter((m) => m.defaultTarget !== undefined && m.id !== "gmv");
  writeFileSync(
    join(configDir, "targets.yaml"),
    ["targets:", ...noTargets.map((m) => `  ${m.id}: { target: null }`), "  gmv: { target: 1000 }"]
      .map((line) => `${line}\n`)
      .join(""),
  );
  writeFileSync(
    join(configDir, "recipients.yaml"),
    [
      "reports:",
      "  daily:",
      "    - name: managers",
      "      to: [ops-director@example.com]",
      "on_call:",
      "  to: [oncall@example.com]",
      "",
    ].join("\n"),
  );
  writeFileSync(join(configDir, "alerts.yaml"), alerts);
}
