/**
 * `changeAlertState` against the real stores: the local one (a version file) and S3 (a fake
 * bucket behind aws-sdk-client-mock honouring If-Match), including two acks at once — both
 * land, neither overwrites the other.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFsAlertStateStore } from "../../../functions/lib/adapters/fs-alert-state.ts";
import { createS3AlertStateStore } from "../../../functions/lib/adapters/s3-store.ts";
import { changeAlertState } from "../../../functions/lib/alerts/acks.ts";
import { ackAlert, silenceAlert } from "../../../functions/lib/kpi/alert-acks.ts";
import {
  DEFAULT_ALERT_RULES,
  EMPTY_ALERT_STATE,
  parseAlertState,
  stepAlerts,
} from "../../../functions/lib/kpi/alerts.ts";
import type { AlertStateStore } from "../../../functions/lib/ports.ts";
import { fakeBucket } from "../adapters/fake-s3.ts";

const tmp = mkdtempSync(join(tmpdir(), "opspulse-acks-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** GMV and retention both breaching on Nov 1: two open episodes. */
const twoOpen = stepAlerts(
  EMPTY_ALERT_STATE,
  {
    report: "daily",
    periodKey: "2026-11-01",
    observations: [
      { metric: "gmv", status: "breach", value: 800, target: 1_000 },
      { metric: "retention_d1", status: "breach", value: 0.4, target: 0.55 },
    ],
  },
  DEFAULT_ALERT_RULES,
  new Date("2026-11-02T00:00:00Z"),
).state;

const stores: Record<string, () => AlertStateStore> = {
  "the local store": () => createFsAlertStateStore({ dir: mkdtempSync(join(tmp, "state-")) }),
  "the S3 store": () =>
    createS3AlertStateStore({
      client: fakeBucket().client,
      bucket: "opspulse-state.example.com",
      prefix: "opspulse",
      clock: { now: () => new Date("2026-11-03T00:00:00Z") },
      sleep: async () => {},
    }),
};

describe.each(Object.entries(stores))("acks and silences on %s", (_name, makeStore) => {
  it("records two concurrent acks and a silence, each with who and when", async () => {
    const store = makeStore();
    expect(await store.save(twoOpen, undefined)).toBe(true);
    const ack = (metric: string, by: string) =>
      changeAlertState(store, (state) => {
        const acked = ackAlert(state, { metric }, { by, at: new Date("2026-11-03T01:00:00Z") });
        return { state: acked.state, result: acked.acked };
      });
    const [first, second] = await Promise.all([
      ack("gmv", "li.wei"),
      ack("retention_d1", "chen.jie"),
    ]);
    expect([first.result, second.result]).toEqual([["daily/gmv/all"], ["daily/retention_d1/all"]]);
    // One of the two saved over the other's version and had to load again.
    expect(Math.max(first.attempts, second.attempts)).toBeGreaterThan(1);

    await changeAlertState(store, (state) => ({
      state: silenceAlert(
        state,
        { metric: "dau" },
        { until: new Date("2026-11-10T00:00:00Z"), reason: "migration" },
        { by: "ops.bot", at: new Date("2026-11-03T02:00:00Z") },
      ),
      result: undefined,
    }));

    const saved = parseAlertState((await store.load()).state);
    expect(saved.records["daily/gmv/all"]?.episode?.ack?.by).toBe("li.wei");
    expect(saved.records["daily/retention_d1/all"]?.episode?.ack?.by).toBe("chen.jie");
    expect(saved.silences).toEqual([
      {
        metric: "dau",
        until: "2026-11-10T00:00:00.000Z",
        reason: "migration",
        by: "ops.bot",
        at: "2026-11-03T02:00:00.000Z",
      },
    ]);
  });

  it("saves nothing when the change is refused", async () => {
    const store = makeStore();
    await expect(
      changeAlertState(store, (state) => {
        const acked = ackAlert(state, { metric: "gmv" }, { by: "li.wei", at: new Date() });
        return { state: acked.state, result: acked.acked };
      }),
    ).rejects.toThrow(/No open alert for gmv/);
    expect((await store.load()).version).toBeUndefined();
  });
});
