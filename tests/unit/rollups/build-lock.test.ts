/**
 * What the first deployment's rollup builds meet on S3 and Athena, against the stateful S3
 * fake (conditional writes with 412s, each call after a turn of the event loop so that
 * concurrent builders interleave) and a mocked Athena whose UNLOAD "writes" one staged file
 * per local day into that bucket:
 *
 * - two Lambdas building the same days at once (per-day lock objects, If-None-Match: *);
 * - a lock left by a killed builder (taken over once expired, If-Match on its ETag);
 * - a failed UNLOAD's orphaned files (cleaned up), a build cancelled by the bytes-scanned
 *   cutoff (split, not retried unchanged), builds sized by the raw partitions' bytes.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAthenaEngine } from "../../../functions/lib/adapters/athena.ts";
import { loadSources, QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import { DEFAULT_KPI_SETTINGS } from "../../../functions/lib/report/modules.ts";
import {
  type AthenaRollupStorageOptions,
  withAthenaRollups,
} from "../../../functions/lib/rollups/athena-storage.ts";
import { type RollupContext, refreshRollup } from "../../../functions/lib/rollups/refresh.ts";
import { type FakeBucket, fakeBucket } from "../adapters/fake-s3.ts";

const BUCKET = "lake-bucket";
const PREFIX = "lake/";
const athena = mockClient(AthenaClient);
let bucket: FakeBucket;
let unloads: string[];
/** What GetQueryExecution answers for the n-th UNLOAD (1-based); default SUCCEEDED. */
let outcome: (n: number, sql: string) => "SUCCEEDED" | "FAILED" | "CANCELLED";

const daysOf = (sql: string) => [
  ...new Set([...sql.matchAll(/\(DATE '(\d{4}-\d{2}-\d{2})'/g)].map((m) => m[1] as string)),
];
const put = (key: string, body: string) => bucket.objects.set(key, { body, etag: `"${key}"` });
const dataFiles = (day: string) =>
  bucket
    .keys(`${PREFIX}rollups/user_day/local_date=${day}/`)
    .filter((key) => !key.endsWith("_manifest.json"));

beforeEach(() => {
  bucket = fakeBucket({ pageSize: 3 });
  unloads = [];
  outcome = () => "SUCCEEDED";
  athena.reset();
  athena.on(StartQueryExecutionCommand).callsFake(async (input) => {
    const sql = String(input.QueryString);
    unloads.push(sql);
    const n = unloads.length;
    const target = /TO 's3:\/\/lake-bucket\/([^']+)'/.exec(sql)?.[1] ?? "";
    // Athena writes the files even of an UNLOAD that then fails or is cancelled.
    for (const day of daysOf(sql)) put(`${target}local_date=${day}/${n}_q_0`, `rows ${day} #${n}`);
    return { QueryExecutionId: `q-${n}` };
  });
  athena.on(GetQueryExecutionCommand).callsFake(async (input) => {
    const n = Number(String(input.QueryExecutionId).slice(2));
    const state = outcome(n, unloads[n - 1] ?? "");
    return {
      QueryExecution: {
        Status: {
          State: state,
          ...(state === "SUCCEEDED"
            ? {}
            : {
                StateChangeReason:
                  state === "CANCELLED" ? "Query exceeded data usage limit" : "HIVE_BAD_DATA",
              }),
        },
        Statistics: { DataScannedInBytes: 1000 },
      },
    };
  });
  athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [] } });
  // Raw events of dt 1–6 March, 100 bytes a partition.
  for (let d = 1; d <= 6; d++)
    put(`${PREFIX}events/dt=2026-03-0${d}/part-0.parquet`, "e".repeat(100));
});
afterEach(() => athena.reset());

/** One builder: a Lambda's engine with its own rollup storage over the shared bucket. */
function builder(options: Partial<AthenaRollupStorageOptions> = {}): RollupContext {
  const engine = withAthenaRollups(
    createAthenaEngine({
      client: new AthenaClient({ region: "eu-west-1" }),
      workgroup: "opspulse",
      database: "opspulse",
      sleep: async () => {},
    }),
    {
      s3: bucket.client,
      lakeUri: `s3://${BUCKET}/${PREFIX}`,
      sources: loadSources(),
      locks: { pollMs: 1, sleep: () => new Promise((resolve) => setTimeout(resolve, 1)) },
      ...options,
    },
  );
  return {
    engine,
    catalog: new QueryCatalog(),
    timeZone: "UTC",
    settings: DEFAULT_KPI_SETTINGS,
    now: new Date("2026-03-08T00:00:00Z"),
  };
}
const refresh = (ctx: RollupContext, from: string, to: string) => {
  if (!ctx.engine.rollups) throw new Error("no rollup storage");
  return refreshRollup(ctx.engine.rollups, ctx, "user_day", { from, to });
};

