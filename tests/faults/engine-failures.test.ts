/**
 * Faults of the AWS services a run depends on, injected at the SDK (aws-sdk-client-mock):
 * Athena throttling, a query FAILED with a reason, a query stuck RUNNING past the timeout,
 * S3 answering 500, SES throttling.
 *
 * Expected of each: bounded retries with backoff (injected sleep: nothing waits), then —
 * when the fault outlasts them — one failure notice to on-call, no manager email (nothing
 * partial), a run log line that says what happened; the next run, with the fault gone,
 * delivers normally and sends nothing twice.
 *
 * Each case uses its own day, so that the cases do not see each other's deliveries.
 */
import { PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runReportWithAlerts } from "../../functions/lib/alerts/on-call.ts";
import { ReportRunError, type RunReportSummary } from "../../functions/lib/report/run-report.ts";
import {
  type AwsWorld,
  athenaInternalError,
  athenaThrottled,
  createAwsWorld,
  type FaultHook,
  type SdkCall,
  s3InternalError,
  sendsByRecipient,
  sesThrottled,
} from "./support/aws-world.ts";
import { clockAt } from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

let world: AwsWorld;
beforeAll(async () => {
  world = await createAwsWorld();
});
afterAll(async () => {
  await world?.close();
});

const MANAGERS = "ops-director@example.com";
const ON_CALL = "oncall@example.com";

/** 08:00 on 3 March in Shanghai: the daily report of 2 March (GMV 500, target 1 000). */
const DAY = "2026-03-02";
const clock = clockAt("2026-03-03T00:00:00Z");
let cases = 0;

/** What one run did to the outside world. */
interface Observed {
  readonly summary: RunReportSummary;
  readonly error: ReportRunError | undefined;
  readonly sends: Record<string, number>;
  readonly subjects: string[];
  readonly sleeps: number[];
  readonly log: Record<string, unknown>[];
  /** The SDK calls of the run. */
  readonly calls: SdkCall[];
}

/**
 * A case of its own: stores under their own prefix (fresh deliveries and alert state), so
 * each case starts from "nothing sent yet" for the same day.
 */
function newCase() {
  const prefix = `case-${++cases}/`;
  const subjects: string[] = [];
  /** Runs the day's report with `fault` in place, and says what changed. */
  const run = async (fault?: FaultHook): Promise<Observed> => {
    const sentBefore = world.sent.length;
    const sleepsBefore = world.sleeps.length;
    const callsBefore = world.calls.length;
    const logBefore = new Set(world.bucket.keys(`${prefix}runs/`));
    world.fault = fault;
    let summary: RunReportSummary;
    let error: ReportRunError | undefined;
    try {
      summary = await runReportWithAlerts(world.deps({ clock, prefix }), {
        report: "daily",
        date: DAY,
      });
    } catch (thrown) {
      if (!(thrown instanceof ReportRunError)) throw thrown;
      error = thrown;
      summary = thrown.summary;
    } finally {
      world.fault = undefined;
    }
    const sent = world.sent.slice(sentBefore);
    const observed = {
      summary,
      error,
      sends: sendsByRecipient(sent),
      subjects: sent.map((s) => s.subject),
      sleeps: world.sleeps.slice(sleepsBefore),
      calls: world.calls.slice(callsBefore),
      log: world.bucket
        .keys(`${prefix}runs/`)
        .filter((key) => !logBefore.has(key))
        .map((key) => JSON.parse(world.bucket.objects.get(key)?.body ?? "{}")),
    };
    // Nothing is ever sent twice: no subject repeats within a case.
    for (const subject of observed.subjects) expect(subjects).not.toContain(subject);
    subjects.push(...observed.subjects);
    return observed;
  };
  return { prefix, run };
}

/** The fault fails its first `times` matching calls, then lets them through. */
function failFirst(
  times: number,
  matches: (call: SdkCall) => boolean,
  error: () => unknown,
): FaultHook & { failed: () => number } {
  let failed = 0;
  const hook = (call: SdkCall) => {
    if (failed < times && matches(call)) {
      failed++;
      throw error();
    }
    return undefined;
  };
  return Object.assign(hook, { failed: () => failed });
}

/** Delays of an exponential backoff with "equal jitter": each in [ceiling/2, ceiling]. */
function expectBackoff(delays: readonly number[], baseMs: number, maxMs: number) {
  delays.forEach((delay, attempt) => {
    const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
    expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
    expect(delay).toBeLessThanOrEqual(ceiling);
  });
}

