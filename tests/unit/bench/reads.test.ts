import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DescribedQuery,
  describeReads,
  locateFile,
  type QueryRead,
  runTableTotals,
} from "../../../bench/lib/reads.ts";
import { floorScan } from "../../../bench/lib/runtime.ts";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { writeLake } from "../../../functions/lib/lake/writer.ts";
import { loadSources } from "../../../functions/lib/query/catalog.ts";
import { parseQueryFile } from "../../../functions/lib/query/query-file.ts";
import { event } from "../../support/rows.ts";

const tmp = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sources = loadSources();

describe("locateFile", () => {
  const lake = "/lake";
  it("names the table and partition of a fact file", () => {
    expect(locateFile(lake, sources, "/lake/events/dt=2026-03-01/part-0.parquet")).toEqual({
      table: "events",
      partition: "dt=2026-03-01",
    });
  });

  it("names a dimension file, which has no partition", () => {
    expect(locateFile(lake, sources, "/lake/dims/campaigns/data-0.parquet")).toEqual({
      table: "campaigns",
      partition: "",
    });
  });

  it("knows nothing of files outside the sources", () => {
    expect(locateFile(lake, sources, "/lake/elsewhere/x.parquet")).toBeUndefined();
  });
});

describe("runTableTotals", () => {
  const read = (files: string[], partitions: string[], size: number) => ({
    files,
    fileBytes: files.map(() => size),
    partitions,
    bytes: files.length * size,
    columns: ["event_time"],
    columnBytes: files.length * 10,
  });

  it("counts a file read by two queries twice, and once among the distinct bytes", () => {
    const queries: DescribedQuery[] = [
      {
        query: "a",
        tables: { events: read(["/l/events/dt=1/f", "/l/events/dt=2/f"], ["dt=1", "dt=2"], 100) },
      },
      { query: "b", tables: { events: read(["/l/events/dt=2/f"], ["dt=2"], 100) } },
    ];
    const [events] = runTableTotals(queries);
    expect(events).toMatchObject({
      table: "events",
      queries: 2,
      partitionReads: 3,
      partitions: 2,
      bytesRead: 300,
      distinctBytes: 200,
      readAmplification: 1.5,
      columnBytes: 30,
    });
  });

  it("reports an amplification of 1 when every file is read once", () => {
    const [events] = runTableTotals([
      { query: "a", tables: { events: read(["/l/events/dt=1/f"], ["dt=1"], 50) } },
    ]);
    expect(events?.readAmplification).toBe(1);
  });
});

describe("describeReads and floorScan on a real lake", () => {
  const lakeDir = join(tmp, "lake");
  const reads: QueryRead[] = [];
  let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;
  beforeAll(async () => {
    await writeLake(lakeDir, {
      events: [
        event("e1", "2026-03-01T10:00:00Z", "u1"),
        event("e2", "2026-03-02T10:00:00Z", "u2"),
        event("e3", "2026-03-03T10:00:00Z", "u3"),
      ],
    });
    engine = await createDuckDbEngine({
      lakeDir,
      sources,
      onQueryRead: (read) => reads.push(read),
    });
  });
  afterAll(() => engine.close());

  it("finds the partitions and exactly the columns a query reads", async () => {
    reads.length = 0;
    const query = parseQueryFile(
      "two_days",
      "-- @param from varchar first dt\n-- @param to varchar last dt\nselect count(*) as n, max(event_time) as newest from events where dt between :from and :to",
    );
    const result = await engine.run(query, { from: "2026-03-02", to: "2026-03-03" });
    expect(result.rows[0]?.n).toBe(2);
    expect(reads).toHaveLength(1);

    const [described] = await describeReads((sql) => engine.raw(sql), lakeDir, sources, reads);
    const events = described?.tables.events;
    expect(events?.partitions).toEqual(["dt=2026-03-02", "dt=2026-03-03"]);
    expect(events?.columns).toEqual(["event_time"]);
    expect(events?.columnBytes).toBeGreaterThan(0);
    expect(events?.columnBytes).toBeLessThan(events?.bytes ?? 0);

    const floor = await floorScan(
      (sql) => engine.raw(sql),
      [{ table: "events", files: events?.files ?? [], columns: events?.columns ?? [] }],
    );
    expect(Object.keys(floor.byTable)).toEqual(["events"]);
    expect(floor.ms).toBeGreaterThan(0);
  });
});
