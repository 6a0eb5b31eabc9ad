/**
 * Fault: two runs of one period at once (a manual re-run during the scheduled one), each
 * storing its own snapshot revision, deliver interleaved: the first sends one list, the
 * second claims the next list before the first gets to it.
 *
 * Expected: every list of the period is emailed from one snapshot revision, by one run;
 * the other run finds each list delivered. (A period's lists are delivered under one
 * delivery lock, a claim of its own with an owner and a lease.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryLog, Mailer } from "../../functions/lib/ports.ts";
import { runReport } from "../../functions/lib/report/run-report.ts";
import {
  clockAt,
  countByList,
  createLocalWorld,
  deliveryRecords,
  type LocalWorld,
  outbox,
} from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

const RECIPIENTS = [
  "reports:",
  "  daily:",
  "    - { name: managers, locale: en, to: [ops-director@example.com] }",
  "    - { name: managers-zh, locale: zh-CN, to: [yunying@example.com] }",
  "  weekly:",
  "    - { name: managers, to: [ops-director@example.com] }",
  "  campaigns:",
  "    - { name: campaign-team, to: [campaigns@example.com] }",
  "on_call:",
  "  to: [oncall@example.com]",
  "",
].join("\n");
const REQUEST = { report: "daily", date: "2026-03-02" } as const;
const MANAGERS_KEY = "report:daily:2026-03-02:managers";
const ZH_KEY = "report:daily:2026-03-02:managers-zh";
/** Long enough for the other run's whole delivery. */
const claimWait = { timeoutMs: 60_000 };

let world: LocalWorld;
beforeAll(async () => {
  world = await createLocalWorld({ recipients: RECIPIENTS });
});
afterAll(() => world?.close());

describe("two runs of one period delivering at once", () => {
  it("email every list from one snapshot revision", async () => {
    const out = world.newOut("two-revisions");
    const clock = clockAt("2026-03-03T00:00:00Z");
    const a = await world.open(out, { clock });
    const b = await world.open(out, { clock });

    // Force the interleaving: B claims managers only after A has (A is sending it), and A's
    // send of managers waits until B reaches for managers-zh. Looking at the period's
    // delivery lock (held by the other run) counts as both, so that with the lock neither
    // waits for what cannot come.
    const signal = () => {
      let fire: () => void = () => {};
      const fired = new Promise<void>((resolve) => {
        fire = resolve;
      });
      const waitFor = () =>
        Promise.race([fired, new Promise<void>((resolve) => setTimeout(resolve, 30_000))]);
      return { fire: () => fire(), waitFor };
    };
    const aClaimedManagers = signal();
    const bReachedZh = signal();
    const watched = (
      log: DeliveryLog,
      onLock: () => void,
      onClaim: (key: string) => Promise<void> | void,
    ): DeliveryLog => ({
      ...log,
      async claim(record) {
        await onClaim(record.idempotencyKey);
        return log.claim(record);
      },
      get(key) {
        if (key.startsWith("lock:")) onLock();
        return log.get(key);
      },
    });
    const aDeliveries = watched(a.deps.deliveries, aClaimedManagers.fire, () => {});
    const aClaim = aDeliveries.claim;
    aDeliveries.claim = async (record) => {
      const claimed = await aClaim(record);
      if (record.idempotencyKey === MANAGERS_KEY) aClaimedManagers.fire();
      return claimed;
    };
    const bDeliveries = watched(b.deps.deliveries, bReachedZh.fire, async (key) => {
      if (key === MANAGERS_KEY) await aClaimedManagers.waitFor();
      if (key === ZH_KEY) bReachedZh.fire();
    });
    const aMailer: Mailer = {
      async send(email, context) {
        if (email.listName === "managers") await bReachedZh.waitFor();
        return a.deps.mailer.send(email, context);
      },
    };
    const [first, second] = await Promise.all([
      runReport(
        { ...a.deps, mailer: aMailer, deliveries: aDeliveries, claimWait },
        { ...REQUEST, runId: "run-a" },
      ),
      runReport({ ...b.deps, deliveries: bDeliveries, claimWait }, { ...REQUEST, runId: "run-b" }),
    ]);

    // Each run stored its own revision…
    expect([first.snapshot?.revision, second.snapshot?.revision].sort()).toEqual([1, 2]);
    // …and every list went out once, from the same run and the same revision.
    expect(countByList(outbox(out))).toEqual({ managers: 1, "managers-zh": 1 });
    const records = deliveryRecords(out);
    const lists = [
      records["report:daily:2026-03-02:managers"],
      records["report:daily:2026-03-02:managers-zh"],
    ];
    expect(lists.map((r) => r?.state)).toEqual(["delivered", "delivered"]);
    expect(new Set(lists.map((r) => r?.runId)).size).toBe(1);
    expect(new Set(lists.map((r) => r?.snapshotRevision)).size).toBe(1);
    const sender = lists[0]?.runId === "run-a" ? first : second;
    expect(lists[0]?.snapshotRevision).toBe(sender.snapshot?.revision);
    const other = sender === first ? second : first;
    expect(sender.emails.map((e) => e.status)).toEqual(["sent", "sent"]);
    expect(other.emails.map((e) => e.status)).toEqual(["already_delivered", "already_delivered"]);
    await Promise.all([a.close(), b.close()]);
    recordFault({
      area: "Duplicate triggers",
      fault: "two runs of one period at once, storing revisions 1 and 2, delivering interleaved",
      expected: "all lists emailed from one revision by one run; the other finds them delivered",
      observed: `lists sent from revision(s) ${JSON.stringify([...new Set(lists.map((r) => r?.snapshotRevision))])} by ${lists[0]?.runId}; other run: ${other.emails.map((e) => e.status.replaceAll("_", " ")).join(", ")}`,
    });
  });
});