/** The ceilings of the delays, for the report (the delays themselves are jittered). */
function ceilings(delays: readonly number[], baseMs: number, maxMs: number): string {
  return `≤ ${delays.map((_, attempt) => Math.min(maxMs, baseMs * 2 ** attempt)).join(", ")} ms`;
}

/** The failed run: one notice to on-call, nothing to managers, the log says why. */
function expectOneFailureNotice(observed: Observed, reason: RegExp) {
  expect(observed.error?.message).toMatch(reason);
  expect(observed.error?.message).not.toContain("\n");
  expect(observed.sends[MANAGERS]).toBeUndefined();
  expect(observed.sends).toEqual({ [ON_CALL]: 1 });
  expect(observed.subjects[0]).toMatch(/failed/i);
  const run = observed.log.find((line) => line.type === "report_run");
  expect(run).toMatchObject({ outcome: "failed", error: expect.stringMatching(reason) });
  expect(observed.log.find((line) => line.type === "failure_notice")).toMatchObject({
    notice: { status: "sent" },
  });
}

/**
 * The next run after the fault: the managers' email once, and the GMV breach alert unless
 * the failed run had sent it already (never twice: `newCase` checks every subject).
 */
function expectRecovered(observed: Observed, alreadyAlerted: boolean) {
  expect(observed.summary.outcome).toBe("ok");
  expect(observed.sends[MANAGERS]).toBe(1);
  expect(observed.sends[ON_CALL] ?? 0).toBe(alreadyAlerted ? 0 : 1);
}

describe("Athena", () => {
  it("throttled StartQueryExecution: retried with backoff, then the run succeeds", async () => {
    const c = newCase();
    const fault = failFirst(
      3,
      (call) => call.command === "StartQueryExecutionCommand",
      athenaThrottled,
    );
    const observed = await c.run(fault);

    expect(observed.summary.outcome).toBe("ok");
    expect(fault.failed()).toBe(3);
    expect(observed.sleeps).toHaveLength(3);
    expectBackoff(observed.sleeps, 200, 10_000);
    expect(observed.sends).toEqual({ [MANAGERS]: 1, [ON_CALL]: 1 });
    recordFault({
      area: "Engine failures",
      fault: "Athena throttling, 3 calls",
      expected: "retried with backoff; run succeeds",
      observed: `${fault.failed()} throttled, ${observed.sleeps.length} backoff sleeps (${ceilings(observed.sleeps, 200, 10_000)}); ${observed.summary.outcome}, ${observed.sends[MANAGERS]} manager email`,
    });
  });

  it("a 500 from Athena while polling: retried with backoff, then the run succeeds", async () => {
    const c = newCase();
    const fault = failFirst(
      2,
      (call) => call.command === "GetQueryExecutionCommand",
      athenaInternalError,
    );
    const observed = await c.run(fault);

    expect(observed.summary.outcome).toBe("ok");
    expect(fault.failed()).toBe(2);
    expect(observed.sleeps).toHaveLength(2);
    expectBackoff(observed.sleeps, 200, 10_000);
    expect(observed.sends).toEqual({ [MANAGERS]: 1, [ON_CALL]: 1 });
    recordFault({
      area: "Engine failures",
      fault: "Athena 500 (InternalServerException) while polling, twice",
      expected: "retried with backoff; run succeeds",
      observed: `${fault.failed()} × 500, ${observed.sleeps.length} backoff sleeps (${ceilings(observed.sleeps, 200, 10_000)}); ${observed.summary.outcome}, ${observed.sends[MANAGERS]} manager email`,
    });
  });

  it("throttled beyond the retries: one failure notice, no manager email; the next run delivers", async () => {
    const c = newCase();
    const fault = failFirst(
      Number.POSITIVE_INFINITY,
      (call) => call.command === "StartQueryExecutionCommand",
      athenaThrottled,
    );
    const failed = await c.run(fault);

    expectOneFailureNotice(failed, /still throttled after 5 retries/);
    expect(fault.failed()).toBe(6);
    expectBackoff(failed.sleeps, 200, 10_000);
    const recovered = await c.run();
    expectRecovered(recovered, false);
    recordFault({
      area: "Engine failures",
      fault: "Athena throttling that outlasts the retries",
      expected: "bounded retries, one failure notice, no manager email; next run ok",
      observed: `${fault.failed()} attempts; sends ${JSON.stringify(failed.sends)}; log: "${String(failed.log.find((l) => l.type === "report_run")?.error).slice(0, 90)}…"; next run ${recovered.summary.outcome}, ${recovered.sends[MANAGERS]} manager email`,
    });
  });

  it("a query FAILED with a reason: no retry of a query that cannot succeed, the reason is in the notice", async () => {
    const c = newCase();
    const reason = "HIVE_BAD_DATA: Error parsing field value '12,5' for field 4: amount";
    const fault: FaultHook = (call) =>
      call.command === "GetQueryExecutionCommand"
        ? {
            QueryExecution: {
              QueryExecutionId: call.input.QueryExecutionId,
              Status: { State: "FAILED", StateChangeReason: reason },
            },
          }
        : undefined;
    const failed = await c.run(fault);

    expectOneFailureNotice(failed, /failed in Athena \(q-\d+\): HIVE_BAD_DATA/);
    expect(failed.summary.queries).toHaveLength(0);
    // One query started, polled once: a FAILED query is not retried.
    const athenaCalls = failed.calls.filter((call) => call.service === "athena");
    expect(athenaCalls.map((call) => call.command)).toEqual([
      "StartQueryExecutionCommand",
      "GetQueryExecutionCommand",
    ]);
    const recovered = await c.run();
    expectRecovered(recovered, false);
    recordFault({
      area: "Engine failures",
      fault: "Athena query FAILED with a reason",
      expected: "one failure notice naming the reason; next run ok",
      observed: `error "${failed.error?.message.slice(0, 80)}…"; sends ${JSON.stringify(failed.sends)}; next run ${recovered.summary.outcome}`,
    });
  });

  it("a query stuck RUNNING past the timeout: polled with backoff, stopped, one notice", async () => {
    const c = newCase();
    const fault: FaultHook = (call) =>
      call.command === "GetQueryExecutionCommand"
        ? {
            QueryExecution: {
              QueryExecutionId: call.input.QueryExecutionId,
              Status: { State: "RUNNING" },
            },
          }
        : undefined;
    const stopsBefore = world.calls.filter((c) => c.command === "StopQueryExecutionCommand").length;
    const failed = await c.run(fault);

    expectOneFailureNotice(failed, /did not finish within 60 s, so opspulse stopped it/);
    const stops = world.calls.filter((c) => c.command === "StopQueryExecutionCommand");
    expect(stops.length - stopsBefore).toBe(1);
    // Polls back off from 200 ms to at most 5 s, and stop at the 60 s timeout.
    expect(failed.sleeps.length).toBeLessThan(25);
    expect(failed.sleeps.slice(0, 5)).toEqual([200, 400, 800, 1600, 3200]);
    expect(Math.max(...failed.sleeps)).toBeLessThanOrEqual(5000);
    expect(failed.sleeps.reduce((a, b) => a + b, 0)).toBe(60_000);
    const recovered = await c.run();
    expectRecovered(recovered, false);
    recordFault({
      area: "Engine failures",
      fault: "Athena query stuck RUNNING past the 60 s timeout",
      expected: "polls back off, query stopped, one failure notice; next run ok",
      observed: `${failed.sleeps.length} polls over ${failed.sleeps.reduce((a, b) => a + b, 0) / 1000} s (virtual), ${stops.length - stopsBefore} StopQueryExecution; sends ${JSON.stringify(failed.sends)}; next run ${recovered.summary.outcome}`,
    });
  });
});

