/**
 * Fault: the same scheduled event reaches 20 Lambda containers at once (Scheduler's
 * at-least-once delivery, a retry storm), and again a minute later.
 *
 * Expected: exactly one SES send per recipient list and per on-call alert; the S3 delivery
 * log's conditional create (`If-None-Match: *`) lets exactly one claim of each key through.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createObservability } from "../../functions/lib/runtime/observability.ts";
import { createScheduledReportHandler } from "../../functions/scheduled-report/index.ts";
import { lambdaContext } from "../unit/handlers/aws-world.ts";
import { type AwsWorld, createAwsWorld, sendsByRecipient } from "./support/aws-world.ts";
import { clockAt } from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

let world: AwsWorld;
beforeAll(async () => {
  world = await createAwsWorld();
});
afterAll(async () => {
  await world?.close();
});

const EVENT = { report: "daily", timeZone: "Asia/Shanghai", scheduledTime: "2026-03-03T00:00:00Z" };
const clock = clockAt(EVENT.scheduledTime);
const context = lambdaContext("opspulse-scheduled-report");

/** One container: the handler with its own adapters over the shared bucket and SES. */
function container() {
  const deps = world.deps({ clock });
  return createScheduledReportHandler({
    deps: async () => deps,
    observability: createObservability("opspulse-scheduled-report"),
    clock,
  });
}

describe("duplicate scheduled events on AWS (S3 delivery log, SES)", () => {
  it("20 concurrent containers send one email per list and per alert; a late duplicate sends none", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => container()(EVENT, context)),
    );

    expect(results.map((r) => r.outcome).filter((o) => o === "failed")).toEqual([]);
    expect(sendsByRecipient(world.sent)).toEqual({
      "ops-director@example.com": 1,
      "oncall@example.com": 1,
    });
    const managers = world.sent.find((s) => s.to.includes("ops-director@example.com"));
    expect(managers?.subject).toMatch(/Daily KPI report .* 1 breach/);
    // Every container tried to claim the managers' key; S3 let exactly one through.
    const key = "deliveries/report%3Adaily%3A2026-03-02%3Amanagers.json";
    const claims = world.bucket.mock
      .commandCalls(PutObjectCommand)
      .filter((c) => c.args[0].input.Key === key && c.args[0].input.IfNoneMatch === "*");
    expect(claims.length).toBeGreaterThan(1);
    expect(JSON.parse(world.bucket.objects.get(key)?.body ?? "{}")).toMatchObject({
      state: "delivered",
      messageId: expect.stringMatching(/^ses-/),
    });

    const late = await container()(EVENT, context);
    expect(late.outcome).toBe("skipped_already_delivered");
    expect(world.sent).toHaveLength(2);

    recordFault({
      area: "Duplicate triggers",
      fault: "same scheduled event 20× concurrently on AWS (S3 If-None-Match claims)",
      expected: "exactly one SES send per list and per alert",
      observed: `SES sends ${JSON.stringify(sendsByRecipient(world.sent))} from ${claims.length} claims of the managers key; late duplicate ${late.outcome.replaceAll("_", " ")}`,
    });
  });
});
