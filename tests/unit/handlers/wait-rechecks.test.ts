/**
 * The scheduled report handler with `wait_for_complete_data`: a held check creates the next
 * one as a one-time EventBridge Scheduler schedule (at(…), deleted after it fires, invoking
 * the function itself with the scheduler role), duplicate fires of one check create one
 * schedule (ConflictException), and the check that sends leaves none pending.
 *
 * Real DuckDB over the fault world's lake with the day's orders late, the filesystem
 * stores and the outbox; Scheduler is `fake-scheduler.ts` (see there why).
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createSchedulerRechecks } from "../../../functions/lib/adapters/scheduler-rechecks.ts";
import { loadConfig } from "../../../functions/lib/config/load.ts";
import { createObservability } from "../../../functions/lib/runtime/observability.ts";
import { createScheduledReportHandler } from "../../../functions/scheduled-report/index.ts";
import { lateOrdersLake } from "../../faults/support/late-orders.ts";
import {
  countByList,
  createLocalWorld,
  type LocalWorld,
  outbox,
  runLog,
} from "../../faults/support/local-world.ts";
import { lambdaContext } from "./aws-world.ts";
import { fakeScheduler } from "./fake-scheduler.ts";

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

const DAY = "2026-03-02";
const SCHEDULED = "2026-03-03T00:00:00.000Z";
const GROUP = "opspulse-rechecks";
const ROLE = "arn:aws:iam::000000000000:role/opspulse-recheck";
const DEAD_LETTERS = "arn:aws:sqs:eu-west-1:000000000000:opspulse-dead-letters";
const context = lambdaContext("opspulse-scheduled-report");

let world: LocalWorld;

beforeAll(async () => {
  world = await createLocalWorld();
  writeFileSync(
    join(world.configDir, "schedules.yaml"),
    'schedules:\n  daily:\n    cron: "0 8 * * *"\n    wait_for_complete_data: { recheck_every: 15m, deadline: 2h }\n',
  );
});
afterAll(() => world?.close());

/** A handler on a lake whose orders are late, a clock the test moves, and Scheduler. */
async function waitingWorld(name: string, damage?: (lakeDir: string) => void) {
  const lake = await lateOrdersLake(world, name, DAY);
  damage?.(lake.lakeDir);
  const out = world.newOut(name);
  let now = Date.parse(SCHEDULED);
  const clock = { now: () => new Date(now) };
  const opened = await world.open(out, {
    clock,
    lakeDir: lake.lakeDir,
    overrides: { config: loadConfig(world.configDir) },
  });
  const scheduler = fakeScheduler();
  const handler = createScheduledReportHandler({
    deps: async () => opened.deps,
    observability: createObservability("opspulse-test"),
    clock,
    rechecks: async (targetArn) =>
      createSchedulerRechecks({
        sdk: scheduler.sdk,
        group: GROUP,
        roleArn: ROLE,
        targetArn,
        deadLetterArn: DEAD_LETTERS,
      }),
  });
  return {
    lake,
    out,
    scheduler,
    at: (iso: string) => {
      now = Date.parse(iso);
    },
    fire: (event: unknown) => handler(event, context),
    close: () => opened.close(),
  };
}

const scheduleFire = { report: "daily", timeZone: "Asia/Shanghai", scheduledTime: SCHEDULED };

