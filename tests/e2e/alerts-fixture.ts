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
  await writeLake(lakeDir, { events: alertEvents("2026-03-07"), orders: alertOrders() });
}

/**
 * Page views every 20 minutes from 2026-01-25 up to (not including) `until` (UTC midnight);
 * `keep` may drop some (the `i`-th event at epoch ms `t`).
 */
export function alertEvents(
  until: string,
  keep: (t: number, i: number) => boolean = () => true,
): LakeRow[] {
  const events: LakeRow[] = [];
  const from = Date.parse("2026-01-25T00:00:00Z");
  const to = Date.parse(`${until}T00:00:00Z`);
  for (let t = from, i = 0; t < to; t += 20 * 60_000, i++) {
    if (!keep(t, i)) continue;
    events.push({
      event_id: `e${i}`,
      event_time: new Date(t),
      user_id: `u${i % 40}`,
      event_type: "page_view",
      channel: i % 3 === 0 ? "wecom" : "app",
    });
  }
  return events;
}

/** One paid order at local noon of each day of {@link GMV}, of that day's GMV. */
export function alertOrders(): LakeRow[] {
  return Object.entries(GMV).map(([day, amount]) => ({
    order_id: `o-${day}`,
    user_id: "u1",
    order_time: new Date(`${day}T04:00:00Z`),
    updated_at: new Date(`${day}T04:00:00Z`),
    amount: amount.toFixed(2),
    currency: "CNY",
    status: "paid",
    channel: "app",
  }));
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
      // Every scheduled report names an audience (a deployment must; see loadConfig).
      "  weekly:",
      "    - name: managers-weekly",
      "      to: [ops-director@example.com]",
      "  campaigns:",
      "    - name: campaign-team",
      "      to: [campaigns@example.com]",
      "on_call:",
      "  to: [oncall@example.com]",
      "",
    ].join("\n"),
  );
  // GMV, the fixture's one target, pages on-call (its default severity, notify, would go to
  // its owner's digest, and the fixture's recipients have no owner lists).
  const severity = alerts.includes("severity:") ? "" : "severity:\n  metrics: { gmv: page }\n";
  writeFileSync(
    join(configDir, "alerts.yaml"),
    `${alerts}${alerts.endsWith("\n") || !alerts ? "" : "\n"}${severity}`,
  );
}
