/**
 * The ad-hoc run Lambda: valid payloads run the report (Athena answering from DuckDB, the
 * fake S3 bucket, a live aws-ses-v2-local) and return a summary; wrong payloads — written
 * by hand and generated — get a one-line 400 result and open nothing.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type AdhocResult, createAdhocRunHandler } from "../../../functions/adhoc-run/index.ts";
import type { OnCallDeps } from "../../../functions/lib/alerts/on-call.ts";
import { lazyLambdaDeps } from "../../../functions/lib/runtime/lambda.ts";
import { createObservability } from "../../../functions/lib/runtime/observability.ts";
import { type AwsWorld, createAwsWorld, lambdaContext } from "./aws-world.ts";

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

let world: AwsWorld;
const context = lambdaContext("opspulse-adhoc-run");
const clock = { now: () => new Date("2026-03-04T02:00:00Z") };
const observability = createObservability("opspulse-adhoc-run-test");

function environment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...extra,
    OPSPULSE_RUNTIME: "aws",
    OPSPULSE_ATHENA_WORKGROUP: "opspulse",
    OPSPULSE_ATHENA_DATABASE: "opspulse_lake",
    OPSPULSE_STATE_BUCKET: "opspulse-state.example.com",
    OPSPULSE_CONFIG_DIR: world.configDir,
    OPSPULSE_TEMPLATES_DIR: world.templatesDir,
  };
}

/** The handler over the world, counting how often it opened its dependencies. */
function adhocHandler(
  athena: AthenaClient = world.athena,
  remainingMs = 600_000,
  env: Record<string, string> = {},
) {
  const open = lazyLambdaDeps(environment(env), {
    clients: { athena, s3: world.bucket.client, ses: world.ses },
    clock,
  });
  const opened = { count: 0 };
  const deps = (): Promise<OnCallDeps> => {
    opened.count++;
    return open();
  };
  const handler = createAdhocRunHandler({ deps, observability });
  const invocation = lambdaContext("opspulse-adhoc-run", remainingMs);
  return {
    opened,
    invoke: (payload: unknown) => handler(payload, invocation) as Promise<AdhocResult>,
  };
}

beforeAll(async () => {
  world = await createAwsWorld();
});
afterAll(async () => {
  await world?.close();
});

