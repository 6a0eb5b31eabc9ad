/**
 * The pulse Lambda's handler with real local adapters (DuckDB over the stall lake, files,
 * the outbox): it judges as of the schedule's time, not of the invocation, refuses an event
 * that is not the schedule's in one line without running, and reports what it found.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { createFsAlertStateStore } from "../../../functions/lib/adapters/fs-alert-state.ts";
import { createFsPulseStore } from "../../../functions/lib/adapters/fs-pulse-store.ts";
import { createFsStores } from "../../../functions/lib/adapters/fs-store.ts";
import { createOutboxMailer } from "../../../functions/lib/adapters/outbox-mailer.ts";
import { parseConfig } from "../../../functions/lib/config/load.ts";
import type { QueryEngine } from "../../../functions/lib/ports.ts";
import type { PulseDeps } from "../../../functions/lib/pulse/run-pulse.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import { createObservability } from "../../../functions/lib/runtime/observability.ts";
import { createPulseHandler, InvalidPulseEventError } from "../../../functions/pulse/index.ts";
import { cachedPulseLake } from "../../support/pulse-lake.ts";
import { lambdaContext } from "./aws-world.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-pulse-handler-"));
let engine: QueryEngine;
let opened = 0;
beforeAll(async () => {
  cpSync(await cachedPulseLake("stall"), join(root, "lake"), { recursive: true });
  engine = await createDuckDbEngine({ lakeDir: join(root, "lake"), threads: 2 });
});
afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

const config = parseConfig(
  [
    {
      file: "recipients.yaml",
      text: `sender: OpsPulse <reports@example.com>
reports:
  daily: [{ name: managers, to: [boss@example.com] }]
  weekly: [{ name: managers, to: [boss@example.com] }]
on_call: { to: [oncall@example.com] }
`,
    },
  ],
  "config",
);

function handler() {
  // The invocation happens hours after the schedule's time (a retry): the pulse must not care.
  const clock = { now: () => new Date("2026-03-10T09:00:00Z") };
  const out = join(root, "out");
  const stores = createFsStores(out);
  const deps: PulseDeps = {
    engine,
    catalog: new QueryCatalog(),
    config,
    clock,
    alertState: createFsAlertStateStore({ dir: join(out, "alerts", "state") }),
    deliveries: stores.deliveries,
    runLog: stores.runLog,
    mailer: createOutboxMailer({ dir: join(out, "outbox"), clock }),
    pulses: createFsPulseStore({ dir: out }),
  };
  return createPulseHandler({
    deps: async () => {
      opened++;
      return deps;
    },
    observability: createObservability("opspulse-pulse-test"),
  });
}

describe("the pulse handler", () => {
  it("judges as of the scheduled time and reports the stall it paged", async () => {
    const view = await handler()(
      { pulse: true, scheduledTime: "2026-03-10T02:45:00Z" },
      lambdaContext("opspulse-pulse"),
    );
    expect(view).toEqual({
      periodKey: "2026-03-10T10:45",
      breaches: ["stall/events/channel:app"],
      notifications: 1,
    });
  });

  it("refuses an event that is not the schedule's, naming the field, without opening anything", async () => {
    const before = opened;
    await expect(handler()({ report: "daily" }, lambdaContext("opspulse-pulse"))).rejects.toThrow(
      InvalidPulseEventError,
    );
    await expect(
      handler()({ pulse: true, scheduledTime: "yesterday" }, lambdaContext("opspulse-pulse")),
    ).rejects.toThrow(/scheduledTime: expected an ISO 8601 date-time/);
    expect(opened).toBe(before);
  });
});
