/**
 * The completeness gate's window check (`checkWindowPartitions`, queries/partition_records.sql)
 * reads the profile rollups of its days as one range, not as a list of ~400 days, and keeps
 * the dt partitions it asked for: a partition between them, which the range reads too, is
 * neither counted nor judged.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { checkWindowPartitions } from "../../functions/lib/alerts/completeness-check.ts";
import {
  DEFAULT_COMPLETENESS_RULES,
  windowPartitionReads,
} from "../../functions/lib/kpi/completeness.ts";
import { addDays, periodContaining } from "../../functions/lib/kpi/windows.ts";
import { generateLake } from "../../functions/lib/lake/generator.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";

const ZONE = "Asia/Shanghai";
const DAY = "2026-03-08";
/** One target partition, so the check asks for it and the same weekday 1…4 weeks back. */
const TARGET = "2026-03-04";
const root = mkdtempSync(join(tmpdir(), "opspulse-partition-records-"));
const lakeDir = join(root, "lake");
let engine: QueryEngine;

beforeAll(async () => {
  await generateLake({ seed: 3, days: 40, endDate: DAY, users: 300, lakeDir });
  engine = await createDuckDbEngine({ lakeDir, threads: 1 });
}, 300_000);
afterAll(async () => {
  await engine?.close?.();
  rmSync(root, { recursive: true, force: true });
});

describe("the window check's partition counts", () => {
  const check = (targets: Record<string, readonly string[]>) =>
    checkWindowPartitions(
      engine,
      new QueryCatalog(),
      periodContaining("day", DAY, ZONE),
      new Date(`${addDays(DAY, 1)}T01:00:00Z`),
      { events: targets },
      DEFAULT_COMPLETENESS_RULES,
    );

  it("counts the partitions it asked for, and none of those between them that it also read", async () => {
    // A 30-day window first: every profile day of the range below is built and stored.
    const window = Object.fromEntries(
      Array.from({ length: 30 }, (_, back) => [addDays(DAY, -1 - back), ["mau"]]),
    );
    expect((await check(window)).records.length).toBeGreaterThan(30);

    const gapped = await check({ [TARGET]: ["wau"] });
    const counted = gapped.records.filter((r) => r.table === "events").map((r) => r.dt);
    // The target, the same weekday 1…4 weeks back, and the target's neighbours.
    const asked = windowPartitionReads({ events: { [TARGET]: ["wau"] } }, 4, ZONE).events?.dts;
    expect(counted.sort()).toEqual(asked);
    // The days between them are in the range read (2026-02-04 … 2026-03-05), not counted.
    expect(counted).not.toContain(addDays(TARGET, -10));
    expect(counted).not.toContain(addDays(TARGET, -17));
    expect(gapped.records.every((r) => r.records > 0)).toBe(true);
    expect(gapped.issues).toEqual([]);
  });
});
