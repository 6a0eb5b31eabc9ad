/**
 * Fault: a run is killed between claiming a delivery and recording it — right after the
 * claim, or after the send but before the record. Its claim stays "sending".
 *
 * Expected: a re-run while the claim's lease holds (the killed run's deadline) fails, naming
 * the run and the lease ("delivery in progress or interrupted (run …, until …)"), never
 * "ok, already delivered"; after the lease a run takes the claim over and sends, with the
 * same Message-ID as the killed run's copy (a client that got it shows one message).
 * Locally a claim whose process is gone is taken over at once. On S3 the takeover is an
 * `If-Match` write: of two takers one wins, and the loser sends nothing.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsDeliveryLog } from "../../functions/lib/adapters/fs-store.ts";
import { runReportWithAlerts } from "../../functions/lib/alerts/on-call.ts";
import type { DeliveryLog } from "../../functions/lib/ports.ts";
import { deliveryMessageId } from "../../functions/lib/report/mime.ts";
import { ReportRunError, runReport } from "../../functions/lib/report/run-report.ts";
import { type AwsWorld, createAwsWorld, sendsByRecipient } from "./support/aws-world.ts";
import {
  clockAt,
  countByList,
  createLocalWorld,
  deliveryRecords,
  type LocalWorld,
  outbox,
} from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

const KEY = "report:daily:2026-03-02:managers";
const REQUEST = { report: "daily", date: "2026-03-02" } as const;
/** The scheduled run, 5 minutes later (inside a 15-minute lease), and 16 minutes later. */
const T0 = "2026-03-03T00:00:00Z";
const SOON = clockAt("2026-03-03T00:05:00Z");
const AFTER_LEASE = clockAt("2026-03-03T00:16:00Z");
/** Settling waits of a few polls keep the cases fast. */
const claimWait = { timeoutMs: 300, pollMs: 50 };

let world: LocalWorld;
let aws: AwsWorld;
beforeAll(async () => {
  [world, aws] = await Promise.all([createLocalWorld(), createAwsWorld()]);
});
afterAll(async () => {
  world?.close();
  await aws?.close();
});

/** A delivery log whose process dies (never answers again) at `moment` of the report's key. */
function dyingAt(log: DeliveryLog, moment: "claim" | "complete"): DeliveryLog {
  const never = new Promise<never>(() => {});
  return {
    ...log,
    async claim(record) {
      const claimed = await log.claim(record);
      return moment === "claim" && record.idempotencyKey === KEY ? never : claimed;
    },
    async complete(record) {
      return moment === "complete" && record.idempotencyKey === KEY ? never : log.complete(record);
    },
  };
}

