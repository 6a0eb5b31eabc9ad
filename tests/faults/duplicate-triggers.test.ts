/**
 * Fault: the same scheduled event is delivered more than once — twice in a row (a Scheduler
 * retry), and 20 times at the same moment (20 Lambda containers, or 20 CLI processes
 * sharing one output folder).
 *
 * Expected: exactly one email per recipient list and one per on-call alert; every other
 * run reports "already delivered"; nothing is lost (each list got its email).
 *
 * The runs go through the scheduled-report handler with the embedded adapters: each run
 * has its own DuckDB engine, stores and outbox mailer over the one shared output folder, so
 * the only thing they share is what separate processes share — the files.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createObservability } from "../../functions/lib/runtime/observability.ts";
import { createScheduledReportHandler } from "../../functions/scheduled-report/index.ts";
import { lambdaContext } from "../unit/handlers/aws-world.ts";
import {
  clockAt,
  countByList,
  createLocalWorld,
  deliveryRecords,
  type LocalWorld,
  outbox,
  runLog,
} from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

let world: LocalWorld;
beforeAll(async () => {
  world = await createLocalWorld();
});
afterAll(() => world?.close());

const context = lambdaContext("opspulse-scheduled-report");
/** 08:00 on 3 March in Shanghai: the daily report of 2 March (GMV 500, target 1 000). */
const EVENT = { report: "daily", timeZone: "Asia/Shanghai", scheduledTime: "2026-03-03T00:00:00Z" };
const clock = clockAt(EVENT.scheduledTime);

/** One "process": its own adapters on the shared folder, behind the real handler. */
async function invoke(outDir: string) {
  const { deps, close } = await world.open(outDir, { clock });
  const handler = createScheduledReportHandler({
    deps: async () => deps,
    observability: createObservability("opspulse-scheduled-report"),
    clock,
  });
  try {
    return await handler(EVENT, context);
  } finally {
    await close();
  }
}

describe("duplicate and concurrent scheduled events (embedded runtime)", () => {
  it("the same event twice: the second run sends nothing and runs no query", async () => {
    const out = world.newOut("twice");

    const first = await invoke(out);
    const second = await invoke(out);

    expect(first.outcome).toBe("ok");
    expect(second.outcome).toBe("skipped_already_delivered");
    expect(second.queries).toBe(0);
    // One managers email, one GMV breach alert: nothing lost, nothing twice.
    expect(countByList(outbox(out))).toEqual({ managers: 1, "on-call": 1 });
    const emailed = outbox(out).find((e) => e.list === "managers");
    expect(emailed?.to).toBe("ops-director@example.com");
    expect(emailed?.subject).toContain("1 breach");
    expect(
      runLog(out)
        .filter((line) => line.type === "report_run")
        .map((l) => l.outcome),
    ).toEqual(["ok", "skipped_already_delivered"]);
    recordFault({
      area: "Duplicate triggers",
      fault: "same scheduled event delivered twice (local)",
      expected: "one email per list; second run skipped",
      observed: `emails ${JSON.stringify(countByList(outbox(out)))}; second run ${second.outcome.replaceAll("_", " ")}, ${second.queries} queries`,
    });
  });

  it("the same event 20 times at once: one email per list and per alert", async () => {
    const out = world.newOut("twenty");

    const results = await Promise.all(Array.from({ length: 20 }, () => invoke(out)));

    const managerStatuses = results.map(
      (r) => r.emails.find((email) => email.list === "managers")?.status,
    );
    expect(managerStatuses.filter((s) => s === "sent")).toHaveLength(1);
    expect(managerStatuses.filter((s) => s === "already_delivered")).toHaveLength(19);
    expect(countByList(outbox(out))).toEqual({ managers: 1, "on-call": 1 });
    // One delivery record per key, each completed with the message id of the one email.
    const records = deliveryRecords(out);
    expect(Object.keys(records).sort()).toEqual([
      "notify:daily:2026-03-02:on-call:email:email",
      "report:daily:2026-03-02:managers",
    ]);
    for (const record of Object.values(records)) expect(record.state).toBe("delivered");
    // Every run logged its outcome; none failed.
    const reportRuns = runLog(out).filter((line) => line.type === "report_run");
    expect(reportRuns).toHaveLength(20);
    expect(reportRuns.filter((line) => line.outcome === "failed")).toEqual([]);
    recordFault({
      area: "Duplicate triggers",
      fault: "same scheduled event 20× concurrently, shared out dir (local)",
      expected: "exactly one email per list and per alert",
      observed: `emails ${JSON.stringify(countByList(outbox(out)))}; managers: 1 sent, ${managerStatuses.filter((s) => s === "already_delivered").length} already delivered; 0 failed runs`,
    });
  });
});
