/**
 * Rollups on S3 built by Athena, with both APIs mocked (aws-sdk-client-mock): an in-memory
 * bucket that lists with sizes and ETags and copies objects, and an Athena whose UNLOAD
 * "writes" one staged file per local day that has rows. The refresh logic is the real one.
 * Not covered here: that a real Athena accepts the UNLOAD statement and writes the layout
 * (the statement's text is checked instead).
 */
import { createHash } from "node:crypto";
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAthenaEngine } from "../../../functions/lib/adapters/athena.ts";
import { loadSources, QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import { DEFAULT_KPI_SETTINGS } from "../../../functions/lib/report/modules.ts";
import { unloadSql, withAthenaRollups } from "../../../functions/lib/rollups/athena-storage.ts";
import {
  buildParams,
  type RollupContext,
  refreshRollup,
  refreshWeeklyState,
} from "../../../functions/lib/rollups/refresh.ts";
import { ROLLUPS } from "../../../functions/lib/rollups/schema.ts";
import type { RollupManifest } from "../../../functions/lib/rollups/storage.ts";

const athena = mockClient(AthenaClient);
const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: "eu-west-1" });
const BUCKET = "lake-bucket";
const PREFIX = "lake/";

let objects: Map<string, { body: string; etag: string }>;
let unloads: string[];

function put(key: string, body: string) {
  objects.set(key, { body, etag: `"${createHash("md5").update(body).digest("hex")}"` });
}
const keys = (prefix: string) => [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();

beforeEach(() => {
  objects = new Map();
  unloads = [];
  athena.reset();
  s3Mock.reset();
  s3Mock.on(ListObjectsV2Command).callsFake(async (input) => {
    // Two keys a page, so that the storage has to follow continuation tokens.
    const after = input.ContinuationToken ?? "";
    const all = keys(input.Prefix ?? "").filter((key) => key > after);
    const page = all.slice(0, 2);
    return {
      Contents: page.map((Key) => ({
        Key,
        Size: objects.get(Key)?.body.length,
        ETag: objects.get(Key)?.etag,
      })),
      IsTruncated: all.length > 2,
      ...(all.length > 2 ? { NextContinuationToken: page.at(-1) } : {}),
    };
  });
  s3Mock.on(GetObjectCommand).callsFake(async (input) => {
    const object = objects.get(String(input.Key));
    if (!object) {
      throw new S3ServiceException({
        name: "NoSuchKey",
        $fault: "client",
        $metadata: { httpStatusCode: 404 },
        message: "The specified key does not exist.",
      });
    }
    return { Body: { transformToString: async () => object.body } };
  });
  s3Mock.on(PutObjectCommand).callsFake(async (input) => {
    put(String(input.Key), String(input.Body));
    return {};
  });
  s3Mock.on(CopyObjectCommand).callsFake(async (input) => {
    const source = decodeURI(String(input.CopySource)).slice(`${BUCKET}/`.length);
    const object = objects.get(source);
    if (!object) throw new Error(`copy of a missing object ${source}`);
    objects.set(String(input.Key), object);
    return {};
  });
  s3Mock.on(DeleteObjectCommand).callsFake(async (input) => {
    objects.delete(String(input.Key));
    return {};
  });
  s3Mock.on(DeleteObjectsCommand).callsFake(async (input) => {
    for (const { Key } of input.Delete?.Objects ?? []) objects.delete(String(Key));
    return {};
  });
  athena.on(StartQueryExecutionCommand).callsFake(async (input) => {
    const sql = String(input.QueryString);
    unloads.push(sql);
    // The days of the bound calendar that have raw events get one staged file each.
    const target = /TO 's3:\/\/lake-bucket\/([^']+)'/.exec(sql)?.[1] ?? "";
    const days = [...new Set([...sql.matchAll(/\(DATE '(\d{4}-\d{2}-\d{2})'/g)].map((m) => m[1]))];
    for (const day of days) {
      if (day === "2026-03-02" || day === "2026-03-03") {
        put(
          `${target}local_date=${day}/${unloads.length}_q_0`,
          `rows of ${day} #${unloads.length}`,
        );
      }
    }
    return { QueryExecutionId: `q-${unloads.length}` };
  });
  athena.on(GetQueryExecutionCommand).resolves({
    QueryExecution: { Status: { State: "SUCCEEDED" }, Statistics: { DataScannedInBytes: 1234 } },
  });
  athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [] } });
  // The raw lake: events of dt 1–3 March.
  for (const dt of ["2026-03-01", "2026-03-02", "2026-03-03"]) {
    put(`${PREFIX}events/dt=${dt}/part-0.parquet`, `events of ${dt}`);
  }
});
afterEach(() => {
  athena.reset();
  s3Mock.reset();
});

