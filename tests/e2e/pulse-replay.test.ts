/**
 * Issue 24's Done-when over history: pulses replayed every hour over 28 normal days of a
 * sample lake (real DuckDB over generated Parquet, the hourly rollups built on the way)
 * raise no stall and at most one pace alert.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { defaultConfig } from "../../functions/lib/config/load.ts";
import type { MetricNotification } from "../../functions/lib/kpi/alerts.ts";
import { addDays, localMidnightUtc } from "../../functions/lib/kpi/windows.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { replayPulses } from "../../functions/lib/pulse/run-pulse.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { cachedPulseLake, PULSE_LAKE } from "../support/pulse-lake.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-pulse-replay-"));
let engine: QueryEngine;

beforeAll(async () => {
  const lakeDir = join(root, "lake");
  cpSync(await cachedPulseLake("plain"), lakeDir, { recursive: true });
  engine = await createDuckDbEngine({ lakeDir, threads: 2 });
});
afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

it("raises no stall and at most one pace alert over 28 normal days replayed hourly", async () => {
  const config = defaultConfig();
  const first = addDays(PULSE_LAKE.endDate, -27);
  const start = localMidnightUtc(first, config.timeZone).getTime();
  const instants = Array.from({ length: 28 * 24 }, (_, i) => new Date(start + i * 3_600_000));
  const clock = { now: () => new Date("2026-03-11T00:00:00Z") };
  let judgedStalls = 0;
  const replay = await replayPulses(
    { engine, catalog: new QueryCatalog(), config, clock },
    instants,
    (result) => {
      judgedStalls += result.findings.filter(
        (f) => f.rule === "stall" && f.status === "met",
      ).length;
    },
  );
  expect(replay.pulses).toBe(672);
  const metrics = replay.notifications.map((n) => (n as MetricNotification).metric);
  expect(metrics.filter((m) => m.startsWith("pulse_stall"))).toEqual([]);
  expect(
    replay.notifications.filter(
      (n) => n.kind === "start" && (n as MetricNotification).metric.startsWith("pulse_pace"),
    ).length,
  ).toBeLessThanOrEqual(1);
  // The stall rule was really judged (not skipped as quiet) most of the time.
  expect(judgedStalls).toBeGreaterThan(672);
}, 600_000);
