/**
 * The scheduled report Lambda end to end, through its exported `handler` and the
 * environment the stack gives it: Athena answering from DuckDB in Athena's result shape,
 * S3 as a stateful fake with conditional writes, SES as a live aws-ses-v2-local.
 */

import { generateKeyPairSync } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { lazyLambdaDeps } from "../../../functions/lib/runtime/lambda.ts";
import { createObservability } from "../../../functions/lib/runtime/observability.ts";
import {
  createScheduledReportHandler,
  handler,
} from "../../../functions/scheduled-report/index.ts";
import { type AwsWorld, createAwsWorld, lambdaContext, stubAwsRuntimeEnv } from "./aws-world.ts";

vi.hoisted(() => {
  // Read by Powertools when the handler module is imported: keep test output quiet.
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

let world: AwsWorld;
const context = lambdaContext("opspulse-scheduled-report");

/** Invokes the handler as Scheduler would, at `scheduledTime` (also the clock's time). */
async function fire(event: Record<string, unknown>) {
  if (typeof event.scheduledTime === "string") vi.setSystemTime(new Date(event.scheduledTime));
  return handler(event, context);
}

const dailyAt = (scheduledTime: string) => ({
  report: "daily",
  timeZone: "Asia/Shanghai",
  scheduledTime,
});

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

describe("scheduled-report handler", () => {
  it("runs the daily report for the previous Shanghai day and delivers it through SES", async () => {
    // 08:00 on 3 March in Shanghai.
    const result = await fire(dailyAt("2026-03-03T00:00:00Z"));

    expect(result).toMatchObject({ report: "daily", periodKey: "2026-03-02", outcome: "ok" });
    expect(result.period).toEqual({
      kind: "day",
      start: "2026-03-02",
      end: "2026-03-02",
      timeZone: "Asia/Shanghai",
    });
    const managers = result.emails.find((email) => email.list === "managers");
    expect(managers?.status).toBe("sent");

    // The email, read back from the SES server.
    const emails = await world.sentEmails();
    const delivered = emails.find((email) => email.messageId === managers?.messageId);
    expect(delivered?.destination.to.join()).toContain("ops-director@example.com");
    expect(delivered?.subject).toBe(managers?.subject);
    expect(delivered?.body.html).toContain("<html");
    expect(delivered?.body.text?.length).toBeGreaterThan(0);
    // GMV 500 against a target of 1 000: on-call got the breach alert through SES too.
    expect(emails.some((email) => email.destination.to.join().includes("oncall@example.com"))).toBe(
      true,
    );

    // Athena got the queries for the local day's UTC bounds, in the workgroup and database.
    expect(world.started.length).toBeGreaterThan(0);
    for (const query of world.started) {
      expect(query.WorkGroup).toBe("opspulse");
      expect(query.QueryExecutionContext?.Database).toBe("opspulse_lake");
      expect(query.ClientRequestToken?.length).toBeGreaterThanOrEqual(32);
    }
    expect(
      world.started.some((q) => q.QueryString?.includes("TIMESTAMP '2026-03-01 16:00:00")),
    ).toBe(true);
    expect(result.bytesScanned).toBe(4096 * result.queries);

    // S3 holds the snapshot, the completed delivery record and the run log line.
    expect(world.bucket.keys("snapshots/daily/2026-03-02/")).toEqual([
      "snapshots/daily/2026-03-02/r001.json",
    ]);
    const record = JSON.parse(
      world.bucket.objects.get("deliveries/report%3Adaily%3A2026-03-02%3Amanagers.json")?.body ??
        "{}",
    );
    expect(record).toMatchObject({ state: "delivered", messageId: managers?.messageId });
    const runLog = world.bucket
      .keys("runs/dt=2026-03-03/")
      .map((key) => JSON.parse(world.bucket.objects.get(key)?.body ?? "{}"));
    expect(runLog.map((line) => [line.type, line.runId]).sort()).toEqual([
      ["alerts", result.runId],
      ["report_run", result.runId],
    ]);

    // The dashboard: private objects of the state bucket, linked from the email by a
    // pre-signed URL of this run's page.
    expect(world.bucket.keys("dashboard/").sort()).toEqual([
      "dashboard/index.html",
      `dashboard/pages/${result.runId}.html`,
    ]);
    expect(world.bucket.objects.get("dashboard/index.html")?.body).toContain("Campaign ROI board");
    const link = /href="([^"]*X-Amz-Signature[^"]*)"/.exec(delivered?.body.html ?? "")?.[1];
    expect(link?.replaceAll("&amp;", "&")).toMatch(
      new RegExp(`/dashboard/pages/${result.runId}\\.html\\?.*X-Amz-Expires=604800`),
    );
  });

  it("delivers once when Scheduler delivers the same event twice at the same time", async () => {
    const event = dailyAt("2026-03-04T00:00:00Z");
    const before = (await world.sentEmails()).length;

    const results = await Promise.all([fire(event), fire(event)]);

    const statuses = results
      .map((r) => r.emails.find((email) => email.list === "managers")?.status)
      .sort();
    expect(statuses).toEqual(["already_delivered", "sent"]);
    const managerEmails = (await world.sentEmails())
      .slice(before)
      .filter((email) => email.destination.to.join().includes("ops-director@example.com"));
    expect(managerEmails).toHaveLength(1);
    // Both runs tried to create the delivery record; S3's If-None-Match let one through.
    const claims = world.bucket.mock
      .commandCalls(PutObjectCommand)
      .filter(
        (call) =>
          call.args[0].input.Key === "deliveries/report%3Adaily%3A2026-03-03%3Amanagers.json" &&
          call.args[0].input.IfNoneMatch === "*",
      );
    expect(claims).toHaveLength(2);
    // Each run stored its own snapshot revision.
    expect(world.bucket.keys("snapshots/daily/2026-03-03/")).toHaveLength(2);
  });

  it("skips a late duplicate without running a query", async () => {
    const queriesBefore = world.started.length;
    const emailsBefore = (await world.sentEmails()).length;

    const result = await fire(dailyAt("2026-03-04T00:00:00Z"));

    expect(result.outcome).toBe("skipped_already_delivered");
    expect(world.started.length).toBe(queriesBefore);
    expect((await world.sentEmails()).length).toBe(emailsBefore);
  });

  it("runs the weekly report for the ISO week that closed before Monday's run", async () => {
    // 08:30 on Monday 9 March in Shanghai.
    const result = await fire({
      report: "weekly",
      timeZone: "Asia/Shanghai",
      scheduledTime: "2026-03-09T00:30:00Z",
    });
    expect(result.periodKey).toBe("2026-W10");
    expect(result.period).toMatchObject({ kind: "week", start: "2026-03-02", end: "2026-03-08" });
  });

  it("pages on-call instead of mailing managers zeros when the period has no data at all", async () => {
    // The lake ends on 2026-03-06: a run on 1 April finds nothing for 31 March.
    const before = (await world.sentEmails()).length;

    await expect(fire(dailyAt("2026-04-01T00:00:00Z"))).rejects.toThrow(
      /No data at all for the daily report 2026-03-31: every table is empty in partitions 2026-03-30, 2026-03-31/,
    );

    const sent = (await world.sentEmails()).slice(before);
    expect(sent.map((email) => email.destination.to.join())).toEqual(["oncall@example.com"]);
    expect(sent[0]?.body.text).toContain("No data at all");
    // Nothing judged, nothing stored, no manager delivery claimed.
    expect(world.bucket.keys("snapshots/daily/2026-03-31/")).toEqual([]);
    expect(world.bucket.keys("deliveries/report%3Adaily%3A2026-03-31")).toEqual([]);
  });

  it("links the dashboard with a CloudFront signed URL valid for the configured days", async () => {
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const observability = createObservability("opspulse-scheduled-report");
    const withCloudFront = createScheduledReportHandler({
      deps: lazyLambdaDeps(
        {
          ...process.env,
          OPSPULSE_DASHBOARD_DOMAIN: "d111111abcdef8.cloudfront.net",
          OPSPULSE_DASHBOARD_KEY_PAIR_ID: "K2JCJMDEHXQW5F",
          OPSPULSE_DASHBOARD_KEY_SECRET: "opspulse/dashboard-signing-key",
          OPSPULSE_DASHBOARD_LINK_DAYS: "10",
        },
        { dashboardPrivateKey: async () => pem },
      ),
      observability,
    });
    vi.setSystemTime(new Date("2026-03-06T00:00:00Z"));
    const result = await withCloudFront(dailyAt("2026-03-06T00:00:00Z"), context);
    const managers = result.emails.find((email) => email.list === "managers");
    const delivered = (await world.sentEmails()).find((e) => e.messageId === managers?.messageId);
    const links = [
      ...(delivered?.body.html ?? "").matchAll(/href="(https:\/\/d111111abcdef8[^"]*)"/g),
    ];
    expect(links).toHaveLength(1);
    const link = new URL((links[0]?.[1] ?? "").replaceAll("&amp;", "&"));
    // The English list links the English page, at the distribution's root (origin path).
    expect(link.pathname).toBe(`/pages/${result.runId}.html`);
    expect(Number(link.searchParams.get("Expires"))).toBe(
      Date.parse("2026-03-16T00:00:00Z") / 1000,
    );
    expect(link.searchParams.get("Key-Pair-Id")).toBe("K2JCJMDEHXQW5F");
    // The CloudFront link points at the page this run published.
    expect(world.bucket.keys("dashboard/")).toContain(`dashboard/pages/${result.runId}.html`);
  });

  it("refuses an event that is not a schedule's input, and runs nothing", async () => {
    const queriesBefore = world.started.length;
    await expect(
      handler({ report: "monthly", scheduledTime: "yesterday" }, context),
    ).rejects.toThrow(
      /^Not a schedule event of opspulse \(report: .*; scheduledTime: expected an ISO 8601 date-time\): check the schedule's input/,
    );
    expect(world.started.length).toBe(queriesBefore);
  });
});
