/**
 * How the local rollup storage sizes its builds: by the raw bytes a staged read holds (and
 * at most 100 days), not by a fixed 8 days, so a cold build of a small lake's long window
 * reads each raw table once; its partition sizes are its folders' file sizes.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { addDays, dateRange } from "../../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import { DEFAULT_KPI_SETTINGS } from "../../../functions/lib/report/modules.ts";
import { refreshRollup } from "../../../functions/lib/rollups/refresh.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A page view at noon UTC on each of `days` UTC days from 1 March 2026. */
async function smallLake(name: string, days: number): Promise<string> {
  const lakeDir = join(root, name);
  await writeLake(lakeDir, {
    events: dateRange("2026-03-01", addDays("2026-03-01", days - 1)).map((day, i) => ({
      event_id: `e${i}`,
      event_time: new Date(`${day}T12:00:00Z`),
      user_id: `u${i % 3}`,
      event_type: "page_view",
      channel: "app",
    })),
  });
  return lakeDir;
}

describe("local rollup storage", () => {
  it("builds 40 small days from one staged read of the raw table", async () => {
    const lakeDir = await smallLake("forty-days", 40);
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      if (!engine.rollups) throw new Error("rollups are on by default");
      const context = {
        engine,
        catalog: new QueryCatalog(),
        timeZone: "UTC",
        settings: DEFAULT_KPI_SETTINGS,
        now: new Date("2026-04-15T00:00:00Z"),
      };
      const refresh = await refreshRollup(engine.rollups, context, "event_hour", {
        from: "2026-03-01",
        to: "2026-04-09",
      });
      expect(refresh.built).toHaveLength(40);
      const reads = refresh.stats.filter((s) => s.query === "rollup_source_events");
      expect(reads).toHaveLength(1);
      expect(reads[0]?.partitionsRead?.events).toBe(40);
      expect(refresh.stats.filter((s) => s.query === "rollup_event_hour")).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });

  it("sizes a raw partition by its data files (0 without any)", async () => {
    const lakeDir = await smallLake("sizes", 2);
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      const bytes = await engine.rollups?.partitionBytes?.("events", [
        "2026-03-01",
        "2026-03-02",
        "2026-03-03",
      ]);
      const folderBytes = (dt: string) => {
        const folder = join(lakeDir, "events", `dt=${dt}`);
        return readdirSync(folder).reduce(
          (sum, file) => sum + statSync(join(folder, file)).size,
          0,
        );
      };
      expect(bytes).toEqual({
        "2026-03-01": folderBytes("2026-03-01"),
        "2026-03-02": folderBytes("2026-03-02"),
        "2026-03-03": 0,
      });
      expect(bytes?.["2026-03-01"]).toBeGreaterThan(0);
      expect(engine.rollups?.maxBytesPerBuild).toBe(48 * 1024 * 1024);
    } finally {
      await engine.close();
    }
  });
});