function context(): RollupContext {
  const engine = withAthenaRollups(
    createAthenaEngine({
      client: new AthenaClient({ region: "eu-west-1" }),
      workgroup: "opspulse",
      database: "opspulse",
      sleep: async () => {},
    }),
    { s3, lakeUri: `s3://${BUCKET}/${PREFIX}`, sources: loadSources() },
  );
  return {
    engine,
    catalog: new QueryCatalog(),
    timeZone: "Asia/Shanghai",
    settings: DEFAULT_KPI_SETTINGS,
    now: new Date("2026-03-05T00:00:00Z"),
  };
}
const storage = (ctx: RollupContext) => {
  if (!ctx.engine.rollups) throw new Error("no rollup storage");
  return ctx.engine.rollups;
};
const WINDOW = { from: "2026-03-01", to: "2026-03-04" };
const manifestOf = (day: string) =>
  JSON.parse(
    objects.get(`${PREFIX}rollups/user_day/local_date=${day}/_manifest.json`)?.body ?? "null",
  ) as RollupManifest | null;

describe("Athena rollup storage", () => {
  it("builds the missing days with one UNLOAD into a staging prefix, then moves each day in", async () => {
    const ctx = context();
    const refresh = await refreshRollup(storage(ctx), ctx, "user_day", WINDOW);
    expect(refresh.built).toEqual(["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]);
    expect(refresh.stats).toEqual([expect.objectContaining({ bytesScanned: 1234 })]);
    expect(unloads).toHaveLength(1);
    const sql = unloads[0] ?? "";
    expect(sql).toMatch(/^UNLOAD \(SELECT \* FROM \(\n-- Activity rollup/);
    expect(sql).toContain(
      "where e.dt in ('2026-02-28', '2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04')",
    );
    expect(sql).toMatch(
      /\) AS build\) TO 's3:\/\/lake-bucket\/lake\/rollups\/_staging\/[\w-]+-user_day\/'\nWITH \(format = 'PARQUET', compression = 'SNAPPY', partitioned_by = ARRAY\['local_date'\]\)$/,
    );
    expect(keys(`${PREFIX}rollups/`)).toEqual([
      `${PREFIX}rollups/user_day/local_date=2026-03-01/_manifest.json`,
      `${PREFIX}rollups/user_day/local_date=2026-03-02/1_q_0`,
      `${PREFIX}rollups/user_day/local_date=2026-03-02/_manifest.json`,
      `${PREFIX}rollups/user_day/local_date=2026-03-03/1_q_0`,
      `${PREFIX}rollups/user_day/local_date=2026-03-03/_manifest.json`,
      `${PREFIX}rollups/user_day/local_date=2026-03-04/_manifest.json`,
    ]);
    // A day's manifest holds the raw partitions it overlaps, with their fingerprints.
    const sources = manifestOf("2026-03-02")?.sources ?? {};
    expect(sources).toEqual({
      "events/dt=2026-03-01": expect.stringMatching(/^[0-9a-f]{32}$/),
      "events/dt=2026-03-02": expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(manifestOf("2026-03-04")?.sources["events/dt=2026-03-04"]).toBe("");
  });

  it("runs no query when every day is fresh", async () => {
    const ctx = context();
    await refreshRollup(storage(ctx), ctx, "user_day", WINDOW);
    const again = await refreshRollup(storage(ctx), ctx, "user_day", WINDOW);
    expect(again.built).toEqual([]);
    expect(unloads).toHaveLength(1);
  });

  it("rebuilds the days of a raw partition that got a late object, replacing their files", async () => {
    const ctx = context();
    await refreshRollup(storage(ctx), ctx, "user_day", WINDOW);
    put(`${PREFIX}events/dt=2026-03-02/late-0.parquet`, "late events");
    const refresh = await refreshRollup(storage(ctx), ctx, "user_day", WINDOW);
    // The days holding dt 2 March.
    expect(refresh.built).toEqual(["2026-03-02", "2026-03-03"]);
    expect(keys(`${PREFIX}rollups/user_day/local_date=2026-03-02/`)).toEqual([
      `${PREFIX}rollups/user_day/local_date=2026-03-02/2_q_0`,
      `${PREFIX}rollups/user_day/local_date=2026-03-02/_manifest.json`,
    ]);
    expect(keys(`${PREFIX}rollups/_staging/`)).toEqual([]);
  });

  it("leaves a day another run built from the same inputs as it is, unless forced", async () => {
    const ctx = context();
    await refreshRollup(storage(ctx), ctx, "user_day", WINDOW);
    const manifest = manifestOf("2026-03-02");
    if (!manifest) throw new Error("no manifest");
    const before = keys(`${PREFIX}rollups/user_day/`);
    const replace = (replaceFresh: boolean) =>
      storage(ctx).replace(
        "user_day",
        ctx.catalog.get("rollup_user_day"),
        buildParams(ROLLUPS.user_day, ["2026-03-02"], ctx),
        [{ ...manifest, buildId: "other-run" }],
        { replaceFresh },
      );
    const unloadsBefore = unloads.length;
    await replace(false);
    // Fresh once its lock was taken: no UNLOAD at all, nothing moved.
    expect(unloads).toHaveLength(unloadsBefore);
    expect(keys(`${PREFIX}rollups/user_day/`)).toEqual(before);
    expect(manifestOf("2026-03-02")?.buildId).toBe(manifest.buildId);
    expect(keys(`${PREFIX}rollups/_staging/`)).toEqual([]);
    await replace(true);
    expect(manifestOf("2026-03-02")?.buildId).toBe("other-run");
    expect(keys(`${PREFIX}rollups/user_day/local_date=2026-03-02/`)).toEqual([
      `${PREFIX}rollups/user_day/local_date=2026-03-02/2_q_0`,
      `${PREFIX}rollups/user_day/local_date=2026-03-02/_manifest.json`,
    ]);
    expect(keys(`${PREFIX}rollups/_locks/`)).toEqual([]);
  });

  it("splits a first build of more than 100 days into UNLOADs of at most 100", async () => {
    for (let day = Date.UTC(2025, 9, 31); day <= Date.UTC(2026, 2, 4); day += 86_400_000) {
      put(`${PREFIX}events/dt=${new Date(day).toISOString().slice(0, 10)}/part-0.parquet`, "e");
    }
    const ctx = context();
    const refresh = await refreshRollup(storage(ctx), ctx, "user_day", {
      from: "2025-11-01",
      to: "2026-03-04",
    });
    // 124 days: 1 November 2025 … 4 March 2026.
    expect(refresh.built).toHaveLength(124);
    const days = (sql: string) => new Set([...sql.matchAll(/\(DATE '([\d-]+)'/g)].map((m) => m[1]));
    expect(unloads.map((sql) => days(sql).size)).toEqual([100, 24]);
    expect(unloads).toHaveLength(2);
    expect(refresh.stats).toHaveLength(2);
  });

  it("keeps a state's documents beside the rollups, under no table's location", async () => {
    const store = storage(context());
    expect(await store.getDocument?.("user_state-identities-b1.tsv")).toBeUndefined();
    await store.putDocument?.("user_state-identities-b1.tsv", "web_1\tp1\n");
    expect(keys(`${PREFIX}rollups/`)).toEqual([
      `${PREFIX}rollups/_documents/user_state-identities-b1.tsv`,
    ]);
    expect(await store.getDocument?.("user_state-identities-b1.tsv")).toBe("web_1\tp1\n");
    await store.removeDocument?.("user_state-identities-b1.tsv");
    expect(keys(`${PREFIX}rollups/`)).toEqual([]);
  });

  it("wraps the build query so that its WITH sits in a subquery", () => {
    expect(unloadSql("with final as (select 1 as x)\nselect * from final\n", "s3://b/p/")).toBe(
      "UNLOAD (SELECT * FROM (\nwith final as (select 1 as x)\nselect * from final\n) AS build) TO 's3://b/p/'\nWITH (format = 'PARQUET', compression = 'SNAPPY', partitioned_by = ARRAY['local_date'])",
    );
  });
});

describe("Athena: the weekly RFM state (rfm_week)", () => {
  const rfmManifestOf = (week: string) =>
    JSON.parse(
      objects.get(`${PREFIX}rollups/rfm_week/local_date=${week}/_manifest.json`)?.body ?? "null",
    ) as RollupManifest | null;
  const orderDays = (from: string, to: string) =>
    refreshRollup(storage(ctx), ctx, "order_day", { from, to });
  let ctx: RollupContext;
  beforeEach(() => {
    ctx = context();
  });

  it("builds a cold week from scratch, carries the next, and rebuilds one whose order_day day changed", async () => {
    put(`${PREFIX}orders/dt=2026-03-05/part-0.parquet`, "orders of 5 March");
    await orderDays("2025-03-02", "2026-03-15");
    const ordersBuilds = unloads.length;

    const cold = await refreshWeeklyState(storage(ctx), ctx, "rfm_week", ["2026-03-08"]);
    expect(cold).toMatchObject({ fromScratch: ["2026-03-08"], carried: [] });
    const scratchSql = unloads[ordersBuilds] ?? "";
    expect(scratchSql).toMatch(/^UNLOAD \(SELECT \* FROM \(\n-- RFM state of a report week/);
    expect(scratchSql).toMatch(
      /\) AS build\) TO 's3:\/\/lake-bucket\/lake\/rollups\/_staging\/[\w-]+-rfm_week\/'\nWITH \(format = 'PARQUET', compression = 'SNAPPY', partitioned_by = ARRAY\['local_date'\]\)$/,
    );
    // From scratch: the 372 order_day days of both windows, no stored state.
    expect(scratchSql).toContain("where 0 = 0");
    expect(scratchSql).toContain("'2025-03-02', '2025-03-03'");
    expect(rfmManifestOf("2026-03-08")?.sources).toMatchObject({
      "order_day/local_date=2025-03-02": "",
      "order_day/local_date=2026-03-05": expect.any(String),
    });
    expect(Object.keys(rfmManifestOf("2026-03-08")?.sources ?? {})).toHaveLength(372);

    const next = await refreshWeeklyState(storage(ctx), ctx, "rfm_week", ["2026-03-15"]);
    expect(next).toMatchObject({ fromScratch: [], carried: ["2026-03-15"] });
    const carriedSql = unloads.at(-1) ?? "";
    // Carried: the stored state of 8 March, the 7 days leaving and the 7 entering.
    expect(carriedSql).toContain("where 1 = 1");
    expect(carriedSql).toContain("local_date in ('2026-03-08')");
    expect(carriedSql).toContain(
      "local_date in ('2025-03-09', '2025-03-10', '2025-03-11', '2025-03-12', '2025-03-13', '2025-03-14', '2025-03-15', '2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-14', '2026-03-15')",
    );

    // Fresh: nothing to run.
    const runs = unloads.length;
    expect(
      await refreshWeeklyState(storage(ctx), ctx, "rfm_week", ["2026-03-08", "2026-03-15"]),
    ).toMatchObject({
      fromScratch: [],
      carried: [],
    });
    expect(unloads).toHaveLength(runs);

    // A late order file in dt=2026-03-05 rebuilds order_day 5 and 6 March, so both states
    // are stale; 8 March's is built from scratch (its week before has no state), 15 March's
    // carried from it.
    put(`${PREFIX}orders/dt=2026-03-05/late-0.parquet`, "a late refund");
    await orderDays("2025-03-02", "2026-03-15");
    expect(
      await refreshWeeklyState(storage(ctx), ctx, "rfm_week", ["2026-03-08", "2026-03-15"]),
    ).toMatchObject({
      fromScratch: ["2026-03-08"],
      carried: ["2026-03-15"],
    });
  });
});