describe("adhoc-run handler", () => {
  it("previews a dry run: rendered, nothing stored, nothing sent", async () => {
    const result = await adhocHandler().invoke({
      report: "daily",
      date: "2026-03-02",
      dryRun: true,
    });

    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    const [run] = result.runs;
    expect(run).toMatchObject({ periodKey: "2026-03-02", outcome: "dry_run", snapshot: null });
    expect(run?.emails.map((email) => email.status)).toEqual(["preview"]);
    expect(run?.emails[0]?.subject).toMatch(/2026/);
    expect(run?.emails[0]?.htmlBytes).toBeGreaterThan(1000);
    expect(await world.sentEmails()).toEqual([]);
    expect(world.bucket.keys("snapshots/")).toEqual([]);
    expect(world.bucket.keys("deliveries/")).toEqual([]);
  });

  it("sends only to the `to` address when one is given", async () => {
    const result = await adhocHandler().invoke({
      report: "daily",
      date: "2026-03-01",
      to: "analyst@example.com",
      locale: "zh-CN",
    });

    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    const [run] = result.runs;
    expect(run?.emails).toMatchObject([
      { list: "direct", status: "sent", to: ["analyst@example.com"] },
    ]);
    const emails = await world.sentEmails();
    expect(emails.map((email) => email.destination.to.join())).toEqual([
      expect.stringContaining("analyst@example.com"),
    ]);
    expect(emails[0]?.messageId).toBe(run?.emails[0]?.messageId);
  });

  it("runs every period of a range, in order", async () => {
    const handler = adhocHandler();
    const daily = await handler.invoke({
      report: "daily",
      range: { from: "2026-02-27", to: "2026-03-01" },
      dryRun: true,
    });
    expect(daily.runs.map((run) => run.periodKey)).toEqual([
      "2026-02-27",
      "2026-02-28",
      "2026-03-01",
    ]);
    const weekly = await handler.invoke({
      report: "weekly",
      range: { from: "2026-02-25", to: "2026-03-03" },
      dryRun: true,
    });
    expect(weekly.runs.map((run) => run.periodKey)).toEqual(["2026-W09", "2026-W10"]);
  });

  it("leaves the periods it has no time for to the next invocation, as `next`", async () => {
    // 100 s left: the deadline is 70 s away, less than a period's budget once one has run.
    const result = await adhocHandler(world.athena, 100_000).invoke({
      report: "weekly",
      range: { from: "2026-02-16", to: "2026-03-03" },
      dryRun: true,
      locale: "zh-CN",
    });
    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    expect(result.runs.map((run) => run.periodKey)).toEqual(["2026-W08"]);
    if (!result.ok) return;
    expect(result.next).toEqual({
      report: "weekly",
      range: { from: "2026-02-23", to: "2026-03-03" },
      dryRun: true,
      locale: "zh-CN",
    });
  });

  it("refuses, whole, a range that starts before the lake's first day, naming the setting", async () => {
    const startedBefore = world.started.length;
    const handler = adhocHandler(world.athena, 600_000, { OPSPULSE_LAKE_FIRST_DAY: "2026-02-20" });
    // 20 February in Shanghai starts at 16:00 UTC on the 19th: dt=2026-02-19 is not projected.
    const result = await handler.invoke({
      report: "daily",
      range: { from: "2026-02-20", to: "2026-02-22" },
    });
    expect(result).toMatchObject({ ok: false, statusCode: 400, runs: [] });
    if (result.ok) return;
    expect(result.error).toBe(
      "The daily report of 2026-02-20 reads dt=2026-02-19, before the lake's first day 2026-02-20 (the opspulse:lakeFirstDay setting, where the tables' partition projection starts): Athena would count no data there. Lower opspulse:lakeFirstDay and redeploy, or ask for a later period.",
    );
    expect(world.started.length).toBe(startedBefore);
    // The next day is inside the lake.
    const inside = await handler.invoke({ report: "daily", date: "2026-02-21", dryRun: true });
    expect(inside).toMatchObject({ ok: true, runs: [{ periodKey: "2026-02-21" }] });
  });

  it("answers 500 with Athena's reason when a query fails, and sends managers nothing", async () => {
    const failing = new AthenaClient({ region: "eu-west-1" });
    const athena = mockClient(failing);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-broken" });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        QueryExecutionId: "q-broken",
        Status: { State: "FAILED", StateChangeReason: "HIVE_BAD_DATA: malformed Parquet file" },
      },
    });
    const emailsBefore = (await world.sentEmails()).length;

    const result = await adhocHandler(failing).invoke({ report: "daily", date: "2026-02-20" });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.statusCode).toBe(500);
    expect(result.error).toMatch(
      /failed in Athena \(q-broken\): HIVE_BAD_DATA: malformed Parquet file/,
    );
    expect(result.error).not.toContain("\n");
    expect(result.runs).toMatchObject([{ periodKey: "2026-02-20", outcome: "failed" }]);
    const sent = (await world.sentEmails()).slice(emailsBefore);
    // One failure notice to on-call; no report email.
    expect(sent.map((email) => email.destination.to.join())).toEqual([
      expect.stringContaining("oncall@example.com"),
    ]);
  });

  it.each([
    [undefined, /^Invalid ad-hoc payload: report: /],
    ["daily 2026-03-01", /^Invalid ad-hoc payload: \(event\): /],
    [{ date: "2026-03-01" }, /report: /],
    [{ report: "monthly", date: "2026-03-01" }, /report: /],
    [{ report: "daily", date: "2026-02-30" }, /date: expected a date YYYY-MM-DD/],
    [{ report: "daily", date: "03/01/2026" }, /date: expected a date YYYY-MM-DD/],
    [{ report: "daily" }, /date: give either "date" or "range"/],
    [
      { report: "daily", date: "2026-03-01", range: { from: "2026-03-01", to: "2026-03-02" } },
      /date: give either "date" or "range"/,
    ],
    [
      { report: "daily", range: { from: "2026-03-05", to: "2026-03-01" } },
      /range: "from" must not be after "to"/,
    ],
    [
      { report: "daily", range: { from: "2026-01-01", to: "2026-03-01" } },
      /range: covers more than 31 periods: split it into several runs/,
    ],
    [
      { report: "daily", date: "2026-03-01", to: "not an address" },
      /to: expected one email address/,
    ],
    [{ report: "daily", date: "2026-03-01", locale: "fr" }, /locale: /],
    [{ report: "daily", date: "2026-03-01", dryRun: "yes" }, /dryRun: /],
    [
      { report: "daily", date: "2026-03-01", timeZone: "Mars/Olympus" },
      /timeZone: expected an IANA/,
    ],
    [{ report: "daily", date: "2026-03-01", force: true }, /Unrecognized key: "force"/],
  ])("answers 400 to %j without opening anything", async (payload, message) => {
    const handler = adhocHandler();
    const result = await handler.invoke(payload);
    expect(result).toMatchObject({ ok: false, statusCode: 400, runs: [] });
    if (result.ok) return;
    expect(result.error).toMatch(message);
    expect(result.error).toMatch(/^Invalid ad-hoc payload: .*Expected \{"report"/);
    expect(handler.opened.count).toBe(0);
  });

  it("answers any generated wrong payload with a one-line 400, never a stack trace", async () => {
    // No dependencies here: a payload that happens to be valid gets a 500 and is skipped.
    let opened = 0;
    const handler = createAdhocRunHandler({
      deps: () => {
        opened++;
        return Promise.reject(new Error("no dependencies in this test"));
      },
      observability,
    });
    const nearlyValid = fc.record(
      {
        report: fc.oneof(fc.constantFrom("daily", "weekly", "Daily", ""), fc.anything()),
        date: fc.oneof(fc.constantFrom("2026-03-01", "2026-13-01", "2026-3-1"), fc.anything()),
        range: fc.anything(),
        dryRun: fc.anything(),
        to: fc.oneof(fc.emailAddress(), fc.string()),
        locale: fc.oneof(fc.constantFrom("en", "zh-CN"), fc.string()),
        timeZone: fc.oneof(fc.constantFrom("Asia/Shanghai", "UTC+8"), fc.string()),
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), nearlyValid), async (payload) => {
        const openedBefore = opened;
        const result = (await handler(payload, context)) as AdhocResult;
        if (result.statusCode !== 400) return; // a payload that happens to be valid
        expect(opened).toBe(openedBefore);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error).toMatch(/^Invalid ad-hoc payload: /);
        expect(result.error).not.toMatch(/\n|\bat .*\.ts:\d+/);
      }),
      { numRuns: 300 },
    );
  });
});
