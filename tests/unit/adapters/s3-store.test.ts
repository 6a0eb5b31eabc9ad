import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import {
  createS3AlertStateStore,
  createS3DeliveryLog,
  createS3RunLog,
  createS3SnapshotStore,
  S3KeyError,
} from "../../../functions/lib/adapters/s3-store.ts";
import type { Clock, DeliveryRecord } from "../../../functions/lib/ports.ts";
import { fakeBucket, s3Error } from "./fake-s3.ts";

const clock: Clock = { now: () => new Date("2026-03-02T01:30:00Z") };
const noWait = async () => {};

function stores(pageSize?: number) {
  const bucket = fakeBucket(pageSize === undefined ? {} : { pageSize });
  const options = {
    client: bucket.client,
    bucket: "opspulse-state.example.com",
    prefix: "opspulse",
    clock,
    sleep: noWait,
  };
  return {
    bucket,
    snapshots: createS3SnapshotStore(options),
    deliveries: createS3DeliveryLog(options),
    runLog: createS3RunLog(options),
    alerts: createS3AlertStateStore(options),
  };
}

const record = (runId: string): DeliveryRecord => ({
  idempotencyKey: "report:daily:2026-03-01:managers",
  runId,
  deliveredAt: "2026-03-02T01:00:00.000Z",
});

describe("createS3DeliveryLog", () => {
  it("claims with If-None-Match: * and answers false on 412, keeping the first record", async () => {
    const { deliveries, bucket } = stores();

    expect(await deliveries.claim(record("run-a"))).toBe(true);
    expect(await deliveries.claim(record("run-b"))).toBe(false);

    const puts = bucket.mock.commandCalls(PutObjectCommand);
    expect(puts.map((call) => call.args[0].input.IfNoneMatch)).toEqual(["*", "*"]);
    expect(puts[0]?.args[0].input.Key).toBe(
      "opspulse/deliveries/report%3Adaily%3A2026-03-01%3Amanagers.json",
    );
    expect((await deliveries.get(record("x").idempotencyKey))?.runId).toBe("run-a");
  });

  it("lets exactly one of 20 concurrent claims of one key through", async () => {
    const { deliveries } = stores();
    const runs = Array.from({ length: 20 }, (_, i) => `run-${i}`);

    const outcomes = await Promise.all(runs.map((runId) => deliveries.claim(record(runId))));

    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const winner = runs[outcomes.indexOf(true)];
    expect((await deliveries.get(record("x").idempotencyKey))?.runId).toBe(winner);
  });

  it("retries a 409 ConditionalRequestConflict, then claims", async () => {
    const { deliveries, bucket } = stores();
    bucket.mock
      .on(PutObjectCommand)
      .rejectsOnce(s3Error("ConditionalRequestConflict", 409))
      .callsFake(async () => ({ ETag: '"1"' }));
    expect(await deliveries.claim(record("run-a"))).toBe(true);
    expect(bucket.mock.commandCalls(PutObjectCommand)).toHaveLength(2);
  });

  it("throws other errors, naming the object and what to check", async () => {
    const { deliveries, bucket } = stores();
    bucket.mock.on(PutObjectCommand).rejects(s3Error("AccessDenied", 403, "Access Denied"));
    await expect(deliveries.claim(record("run-a"))).rejects.toThrow(
      "S3 PutObject s3://opspulse-state.example.com/opspulse/deliveries/report%3Adaily%3A2026-03-01%3Amanagers.json failed: AccessDenied: Access Denied.",
    );
    await expect(deliveries.claim(record("run-a"))).rejects.toMatchObject({
      name: "S3StoreError",
    });
  });

  it("completes a claim, releases it, and lets a later run claim again", async () => {
    const { deliveries } = stores();
    expect(await deliveries.get("report:daily:2026-03-01:managers")).toBeUndefined();
    await deliveries.claim(record("run-a"));
    await deliveries.complete({ ...record("run-a"), messageId: "ses-1" });
    expect((await deliveries.get("report:daily:2026-03-01:managers"))?.messageId).toBe("ses-1");

    await deliveries.release("report:daily:2026-03-01:managers");
    await deliveries.release("report:daily:2026-03-01:managers");
    expect(await deliveries.get("report:daily:2026-03-01:managers")).toBeUndefined();
    expect(await deliveries.claim(record("run-b"))).toBe(true);
  });
});

