import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import {
  createFsDeliveryLog,
  createFsRunLog,
  createFsSnapshotStore,
  StorePathError,
} from "../../../functions/lib/adapters/fs-store.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
let folders = 0;
const fresh = () => join(root, `case-${folders++}`);

/** A snapshot body shaped like the report's (values and statuses per metric). */
const body = (dau: number) => ({
  runId: `run-${dau}`,
  createdAt: "2026-03-02T00:00:00.000Z",
  configVersion: "cfg-000000000000",
  period: { kind: "day", start: "2026-03-01", end: "2026-03-01", timeZone: "Asia/Shanghai" },
  metrics: {
    dau: {
      value: dau,
      status: "no_target",
      target: null,
      threshold: null,
      previous: null,
      yearEarlier: null,
    },
    retention_d1: {
      value: 0.5,
      status: "warning",
      target: { value: 0.55, basis: "value", warningBand: 0.1, minSample: 100 },
      threshold: 0.55,
      previous: 0.52,
      yearEarlier: null,
    },
  },
  scoped: {
    "spring-sale": {
      participants: {
        value: 12,
        status: "breach",
        target: null,
        threshold: 10000,
        previous: null,
        yearEarlier: null,
      },
    },
  },
  statusCounts: { met: 0, warning: 1, breach: 1, insufficient_data: 0, no_target: 1 },
});