describe("S3", () => {
  it("500s on writes: retried with backoff, then the run succeeds", async () => {
    const c = newCase();
    const fault = failFirst(
      2,
      (call) =>
        call.command === "PutObjectCommand" &&
        String(call.input.Key).startsWith(`${c.prefix}snapshots/daily/`),
      s3InternalError,
    );
    const observed = await c.run(fault);

    expect(observed.error?.message).toBeUndefined();
    expect(observed.summary.outcome).toBe("ok");
    expect(fault.failed()).toBe(2);
    expect(observed.sleeps).toHaveLength(2);
    expectBackoff(observed.sleeps, 50, 2_000);
    expect(observed.sends[MANAGERS]).toBe(1);
    expect(world.bucket.keys(`${c.prefix}snapshots/daily/${DAY}/`)).toEqual([
      `${c.prefix}snapshots/daily/${DAY}/r001.json`,
    ]);
    recordFault({
      area: "Engine failures",
      fault: "S3 500 on the snapshot write, twice",
      expected: "retried with backoff; one snapshot revision; run succeeds",
      observed: `${fault.failed()} × 500, then ${world.bucket.keys(`${c.prefix}snapshots/daily/${DAY}/`).length} revision stored; ${observed.summary.outcome}, ${observed.sends[MANAGERS]} manager email`,
    });
  });

  it("a claim S3 applied but answered 500: the retry finds its own claim and sends once", async () => {
    const c = newCase();
    const key = `${c.prefix}deliveries/report%3Adaily%3A${DAY}%3Amanagers.json`;
    let applied = 0;
    const fault: FaultHook = async (call) => {
      if (call.command !== "PutObjectCommand" || call.input.Key !== key || applied > 0) return;
      applied++;
      await world.bucket.client.send(
        new PutObjectCommand(call.input as unknown as PutObjectCommandInput),
      );
      throw s3InternalError();
    };
    const observed = await c.run(fault);

    expect(applied).toBe(1);
    expect(observed.summary.outcome).toBe("ok");
    expect(observed.sends[MANAGERS]).toBe(1);
    expect(JSON.parse(world.bucket.objects.get(key)?.body ?? "{}")).toMatchObject({
      state: "delivered",
    });
    recordFault({
      area: "Engine failures",
      fault: "S3 applies the delivery claim but answers 500",
      expected: "the retry recognises its own claim; the email is sent once, not lost",
      observed: `claim written then 500; ${observed.summary.outcome}, ${observed.sends[MANAGERS]} manager email, record ${JSON.parse(world.bucket.objects.get(key)?.body ?? "{}").state}`,
    });
  });

  it("500s that outlast the retries: one failure notice, no manager email; the next run delivers", async () => {
    const c = newCase();
    const fault = failFirst(
      Number.POSITIVE_INFINITY,
      (call) =>
        call.command === "PutObjectCommand" &&
        String(call.input.Key).startsWith(`${c.prefix}snapshots/daily/`),
      s3InternalError,
    );
    const failed = await c.run(fault);

    expectOneFailureNotice(
      failed,
      /S3 PutObject s3:\/\/.*snapshots\/daily\/2026-03-02\/r001\.json failed: InternalError/,
    );
    expect(fault.failed()).toBeGreaterThan(1);
    expect(fault.failed()).toBeLessThanOrEqual(10);
    const recovered = await c.run();
    expectRecovered(recovered, false);
    recordFault({
      area: "Engine failures",
      fault: "S3 500 on every snapshot write",
      expected: "bounded retries, one failure notice, no manager email; next run ok",
      observed: `${fault.failed()} attempts; sends ${JSON.stringify(failed.sends)}; next run ${recovered.summary.outcome}, ${recovered.sends[MANAGERS]} manager email`,
    });
  });
});

