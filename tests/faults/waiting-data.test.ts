/**
 * Fault: the report day's orders partition is late at report time.
 *
 * Expected with `wait_for_complete_data` (15-minute checks, a 2-hour deadline): nothing
 * stored and nothing sent to managers while the data is missing; on-call gets one "waiting
 * for data" notice, not one per check; the report goes out once, complete, at the first
 * check that finds the data — saying how long it waited and for what. Data that never
 * arrives: the report goes out at the deadline, marked incomplete, and on-call is paged
 * once with what is still missing.
 *
 * Through the real pipeline in-process (DuckDB over the small lake, the filesystem stores,
 * the outbox), with a clock the sleeper advances instead of sleeping.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../functions/lib/ports.ts";
import type { WaitCheck } from "../../functions/lib/waiting/check.ts";
import { runWaitingLocally } from "../../functions/lib/waiting/local-wait.ts";
import { DEFAULT_WAIT_POLICY } from "../../functions/lib/waiting/policy.ts";
import { lateOrdersLake } from "./support/late-orders.ts";
import {
  countByList,
  createLocalWorld,
  type LocalWorld,
  outbox,
  runLog,
} from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

const DAY = "2026-03-02";
/** 08:00 in Shanghai the morning after: when the daily schedule fires. */
const SCHEDULED = Date.parse("2026-03-03T00:00:00Z");

let world: LocalWorld;

beforeAll(async () => {
  world = await createLocalWorld();
});
afterAll(() => world?.close());

/** A clock that only the sleeper moves, and the sleeper. */
function virtualTime(onSleep: (sleeps: number) => void = () => {}) {
  let now = SCHEDULED;
  let sleeps = 0;
  const clock: Clock = { now: () => new Date(now) };
  const sleep = async (ms: number) => {
    now += ms;
    sleeps += 1;
    onSleep(sleeps);
  };
  return { clock, sleep };
}

async function waitFor(lake: string, out: string, onSleep?: (sleeps: number) => void) {
  const { clock, sleep } = virtualTime(onSleep);
  const opened = await world.open(out, { clock, lakeDir: lake });
  const checks: WaitCheck[] = [];
  try {
    const summary = await runWaitingLocally(
      opened.deps,
      { report: "daily", date: DAY },
      { policy: DEFAULT_WAIT_POLICY, sleep, onCheck: (check) => checks.push(check) },
    );
    return { summary, checks };
  } finally {
    await opened.close();
  }
}

describe("orders data late at report time, waiting for it", () => {
  it("sends one complete report after the third check, and one waiting notice", async () => {
    const lake = await lateOrdersLake(world, "late-orders", DAY);
    const out = world.newOut("late-orders");
    // The partition lands while the run sleeps after its second check.
    const { summary, checks } = await waitFor(lake.lakeDir, out, (sleeps) => {
      if (sleeps === 2) lake.land();
    });

    expect(checks.map((c) => c.kind)).toEqual(["waiting", "waiting", "done"]);
    expect(checks[0]?.kind === "waiting" && checks[0].missing.map((i) => i.table)).toEqual([
      "orders",
    ]);
    expect(summary.outcome).toBe("ok");
    expect(summary.dataIssues).toEqual([]);

    const emails = outbox(out);
    // The complete day is judged: on-call's one message of the run is GMV's breach (500
    // against 1 000), with no data alert in it.
    expect(countByList(emails)).toEqual({ managers: 1, "on-call": 1, "on-call.waiting": 1 });
    const onCall = emails.find((e) => e.list === "on-call");
    expect(onCall?.text).toMatch(/GMV/);
    expect(onCall?.text).not.toMatch(/data incomplete|missing/i);
    const managers = emails.find((e) => e.list === "managers");
    expect(managers?.subject).not.toMatch(/data incomplete/);
    expect(managers?.text).toContain("Sent at 08:30 after waiting 30 min for orders data.");
    const waiting = emails.find((e) => e.list === "on-call.waiting");
    expect(waiting?.subject).toMatch(/^\[OpsPulse\] Waiting for orders data: /);
    expect(waiting?.text).toContain(`orders: partition dt=${DAY} is missing`);

    // One snapshot: the held checks stored nothing.
    const runs = runLog(out).filter((line) => line.type === "report_run");
    expect(runs.map((r) => r.outcome)).toEqual(["waiting_for_data", "waiting_for_data", "ok"]);
    expect(runs.map((r) => r.snapshot)).toEqual([
      null,
      null,
      expect.objectContaining({ revision: 1 }),
    ]);
    const waits = runLog(out).filter((line) => line.type === "data_wait");
    expect(waits.map((w) => [w.check, w.state])).toEqual([
      [1, "waiting"],
      [2, "waiting"],
      [3, "sent_complete"],
    ]);
    recordFault({
      area: "Late data",
      fault: "the day's orders partition lands 30 min after the schedule (wait_for_complete_data)",
      expected: "held until complete; one complete email; one waiting notice",
      observed: `checks ${checks.map((c) => c.kind).join(", ")}; emails ${JSON.stringify(countByList(emails))}`,
    });
  });

  it("sends the report marked incomplete at the deadline, and pages on-call once", async () => {
    const lake = await lateOrdersLake(world, "never", DAY);
    const out = world.newOut("never");
    const { summary, checks } = await waitFor(lake.lakeDir, out);

    // Checks at 08:00, 08:15 … 09:45 hold; the one at 10:00 (the deadline) sends.
    expect(checks.length).toBe(9);
    expect(checks.at(-1)?.kind).toBe("done");
    expect(summary.outcome).toBe("ok");
    expect(summary.dataIssues).toEqual([
      expect.objectContaining({ table: "orders", partition: DAY, kind: "missing_partition" }),
    ]);

    const emails = outbox(out);
    // One page (on-call's one message of the run) naming what is still missing.
    expect(countByList(emails)).toEqual({ managers: 1, "on-call": 1, "on-call.waiting": 1 });
    const managers = emails.find((e) => e.list === "managers");
    expect(managers?.subject).toMatch(/data incomplete$/);
    expect(managers?.text).toContain("Sent at 10:00 after waiting 120 min for orders data.");
    const page = emails.find((e) => e.list === "on-call");
    expect(page?.text).toContain(`orders dt=${DAY}`);
    recordFault({
      area: "Late data",
      fault: "the day's orders partition never lands (wait_for_complete_data, 2 h deadline)",
      expected: "the incomplete email at the deadline; one page; one waiting notice",
      observed: `${checks.length} checks; emails ${JSON.stringify(countByList(emails))}`,
    });
  });
});