describe("fs snapshot store", () => {
  it("writes a new revision per put and never rewrites an earlier one", async () => {
    const dir = fresh();
    const store = createFsSnapshotStore({ dir });
    const first = await store.put({ report: "daily", periodKey: "2026-03-01", ...body(100) });
    const firstFile = store.pathOf("daily", "2026-03-01", 1);
    const firstBytes = readFileSync(firstFile, "utf8");
    const second = await store.put({ report: "daily", periodKey: "2026-03-01", ...body(120) });

    expect(first.revision).toBe(1);
    expect(second.revision).toBe(2);
    expect(firstFile).toBe(join(dir, "daily", "2026-03-01", "r001.json"));
    expect(readFileSync(firstFile, "utf8")).toBe(firstBytes);
    expect(readdirSync(join(dir, "daily", "2026-03-01")).sort()).toEqual([
      "r001.json",
      "r002.json",
    ]);
    expect((await store.latest("daily", "2026-03-01"))?.runId).toBe("run-120");
    expect((await store.revisions("daily", "2026-03-01")).map((d) => d.revision)).toEqual([1, 2]);
    expect(await store.latest("daily", "2026-03-02")).toBeUndefined();
  });

  it("gives concurrent writers distinct revisions", async () => {
    const store = createFsSnapshotStore({ dir: fresh() });
    const docs = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.put({ report: "weekly", periodKey: "2026-W09", ...body(i) }),
      ),
    );
    expect(docs.map((d) => d.revision).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const stored = await store.revisions("weekly", "2026-W09");
    expect(new Set(stored.map((d) => d.runId)).size).toBe(8);
  });

  it("returns the latest revision of each period in a key range, in order", async () => {
    const store = createFsSnapshotStore({ dir: fresh() });
    for (const key of ["2026-03-03", "2026-03-01", "2026-03-02", "2026-02-28"]) {
      await store.put({ report: "daily", periodKey: key, ...body(1) });
    }
    await store.put({ report: "daily", periodKey: "2026-03-02", ...body(2) });
    const history = await store.history("daily", "2026-03-01", "2026-03-02");
    expect(history.map((d) => [d.periodKey, d.revision])).toEqual([
      ["2026-03-01", 1],
      ["2026-03-02", 2],
    ]);
    await store.put({ report: "campaigns", periodKey: "spring-sale/2026-03-01", ...body(3) });
    const campaign = await store.history(
      "campaigns",
      "spring-sale/2026-03-01",
      "spring-sale/2026-03-31",
    );
    expect(campaign.map((d) => d.periodKey)).toEqual(["spring-sale/2026-03-01"]);
  });

  it("appends one history line per snapshot that DuckDB can query", async () => {
    const dir = fresh();
    const store = createFsSnapshotStore({ dir });
    await store.put({ report: "daily", periodKey: "2026-03-01", ...body(100) });
    await store.put({ report: "daily", periodKey: "2026-03-01", ...body(120) });
    const file = store.historyPath("daily");
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(2);

    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `select period_key, revision, m.metric, m.scope, m.value, m.status, m.target
         from read_json('${file}') as h, unnest(h.metrics) as t(m)
         order by revision, m.metric`,
      );
      expect(reader.getRowObjectsJson()).toEqual([
        {
          period_key: "2026-03-01",
          revision: "1",
          metric: "dau",
          scope: null,
          value: 100,
          status: "no_target",
          target: null,
        },
        {
          period_key: "2026-03-01",
          revision: "1",
          metric: "participants",
          scope: "spring-sale",
          value: 12,
          status: "breach",
          target: null,
        },
        {
          period_key: "2026-03-01",
          revision: "1",
          metric: "retention_d1",
          scope: null,
          value: 0.5,
          status: "warning",
          target: 0.55,
        },
        {
          period_key: "2026-03-01",
          revision: "2",
          metric: "dau",
          scope: null,
          value: 120,
          status: "no_target",
          target: null,
        },
        {
          period_key: "2026-03-01",
          revision: "2",
          metric: "participants",
          scope: "spring-sale",
          value: 12,
          status: "breach",
          target: null,
        },
        {
          period_key: "2026-03-01",
          revision: "2",
          metric: "retention_d1",
          scope: null,
          value: 0.5,
          status: "warning",
          target: 0.55,
        },
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it("refuses report names and period keys that would escape its folder", async () => {
    const store = createFsSnapshotStore({ dir: fresh() });
    await expect(store.put({ report: "../daily", periodKey: "2026-03-01" })).rejects.toThrow(
      StorePathError,
    );
    await expect(store.put({ report: "daily", periodKey: "../../etc" })).rejects.toThrow(
      StorePathError,
    );
    await expect(store.put({ report: "history", periodKey: "2026-03-01" })).rejects.toThrow(
      StorePathError,
    );
  });
});

describe("fs delivery log", () => {
  const record = (key: string, runId: string) => ({
    idempotencyKey: key,
    runId,
    deliveredAt: "2026-03-02T00:00:00.000Z",
  });

  it("lets exactly one of many concurrent claims of a key win", async () => {
    const log = createFsDeliveryLog({ dir: fresh() });
    const key = "report:daily:2026-03-01:managers";
    const wins = await Promise.all(
      Array.from({ length: 12 }, (_, i) => log.claim(record(key, `run-${i}`))),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    const winner = wins.indexOf(true);
    expect((await log.get(key))?.runId).toBe(`run-${winner}`);
  });

  it("records the outcome of a claim and gives up a released one", async () => {
    const log = createFsDeliveryLog({ dir: fresh() });
    const key = "report:weekly:2026-W09:managers-zh";
    expect(await log.claim(record(key, "a"))).toBe(true);
    await log.complete({ ...record(key, "a"), messageId: "<m@example.com>", location: "x.eml" });
    expect(await log.get(key)).toMatchObject({ messageId: "<m@example.com>", location: "x.eml" });
    expect(await log.claim(record(key, "b"))).toBe(false);

    await log.release(key);
    expect(await log.get(key)).toBeUndefined();
    expect(await log.claim(record(key, "c"))).toBe(true);
    await log.release("report:never-claimed");
  });
});

describe("fs run log", () => {
  it("appends one JSON line per run", async () => {
    const file = join(fresh(), "runs", "runs.jsonl");
    const log = createFsRunLog({ file });
    await log.append({ runId: "a", outcome: "ok" });
    await log.append({ runId: "b", outcome: "failed", error: "boom\nsecond line" });
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines.map((line) => JSON.parse(line).runId)).toEqual(["a", "b"]);
    expect(existsSync(file)).toBe(true);
  });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));