describe("rollup builds on S3", () => {
  it("two builders of the same days at once: one builds, the other finds them fresh", async () => {
    const [a, b] = await Promise.all([
      refresh(builder(), "2026-03-01", "2026-03-04"),
      refresh(builder(), "2026-03-01", "2026-03-04"),
    ]);

    // Each day holds exactly one build's files (two sets would double its counts).
    for (const day of ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]) {
      expect(dataFiles(day), day).toHaveLength(1);
    }
    expect(unloads).toHaveLength(1);
    expect([a.built.length, b.built.length].sort()).toEqual([4, 4]);
    // No lock and no staged file is left behind.
    expect(bucket.keys(`${PREFIX}rollups/_locks/`)).toEqual([]);
    expect(bucket.keys(`${PREFIX}rollups/_staging/`)).toEqual([]);
  });

  it("takes over a lock whose holder died once it has expired", async () => {
    const lock = `${PREFIX}rollups/_locks/user_day/local_date=2026-03-02.json`;
    put(lock, JSON.stringify({ owner: "killed-run", expiresAt: "2026-03-07T23:00:00Z" }));
    const built = await refresh(
      builder({ locks: { now: () => Date.parse("2026-03-08T00:00:00Z") } }),
      "2026-03-01",
      "2026-03-03",
    );
    expect(built.built).toEqual(["2026-03-01", "2026-03-02", "2026-03-03"]);
    expect(dataFiles("2026-03-02")).toHaveLength(1);
    expect(bucket.keys(`${PREFIX}rollups/_locks/`)).toEqual([]);
  });

  it("waits for a live lock no later than its run's deadline, and says who holds it", async () => {
    const lock = `${PREFIX}rollups/_locks/user_day/local_date=2026-03-02.json`;
    put(lock, JSON.stringify({ owner: "daily-run", expiresAt: "2999-01-01T00:00:00Z" }));
    await expect(
      refresh(builder({ deadline: new Date(Date.now() + 50) }), "2026-03-01", "2026-03-03"),
    ).rejects.toThrow(
      /user_day rollup of 2026-03-02 is being built by daily-run .*deadline came first/,
    );
    expect(unloads).toEqual([]);
    // Its own lock of 1 March is released; the other run's is untouched.
    expect(bucket.keys(`${PREFIX}rollups/_locks/`)).toEqual([lock]);
  });

  it("removes what a failed UNLOAD wrote, and releases the days", async () => {
    outcome = () => "FAILED";
    await expect(refresh(builder(), "2026-03-01", "2026-03-02")).rejects.toThrow(/HIVE_BAD_DATA/);
    expect(bucket.keys(`${PREFIX}rollups/`)).toEqual([]);
  });

  it("splits a build cancelled for scanning too much instead of retrying it unchanged", async () => {
    // The cutoff lets builds of up to 2 days through.
    outcome = (_n, sql) => (daysOf(sql).length > 2 ? "CANCELLED" : "SUCCEEDED");
    const built = await refresh(builder(), "2026-03-01", "2026-03-04");
    expect(unloads.map((sql) => daysOf(sql).length)).toEqual([4, 2, 2]);
    expect(built.built).toHaveLength(4);
    for (const day of ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]) {
      expect(dataFiles(day), day).toHaveLength(1);
    }
    expect(bucket.keys(`${PREFIX}rollups/_staging/`)).toEqual([]);
  });

  it("fails with one line naming the cutoff when a single day is over it", async () => {
    outcome = () => "CANCELLED";
    await expect(refresh(builder(), "2026-03-01", "2026-03-01")).rejects.toThrow(
      /user_day rollup build of 2026-03-01…2026-03-01 was cancelled in Athena \(over the workgroup's bytes-scanned cutoff, opspulse:athenaBytesScannedCutoffPerQuery\)/,
    );
  });

  it("sizes builds by the bytes of the raw partitions they read", async () => {
    // A UTC day reads its own dt partition (100 bytes); 250 bytes a build: 2 days each.
    await refresh(builder({ maxBytesPerBuild: 250 }), "2026-03-01", "2026-03-05");
    expect(unloads.map((sql) => daysOf(sql))).toEqual([
      ["2026-03-01", "2026-03-02"],
      ["2026-03-03", "2026-03-04"],
      ["2026-03-05"],
    ]);
  });
});