describe("scheduled report waiting for complete data", () => {
  it("re-checks through one-time schedules: one chain under duplicate fires, none left after sending", async () => {
    const w = await waitingWorld("chain");
    try {
      // The schedule's event, delivered twice (Scheduler and Lambda are at-least-once).
      const first = await Promise.all([w.fire(scheduleFire), w.fire(scheduleFire)]);
      expect(first.map((r) => r.outcome)).toEqual(["waiting_for_data", "waiting_for_data"]);
      expect(w.scheduler.created.map((c) => c.Name)).toEqual([
        "opspulse-wait-daily-2026-03-02-c2",
        "opspulse-wait-daily-2026-03-02-c2",
      ]);
      expect([...w.scheduler.pending.keys()]).toEqual([
        `${GROUP}/opspulse-wait-daily-2026-03-02-c2`,
      ]);
      expect(w.scheduler.created[0]).toMatchObject({
        GroupName: GROUP,
        ScheduleExpression: "at(2026-03-03T00:15:00)",
        ScheduleExpressionTimezone: "UTC",
        FlexibleTimeWindow: { Mode: "OFF" },
        ActionAfterCompletion: "DELETE",
        Target: {
          Arn: context.invokedFunctionArn,
          RoleArn: ROLE,
          DeadLetterConfig: { Arn: DEAD_LETTERS },
        },
      });

      // Check 2 fires (twice, again): still missing; one check 3.
      w.at("2026-03-03T00:15:00Z");
      const check2 = w.scheduler.fire("opspulse-wait-daily-2026-03-02-c2");
      expect(check2).toEqual({
        ...scheduleFire,
        recheck: { check: 2, waitedFor: ["orders"] },
      });
      await w.fire(check2);
      await w.fire(check2);
      expect([...w.scheduler.pending.keys()]).toEqual([
        `${GROUP}/opspulse-wait-daily-2026-03-02-c3`,
      ]);
      expect(w.scheduler.created.at(-1)?.ScheduleExpression).toBe("at(2026-03-03T00:30:00)");

      // The orders land; check 3 sends the complete report and schedules nothing more.
      w.lake.land();
      w.at("2026-03-03T00:30:00Z");
      const sent = await w.fire(w.scheduler.fire("opspulse-wait-daily-2026-03-02-c3"));
      expect(sent.outcome).toBe("ok");
      expect(w.scheduler.pending.size).toBe(0);
      expect(w.scheduler.created.length).toBe(4);

      const emails = outbox(w.out);
      expect(countByList(emails).managers).toBe(1);
      expect(countByList(emails)["on-call.waiting"]).toBe(1);
      expect(emails.find((e) => e.list === "managers")?.text).toContain(
        "Sent at 08:30 after waiting 30 min for orders data.",
      );
      const rechecks = runLog(w.out).filter((l) => l.type === "data_wait_recheck");
      expect(rechecks.map((l) => [l.check, l.status])).toEqual([
        [2, expect.stringMatching(/^(created|already_scheduled)$/)],
        [2, expect.stringMatching(/^(created|already_scheduled)$/)],
        [3, "created"],
        [3, "already_scheduled"],
      ]);
    } finally {
      await w.close();
    }
  });

  it("a duplicate of an earlier check that finds the data complete sends and removes the pending re-check", async () => {
    const w = await waitingWorld("late-duplicate");
    try {
      await w.fire(scheduleFire);
      expect(w.scheduler.pending.size).toBe(1);
      w.lake.land();
      w.at("2026-03-03T00:10:00Z");
      // Lambda retries the schedule's event late; the data has landed meanwhile.
      const sent = await w.fire(scheduleFire);
      expect(sent.outcome).toBe("ok");
      expect(w.scheduler.pending.size).toBe(0);
      expect(countByList(outbox(w.out)).managers).toBe(1);
      // It knows it waited from the period's waiting notice, not which data it waited for.
      expect(outbox(w.out).find((e) => e.list === "managers")?.text).toContain(
        "Sent at 08:10 after waiting 10 min for complete data.",
      );
    } finally {
      await w.close();
    }
  });

  it("holds a period without any data too, and at the deadline fails it (on-call paged) rather than mail zeros", async () => {
    const w = await waitingWorld("no-data", (dir) => {
      for (const table of ["events", "orders"]) {
        for (const dt of ["2026-03-01", DAY]) {
          rmSync(join(dir, table, `dt=${dt}`), { recursive: true, force: true });
        }
      }
    });
    try {
      const held = await w.fire(scheduleFire);
      expect(held.outcome).toBe("waiting_for_data");
      w.at("2026-03-03T02:00:00Z");
      await expect(
        w.fire({ ...scheduleFire, recheck: { check: 9, waitedFor: ["events", "orders"] } }),
      ).rejects.toThrow(/No data at all for the daily report 2026-03-02/);
      const emails = countByList(outbox(w.out));
      expect(emails.managers).toBeUndefined();
      expect(emails["on-call.waiting"]).toBe(1);
      expect(emails["on-call.failure"]).toBe(1);
      // The failed deadline check schedules nothing more (check 1 left check 2 pending).
      expect([...w.scheduler.pending.keys()]).toEqual([
        `${GROUP}/opspulse-wait-daily-2026-03-02-c2`,
      ]);
    } finally {
      await w.close();
    }
  });

  it("runs as today when the stack gives no re-check scheduler", async () => {
    const lake = await lateOrdersLake(world, "no-scheduler", DAY);
    const out = world.newOut("no-scheduler");
    const opened = await world.open(out, {
      lakeDir: lake.lakeDir,
      overrides: { config: loadConfig(world.configDir) },
    });
    try {
      const handler = createScheduledReportHandler({
        deps: async () => opened.deps,
        observability: createObservability("opspulse-test"),
        rechecks: async () => undefined,
      });
      const result = await handler(scheduleFire, context);
      expect(result.outcome).toBe("ok");
      expect(countByList(outbox(out))).toMatchObject({ managers: 1, "on-call": 1 });
    } finally {
      await opened.close();
    }
  });
});
