/**
 * Delivery claims with an owner and a lease, on the filesystem delivery log.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFsDeliveryLog } from "../../../functions/lib/adapters/fs-store.ts";
import {
  claimDelivery,
  claimState,
  DeliveryInProgressError,
  leaseFor,
  runDeadline,
  settledRecord,
} from "../../../functions/lib/delivery/claims.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-claims-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let logs = 0;
const freshLog = () => createFsDeliveryLog({ dir: join(root, `log-${logs++}`) });

const KEY = "report:daily:2026-03-01:managers";
const at = (iso: string) => () => new Date(iso);
const claim = (runId: string, leaseUntil = "2026-03-02T00:15:00.000Z") => ({
  idempotencyKey: KEY,
  runId,
  deliveredAt: "2026-03-02T00:00:00.000Z",
  state: "sending" as const,
  leaseUntil,
});
const noWait = { timeoutMs: 0 };

describe("leases", () => {
  it("runs until the caller's deadline, else start + max run time; a claim holds ≥ 5 minutes", () => {
    const start = new Date("2026-03-02T00:00:00Z");
    expect(runDeadline(start, {}).toISOString()).toBe("2026-03-02T00:15:00.000Z");
    expect(runDeadline(start, { maxRunMs: 60_000 }).toISOString()).toBe("2026-03-02T00:01:00.000Z");
    expect(runDeadline(start, { deadline: "2026-03-02T00:03:00Z" }).toISOString()).toBe(
      "2026-03-02T00:03:00.000Z",
    );
    const deadline = new Date("2026-03-02T00:15:00Z");
    expect(leaseFor(deadline, new Date("2026-03-02T00:01:00Z"))).toBe("2026-03-02T00:15:00.000Z");
    expect(leaseFor(deadline, new Date("2026-03-02T00:14:00Z"))).toBe("2026-03-02T00:19:00.000Z");
  });

  it("reads a record as delivered, held within its lease, expired past it (30 min without one)", () => {
    const now = new Date("2026-03-02T00:10:00Z");
    expect(claimState({ ...claim("a"), state: "delivered" }, now)).toBe("delivered");
    expect(claimState(claim("a"), now)).toBe("held");
    expect(claimState(claim("a", "2026-03-02T00:05:00.000Z"), now)).toBe("expired");
    const { leaseUntil: _none, ...legacy } = claim("a");
    expect(claimState(legacy, now)).toBe("held");
    expect(claimState(legacy, new Date("2026-03-02T00:31:00Z"))).toBe("expired");
  });
});

describe("claimDelivery", () => {
  it("claims a fresh key once; any other claim within the lease is in progress", async () => {
    const log = freshLog();
    const now = at("2026-03-02T00:05:00Z");
    expect(await claimDelivery(log, claim("a"), now, noWait)).toEqual({ kind: "claimed" });
    // Not even the same run id claims it twice (two offers of one message).
    expect(await claimDelivery(log, claim("a"), now, noWait)).toMatchObject({
      kind: "in_progress",
    });
    expect(await claimDelivery(log, claim("b"), now, noWait)).toMatchObject({
      kind: "in_progress",
      record: { runId: "a" },
    });
    await expect(settledRecord(log, KEY, now, noWait)).rejects.toBeInstanceOf(
      DeliveryInProgressError,
    );
    await log.complete({ ...claim("a"), state: "delivered", messageId: "<m@example.com>" });
    expect(await claimDelivery(log, claim("b"), now, noWait)).toMatchObject({
      kind: "delivered",
      record: { messageId: "<m@example.com>" },
    });
  });

  it("waits for another run's claim to settle before calling it in progress", async () => {
    const log = freshLog();
    const now = at("2026-03-02T00:05:00Z");
    await log.claim(claim("a"));
    let polls = 0;
    const sleep = async () => {
      if (++polls === 3) await log.complete({ ...claim("a"), state: "delivered" });
    };
    expect(
      await claimDelivery(log, claim("b"), now, { timeoutMs: 1_000, pollMs: 100, sleep }),
    ).toMatchObject({ kind: "delivered" });
    expect(polls).toBe(3);
  });

  it("takes over an expired claim once, however many runs try at the same moment", async () => {
    const log = freshLog();
    await log.claim(claim("killed"));
    const later = at("2026-03-02T00:16:00Z");
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        claimDelivery(log, claim(`taker-${i}`, "2026-03-02T00:31:00.000Z"), later, noWait),
      ),
    );
    const winners = outcomes.filter((o) => o.kind === "claimed");
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ takenOver: { runId: "killed" } });
    expect(outcomes.filter((o) => o.kind === "in_progress")).toHaveLength(9);
  });
});
