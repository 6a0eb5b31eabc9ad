import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFsPulseStore } from "../../../functions/lib/adapters/fs-pulse-store.ts";
import { createS3PulseStore } from "../../../functions/lib/adapters/s3-pulse-store.ts";
import type { PulseRecord } from "../../../functions/lib/pulse/store.ts";
import { createYesterdayStallsHook } from "../../../functions/lib/pulse/yesterday-stalls.ts";
import type { AfterSnapshotContext } from "../../../functions/lib/report/run-hooks.ts";
import { fakeBucket } from "../adapters/fake-s3.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-pulse-store-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const record = (at: string, status: "breach" | "met"): PulseRecord => ({
  at,
  today: "2026-03-10",
  timeZone: "Asia/Shanghai",
  minuteOfDay: 0,
  baselineDays: [],
  tables: [],
  findings: [
    { rule: "stall", table: "events", scope: "channel:app", status, value: 45, target: 30 },
  ],
  runId: "pulse-test",
  notifications: [],
});

describe("pulse stores and yesterday's stalls", () => {
  it("appends JSON Lines per day locally, and the daily report's hook lists the day's stalls", async () => {
    const store = createFsPulseStore({ dir: root });
    await store.append(record("2026-03-10T01:00:00.000Z", "met"));
    await store.append(record("2026-03-10T02:45:00.000Z", "breach"));
    await store.append(record("2026-03-10T03:00:00.000Z", "breach"));
    await store.append(record("2026-03-10T06:00:00.000Z", "met"));
    expect(await store.day("2026-03-10")).toHaveLength(4);
    const hook = createYesterdayStallsHook(store);
    const result = await hook.run({
      period: { kind: "day", start: "2026-03-10", end: "2026-03-10", timeZone: "Asia/Shanghai" },
    } as AfterSnapshotContext);
    expect(result?.notices?.[0]?.text.en).toBe(
      "Stalls seen by the pulse: events (channel app) 10:45–14:00.",
    );
    expect(result?.notices?.[0]?.text["zh-CN"]).toContain("事件 (渠道 app) 10:45–14:00");
    const quiet = await hook.run({
      period: { kind: "day", start: "2026-03-09", end: "2026-03-09", timeZone: "Asia/Shanghai" },
    } as AfterSnapshotContext);
    expect(quiet).toBeUndefined();
  });

  it("keeps both of two pulses stored at once on S3 (If-Match, again on 412)", async () => {
    const bucket = fakeBucket();
    const store = createS3PulseStore({ client: bucket.client, bucket: "state", prefix: "p/" });
    await Promise.all([
      store.append(record("2026-03-10T02:00:00.000Z", "met")),
      store.append(record("2026-03-10T02:15:00.000Z", "met")),
    ]);
    expect((await store.day("2026-03-10")).map((r) => r.at).sort()).toEqual([
      "2026-03-10T02:00:00.000Z",
      "2026-03-10T02:15:00.000Z",
    ]);
  });
});
