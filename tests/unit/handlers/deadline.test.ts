/**
 * A scheduled run that reaches its deadline, through the exported handler with a fake
 * Lambda context that has 90 s left (so the run's deadline is 60 s away): the alert's
 * channel-breakdown query stays RUNNING in Athena while the clock moves 20 s a poll. The
 * run must stop the query (StopQueryExecution), release the alert's delivery claim, fail
 * with one failure notice to on-call and no manager email, all before Lambda would kill
 * it; a re-run with time to spare then sends the alert and the report once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { handler } from "../../../functions/scheduled-report/index.ts";
import { type AwsWorld, createAwsWorld, lambdaContext, stubAwsRuntimeEnv } from "./aws-world.ts";

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

let world: AwsWorld;
const FIRE = "2026-03-03T00:00:00Z"; // 08:00 in Shanghai: the report of 2 March
const event = { report: "daily", timeZone: "Asia/Shanghai", scheduledTime: FIRE };
const isBreakdown = (sql: string) => sql.includes("active_users_previous");

beforeAll(async () => {
  world = await createAwsWorld({ everyClient: true });
  stubAwsRuntimeEnv(world);
  vi.useFakeTimers({ toFake: ["Date"] });
});
afterAll(async () => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  await world?.close();
});

describe("a run at its deadline", () => {
  it("stops the Athena query, releases its claim and sends on-call one failure notice", async () => {
    vi.setSystemTime(new Date(FIRE));
    const deadline = Date.now() + 90_000 - 30_000;
    world.stall = (sql) => {
      if (!isBreakdown(sql)) return false;
      vi.setSystemTime(Date.now() + 20_000); // the query runs on; time passes
      return true;
    };

    await expect(
      handler(event, lambdaContext("opspulse-scheduled-report", 90_000)),
    ).rejects.toThrow(
      /alert_breakdown .*was still running at the run's deadline .*so opspulse stopped it/,
    );

    // The query was stopped, once, and the run stopped waiting at its deadline, not later.
    const breakdownIds = world.started
      .map((query, i) => (isBreakdown(String(query.QueryString)) ? `q-${i + 1}` : undefined))
      .filter(Boolean);
    expect(world.stopped).toEqual(breakdownIds);
    expect(world.stopped).toHaveLength(1);
    expect(Date.now()).toBeLessThan(deadline + 20_000);

    // On-call got one failure notice, managers nothing.
    const sent = await world.sentEmails();
    expect(sent.map((email) => email.destination.to.join())).toEqual([
      expect.stringContaining("oncall@example.com"),
    ]);
    expect(sent[0]?.body.text).toMatch(/deadline/);

    // The alert's claim was released: the only delivery record is the notice's, delivered.
    const records = world.bucket
      .keys("deliveries/")
      .map((key) => JSON.parse(world.bucket.objects.get(key)?.body ?? "{}"));
    expect(records.map((record) => [record.idempotencyKey, record.state])).toEqual([
      [expect.stringMatching(/^failure:daily:2026-03-02:/), "delivered"],
    ]);

    // With time to spare, the re-run sends the breach alert and the report, once each.
    world.stall = undefined;
    vi.setSystemTime(new Date(FIRE));
    const rerun = await handler(event, lambdaContext("opspulse-scheduled-report"));
    expect(rerun).toMatchObject({ outcome: "ok", periodKey: "2026-03-02" });
    const all = await world.sentEmails();
    expect(all).toHaveLength(3);
    expect(
      all.filter((e) => e.destination.to.join().includes("ops-director@example.com")),
    ).toHaveLength(1);
  }, 30_000);
});