describe("SES", () => {
  const toManagers = (call: SdkCall) =>
    call.command === "SendEmailCommand" &&
    JSON.stringify(call.input.Destination).includes(MANAGERS);

  it("throttled sends: retried with backoff, one email", async () => {
    const c = newCase();
    const fault = failFirst(2, toManagers, sesThrottled);
    const observed = await c.run(fault);

    expect(observed.summary.outcome).toBe("ok");
    expect(fault.failed()).toBe(2);
    expect(observed.sends[MANAGERS]).toBe(1);
    expectBackoff(observed.sleeps, 500, 8_000);
    recordFault({
      area: "Engine failures",
      fault: "SES throttling, 2 sends",
      expected: "retried with backoff; one email",
      observed: `${fault.failed()} throttled, ${observed.sleeps.length} backoff sleeps (${ceilings(observed.sleeps, 500, 8_000)}); ${observed.sends[MANAGERS]} manager email`,
    });
  });

  it("throttled beyond the retries: claim released, one failure notice; the next run sends once", async () => {
    const c = newCase();
    const fault = failFirst(Number.POSITIVE_INFINITY, toManagers, sesThrottled);
    const failed = await c.run(fault);

    expect(fault.failed()).toBe(5);
    // The breach alert went out before the managers' send failed; the failure notice after.
    expect(failed.sends).toEqual({ [ON_CALL]: 2 });
    expect(failed.error?.message).toMatch(
      /1 of 1 emails failed to send .*still throttled after 4 retries/,
    );
    expect(
      world.bucket.objects.has(`${c.prefix}deliveries/report%3Adaily%3A${DAY}%3Amanagers.json`),
    ).toBe(false);
    expect(failed.log.find((l) => l.type === "report_run")).toMatchObject({
      outcome: "failed",
      recipients: [expect.objectContaining({ list: "managers", status: "failed" })],
    });
    const recovered = await c.run();
    expectRecovered(recovered, true);
    recordFault({
      area: "Engine failures",
      fault: "SES throttling that outlasts the retries",
      expected: "claim released, one failure notice; next run sends once",
      observed: `${fault.failed()} attempts; sends ${JSON.stringify(failed.sends)} (alert + failure notice); next run ${recovered.summary.outcome}, ${recovered.sends[MANAGERS]} manager email, ${recovered.sends[ON_CALL] ?? 0} repeated alerts`,
    });
  });
});