describe("createS3DeliveryLog takeovers", () => {
  const key = "opspulse/deliveries/report%3Adaily%3A2026-03-01%3Amanagers.json";
  const claim = (runId: string): DeliveryRecord => ({
    ...record(runId),
    state: "sending",
    leaseUntil: "2026-03-02T01:15:00.000Z",
  });

  it("replaces the claim it read with If-Match on its ETag; of two takers one wins", async () => {
    const { deliveries, bucket } = stores();
    await deliveries.claim(claim("killed"));
    const expired = await deliveries.get("report:daily:2026-03-01:managers");
    if (!expired) throw new Error("no claim");

    const results = await Promise.all([
      deliveries.takeOver(claim("taker-a"), expired),
      deliveries.takeOver(claim("taker-b"), expired),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const writes = bucket.mock
      .commandCalls(PutObjectCommand)
      .filter((c) => c.args[0].input.Key === key && c.args[0].input.IfMatch !== undefined);
    expect(writes.length).toBeGreaterThanOrEqual(1);
    const winner = results[0] ? "taker-a" : "taker-b";
    expect((await deliveries.get("report:daily:2026-03-01:managers"))?.runId).toBe(winner);
    // The claim the losers read is gone: a late taker with it loses too.
    expect(await deliveries.takeOver(claim("late"), expired)).toBe(false);
  });

  it("answers false on a 412 (another taker wrote between the read and the write)", async () => {
    const { deliveries, bucket } = stores();
    await deliveries.claim(claim("killed"));
    const expired = await deliveries.get("report:daily:2026-03-01:managers");
    if (!expired) throw new Error("no claim");
    bucket.mock
      .on(PutObjectCommand, { Key: key, IfMatch: bucket.objects.get(key)?.etag })
      .rejectsOnce(s3Error("PreconditionFailed", 412, "At least one of the pre-conditions failed"));
    expect(await deliveries.takeOver(claim("taker"), expired)).toBe(false);
    expect((await deliveries.get("report:daily:2026-03-01:managers"))?.runId).toBe("killed");
  });

  it("recognises its own takeover that S3 applied but answered with an error", async () => {
    const { deliveries } = stores();
    await deliveries.claim(claim("killed"));
    const expired = await deliveries.get("report:daily:2026-03-01:managers");
    if (!expired) throw new Error("no claim");
    expect(await deliveries.takeOver(claim("taker"), expired)).toBe(true);
    expect(await deliveries.takeOver(claim("taker"), expired)).toBe(true);
    expect(await deliveries.takeOver(claim("other"), expired)).toBe(false);
  });
});

describe("createS3SnapshotStore", () => {
  const doc = (periodKey: string, value: number) => ({
    report: "daily",
    periodKey,
    values: { dau: value },
  });

  it("writes revisions in the fs layout, never overwriting, and reads them back", async () => {
    const { snapshots, bucket } = stores();

    expect((await snapshots.put(doc("2026-03-01", 10))).revision).toBe(1);
    expect((await snapshots.put(doc("2026-03-01", 11))).revision).toBe(2);

    expect(bucket.keys("opspulse/snapshots/daily/")).toEqual([
      "opspulse/snapshots/daily/2026-03-01/r001.json",
      "opspulse/snapshots/daily/2026-03-01/r002.json",
    ]);
    expect(await snapshots.latest("daily", "2026-03-01")).toMatchObject({
      revision: 2,
      values: { dau: 11 },
    });
    expect((await snapshots.revisions("daily", "2026-03-01")).map((d) => d.values)).toEqual([
      { dau: 10 },
      { dau: 11 },
    ]);
    expect(await snapshots.latest("daily", "2026-03-02")).toBeUndefined();
    expect(await snapshots.revisions("daily", "2026-03-02")).toEqual([]);
  });

  it("appends one JSON line per revision under dt= of the write, for Athena", async () => {
    const { snapshots, bucket } = stores();
    await snapshots.put(doc("2026-03-01", 10));
    await snapshots.put({ report: "campaigns", periodKey: "spring-sale/2026-03-01", roi: 3 });

    const history = bucket.keys("opspulse/snapshots/history/");
    expect(history).toEqual([
      "opspulse/snapshots/history/campaigns/dt=2026-03-02/spring-sale_2026-03-01~r001.json",
      "opspulse/snapshots/history/daily/dt=2026-03-02/2026-03-01~r001.json",
    ]);
    for (const key of history) {
      const body = bucket.objects.get(key)?.body ?? "";
      expect(body.endsWith("\n")).toBe(true);
      expect(body.trimEnd().split("\n")).toHaveLength(1);
      // The same flat line the fs adapter appends to its history file.
      expect(JSON.parse(body)).toMatchObject({ revision: 1, metrics: [] });
    }
  });

  it("gives 20 concurrent re-runs of one period 20 distinct revisions", async () => {
    const { snapshots, bucket } = stores();

    const stored = await Promise.all(
      Array.from({ length: 20 }, (_, i) => snapshots.put(doc("2026-03-01", i))),
    );

    expect(stored.map((d) => d.revision).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const revisions = await snapshots.revisions("daily", "2026-03-01");
    expect(revisions.map((d) => d.revision)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Every writer's document survived: none overwrote another.
    expect(new Set(revisions.map((d) => (d.values as { dau: number }).dau)).size).toBe(20);
    expect(bucket.keys("opspulse/snapshots/history/daily/")).toHaveLength(20);
  });

  it("gives up with a clear error when it keeps losing the race", async () => {
    const bucket = fakeBucket();
    const snapshots = createS3SnapshotStore({
      client: bucket.client,
      bucket: "b",
      sleep: noWait,
      maxAttempts: 3,
    });
    bucket.mock
      .on(PutObjectCommand)
      .rejects(
        s3Error(
          "PreconditionFailed",
          412,
          "At least one of the pre-conditions you specified did not hold",
        ),
      );
    await expect(snapshots.put(doc("2026-03-01", 1))).rejects.toThrow(
      "Could not write a new revision of snapshot daily 2026-03-01: 3 concurrent writers got there first.",
    );
    expect(bucket.mock.commandCalls(PutObjectCommand)).toHaveLength(3);
  });

  it("lists the latest revision of each period in a range, across listing pages", async () => {
    const { snapshots, bucket } = stores(2);
    for (const day of ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02", "2026-03-03"]) {
      await snapshots.put(doc(day, 1));
    }
    await snapshots.put(doc("2026-03-01", 2));

    const history = await snapshots.history("daily", "2026-02-28", "2026-03-02");

    expect(history.map((d) => [d.periodKey, d.revision])).toEqual([
      ["2026-02-28", 1],
      ["2026-03-01", 2],
      ["2026-03-02", 1],
    ]);
    const lists = bucket.mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    const historyLists = lists.filter((input) => input.StartAfter !== undefined);
    expect(historyLists[0]?.StartAfter).toBe("opspulse/snapshots/daily/2026-02-28");
    expect(historyLists.length).toBeGreaterThan(1);
  });

  it("refuses report names and period keys that would escape their folder", async () => {
    const { snapshots, bucket } = stores();
    await expect(snapshots.put({ report: "daily", periodKey: "../alerts", x: 1 })).rejects.toThrow(
      S3KeyError,
    );
    await expect(snapshots.latest("history", "2026-03-01")).rejects.toThrow(/not a report name/);
    expect(bucket.mock.calls()).toHaveLength(0);
  });
});

describe("createS3RunLog", () => {
  it("writes one create-only object per run, partitioned by the UTC date", async () => {
    const { runLog, bucket } = stores();
    await runLog.append({ runId: "run-a", outcome: "delivered" });
    await runLog.append({ runId: "run-b", outcome: "failed" });

    const keys = bucket.keys("opspulse/runs/");
    expect(keys).toHaveLength(2);
    for (const key of keys)
      expect(key).toMatch(/^opspulse\/runs\/dt=2026-03-02\/20260302T013000\.000Z-/);
    const lines = keys.map((key) => JSON.parse(bucket.objects.get(key)?.body ?? ""));
    expect(lines.map((line) => line.runId).sort()).toEqual(["run-a", "run-b"]);
    const puts = bucket.mock.commandCalls(PutObjectCommand);
    expect(puts.every((call) => call.args[0].input.IfNoneMatch === "*")).toBe(true);
  });

  it("reads back the entries since a time, across UTC days, in order", async () => {
    const bucket = fakeBucket();
    let now = Date.parse("2026-03-01T22:00:00Z");
    const runLog = createS3RunLog({
      client: bucket.client,
      bucket: "opspulse-state.example.com",
      prefix: "opspulse",
      clock: { now: () => new Date(now) },
      sleep: noWait,
    });
    for (const [at, runId] of [
      ["2026-03-01T20:00:00Z", "too-early"],
      ["2026-03-01T23:00:00Z", "evening"],
      ["2026-03-02T00:15:00Z", "morning"],
    ] as const) {
      now = Date.parse(at);
      await runLog.append({ runId });
    }
    const entries = await runLog.since?.(new Date("2026-03-01T22:00:00Z"));
    expect(entries?.map((e) => e.runId)).toEqual(["evening", "morning"]);
  });
});

describe("createS3AlertStateStore", () => {
  it("saves with ETag conditions and reports a stale version as a conflict", async () => {
    const { alerts } = stores();
    expect(await alerts.load()).toEqual({ state: undefined, version: undefined });

    expect(await alerts.save({ dau: "ok" }, undefined)).toBe(true);
    expect(await alerts.save({ dau: "other" }, undefined)).toBe(false);

    const first = await alerts.load();
    expect(first.state).toEqual({ dau: "ok" });
    expect(first.version).toMatch(/^".+"$/);

    expect(await alerts.save({ dau: "breaching" }, first.version)).toBe(true);
    expect(await alerts.save({ dau: "resolved" }, first.version)).toBe(false);
    expect((await alerts.load()).state).toEqual({ dau: "breaching" });
  });

  it("lets one of two concurrent writers of the same version win", async () => {
    const { alerts } = stores();
    await alerts.save({ n: 0 }, undefined);
    const { version } = await alerts.load();
    const outcomes = await Promise.all([
      alerts.save({ n: 1 }, version),
      alerts.save({ n: 2 }, version),
    ]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it("treats a vanished object as a conflict, not an error", async () => {
    const { alerts, bucket } = stores();
    await alerts.save({ n: 0 }, undefined);
    const { version } = await alerts.load();
    bucket.objects.clear();
    expect(await alerts.save({ n: 1 }, version)).toBe(false);
  });
});