describe("a run killed between its delivery claim and its record", () => {
  it("killed after sending: a re-run within the lease fails; after it, one takeover, same Message-ID", async () => {
    const out = world.newOut("killed-after-send");
    const first = await world.open(out, { clock: clockAt(T0) });
    // The killed run: it sends, then never records (its promise never settles).
    void runReportWithAlerts(
      { ...first.deps, deliveries: dyingAt(first.deps.deliveries, "complete") },
      { ...REQUEST, runId: "killed" },
    );
    await expect.poll(() => countByList(outbox(out)).managers, { timeout: 60_000 }).toBe(1);
    expect(deliveryRecords(out)[KEY]).toMatchObject({ runId: "killed", state: "sending" });

    const rerun = await world.open(out, { clock: SOON });
    const refused = await runReportWithAlerts(
      { ...rerun.deps, claimWait },
      { ...REQUEST, runId: "rerun" },
    ).catch((error: unknown) => error as ReportRunError);
    expect(refused).toBeInstanceOf(ReportRunError);
    const message = (refused as ReportRunError).message;
    expect(message).toBe(
      `${KEY}: delivery in progress or interrupted (run killed, until 2026-03-03T00:15:00.000Z): a later run takes it over after that time (locally: at once when that run's process is gone)`,
    );
    expect(countByList(outbox(out)).managers).toBe(1);

    const later = await world.open(out, { clock: AFTER_LEASE });
    const takeover = await runReportWithAlerts(
      { ...later.deps, claimWait },
      { ...REQUEST, runId: "takeover" },
    );
    expect(takeover.outcome).toBe("ok");
    expect(takeover.emails.map((e) => [e.list, e.status])).toEqual([["managers", "sent"]]);
    const copies = outbox(out).filter((email) => email.list === "managers");
    expect(copies.map((c) => c.run)).toEqual(["killed", "takeover"]);
    const ids = new Set(copies.map((c) => c.headers["message-id"]));
    expect([...ids]).toEqual([
      deliveryMessageId({ idempotencyKey: KEY, from: copies[0]?.headers.from ?? "" }),
    ]);
    expect(deliveryRecords(out)[KEY]).toMatchObject({ runId: "takeover", state: "delivered" });

    // And then the delivery is done: a further run is "already delivered".
    const again = await runReportWithAlerts({ ...later.deps, claimWait }, REQUEST);
    expect(again.outcome).toBe("skipped_already_delivered");
    await Promise.all([rerun.close(), later.close()]);
    recordFault({
      area: "Interrupted runs",
      fault: "run killed after the managers' send, before recording it (local)",
      expected:
        "re-run within the lease fails naming run and lease; after it one takeover with the same Message-ID",
      observed: `re-run at +5 min: "…delivery in progress or interrupted (run killed, until 00:15Z)…"; at +16 min: ${takeover.outcome}, ${copies.length} copies, ${ids.size} Message-ID; next run ${again.outcome.replaceAll("_", " ")}`,
    });
  });

  it("killed right after the claim: no email until the lease ends, then exactly one", async () => {
    const out = world.newOut("killed-after-claim");
    const first = await world.open(out, { clock: clockAt(T0) });
    void runReport(
      { ...first.deps, deliveries: dyingAt(first.deps.deliveries, "claim") },
      { ...REQUEST, runId: "killed" },
    );
    await expect.poll(() => deliveryRecords(out)[KEY]?.state, { timeout: 60_000 }).toBe("sending");

    const rerun = await world.open(out, { clock: SOON });
    const refused = await runReport({ ...rerun.deps, claimWait }, REQUEST).catch(
      (error: unknown) => error as ReportRunError,
    );
    expect(refused).toBeInstanceOf(ReportRunError);
    expect((refused as ReportRunError).summary.outcome).toBe("failed");
    expect(countByList(outbox(out)).managers).toBeUndefined();

    const later = await world.open(out, { clock: AFTER_LEASE });
    const takeover = await runReport({ ...later.deps, claimWait }, REQUEST);
    expect(takeover.emails.map((e) => e.status)).toEqual(["sent"]);
    expect(countByList(outbox(out)).managers).toBe(1);
    await Promise.all([rerun.close(), later.close()]);
    recordFault({
      area: "Interrupted runs",
      fault: "run killed right after claiming the managers' delivery (local)",
      expected: "re-run within the lease fails (never ok); after it the email is sent once",
      observed: `re-run at +5 min: ${(refused as ReportRunError).summary.outcome}, 0 emails; at +16 min: ${takeover.outcome}, ${countByList(outbox(out)).managers} email`,
    });
  });

  it("a claim whose process is gone is taken over at once (local)", async () => {
    const out = world.newOut("owner-gone");
    const dir = join(out, "deliveries");
    // Another process claims the delivery and exits without sending (as if killed).
    const store = resolve(import.meta.dirname, "../../functions/lib/adapters/fs-store.ts");
    const child = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { createFsDeliveryLog } = await import(${JSON.stringify(store)});
         await createFsDeliveryLog({ dir: ${JSON.stringify(dir)} }).claim({
           idempotencyKey: ${JSON.stringify(KEY)}, runId: "gone", state: "sending",
           deliveredAt: "2026-03-03T00:00:00.000Z", leaseUntil: "2026-03-03T00:15:00.000Z" });`,
      ],
      { encoding: "utf8" },
    );
    expect(child.status, child.stderr).toBe(0);
    const claim = deliveryRecords(out)[KEY];
    expect(claim).toMatchObject({ runId: "gone", owner: { pid: child.pid } });
    const log = createFsDeliveryLog({ dir });
    const stored = await log.get(KEY);
    expect(stored && (await log.ownerGone?.(stored))).toBe(true);

    const rerun = await world.open(out, { clock: SOON });
    const taken = await runReport({ ...rerun.deps, claimWait }, REQUEST);
    expect(taken.emails.map((e) => e.status)).toEqual(["sent"]);
    expect(countByList(outbox(out)).managers).toBe(1);
    await rerun.close();
    recordFault({
      area: "Interrupted runs",
      fault: "a claim left by a process that has exited (local, within its lease)",
      expected: "taken over at once (pid + host recorded), sent once",
      observed: `claim by an exited process of this host; re-run at +5 min (lease until +15): ${taken.outcome}, ${countByList(outbox(out)).managers} email`,
    });
  });

  it("two containers take over one expired claim on S3: If-Match lets one through", async () => {
    const prefix = "takeover";
    const seed = aws.deps({ clock: clockAt(T0), prefix });
    await seed.deliveries.claim({
      idempotencyKey: KEY,
      runId: "killed",
      deliveredAt: "2026-03-03T00:00:00.000Z",
      state: "sending",
      leaseUntil: "2026-03-03T00:15:00.000Z",
    });
    const objectKey = `${prefix}/deliveries/${encodeURIComponent(KEY)}.json`;
    // Just before the first taker's If-Match write lands, a competitor takes the claim over.
    let competed = false;
    aws.fault = async (call) => {
      if (competed || call.command !== "PutObjectCommand" || call.input.Key !== objectKey) return;
      if (call.input.IfMatch === undefined) return;
      competed = true;
      const current = await seed.deliveries.get(KEY);
      if (!current) throw new Error("the seeded claim is gone");
      const won = await seed.deliveries.takeOver(
        {
          idempotencyKey: KEY,
          runId: "competitor",
          deliveredAt: "2026-03-03T00:16:00.000Z",
          state: "sending",
          leaseUntil: "2026-03-03T00:31:00.000Z",
        },
        current,
      );
      if (!won) throw new Error("the competitor should win the takeover");
    };
    const sentBefore = aws.sent.length;
    const failed = await runReport(
      { ...aws.deps({ clock: AFTER_LEASE, prefix }), claimWait },
      { ...REQUEST, runId: "taker" },
    ).catch((error: unknown) => error as ReportRunError);
    aws.fault = undefined;

    const ifMatch = aws.bucket.mock
      .commandCalls(PutObjectCommand)
      .filter((c) => c.args[0].input.Key === objectKey && c.args[0].input.IfMatch !== undefined);
    expect(ifMatch).toHaveLength(2); // the competitor's, then the taker's (412)
    expect(failed).toBeInstanceOf(ReportRunError);
    expect((failed as ReportRunError).message).toContain(
      "delivery in progress or interrupted (run competitor, until 2026-03-03T00:31:00.000Z)",
    );
    const managerSends = aws.sent
      .slice(sentBefore)
      .filter((s) => s.to.includes("ops-director@example.com"));
    expect(managerSends).toHaveLength(0);

    // Past the competitor's lease too, one run takes over and sends once.
    const last = await runReport(
      { ...aws.deps({ clock: clockAt("2026-03-03T00:32:00Z"), prefix }), claimWait },
      REQUEST,
    );
    expect(last.emails.map((e) => e.status)).toEqual(["sent"]);
    expect(sendsByRecipient(aws.sent.slice(sentBefore))).toEqual({ "ops-director@example.com": 1 });
    recordFault({
      area: "Interrupted runs",
      fault: "two containers take over one expired claim at once (S3 If-Match)",
      expected: "one takeover wins; the other sends nothing and fails naming the holder",
      observed: `${ifMatch.length} If-Match writes, 1 × 412; loser: "…in progress or interrupted (run competitor, …)", 0 sends; after that lease: 1 send`,
    });
  });
});
