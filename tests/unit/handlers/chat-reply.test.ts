/**
 * The ad-hoc Lambda's destination: a run the chat asked for is posted in the asker's thread
 * (the summary, or the one-line error) and recorded in the run log (the real S3 run log on a
 * fake bucket); records no chat asked for post nothing.
 */
import { describe, expect, it, vi } from "vitest";
import { createChatReplyHandler } from "../../../functions/chat-reply/index.ts";
import { createS3RunLog } from "../../../functions/lib/adapters/s3-store.ts";
import { DASHBOARD_PAGE } from "../../../functions/lib/chatops/reply-run.ts";
import { DASHBOARD_INDEX_KEY } from "../../../functions/lib/dashboard/publish.ts";
import { createObservability } from "../../../functions/lib/runtime/observability.ts";
import { fakeBucket } from "../adapters/fake-s3.ts";
import { lambdaContext } from "./aws-world.ts";

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

const chat = {
  reply: { platform: "slack", responseUrl: "https://hooks.slack.com/commands/T1/1/abc" },
  asker: "slack:UVIEW",
  locale: "en",
  send: false,
  eventId: "trig-1",
};

function setup() {
  const bucket = fakeBucket();
  const posted: { url: string; body: { text: string } }[] = [];
  const handler = createChatReplyHandler({
    observability: createObservability("opspulse-chat-reply-test"),
    deps: async () => ({
      secrets: {},
      runLog: createS3RunLog({ client: bucket.client, bucket: "opspulse-state.example.com" }),
      fetch: async (url, init) => {
        posted.push({ url, body: JSON.parse(String(init.body)) as { text: string } });
        return new Response("ok", { status: 200 });
      },
      clock: { now: () => new Date("2026-11-21T02:00:10Z") },
      dashboardLink: async () =>
        "https://opspulse-state.example.com/dashboard/index.html?X-Amz-Signature=abc",
    }),
  });
  const run = (record: unknown) =>
    handler(record as never, lambdaContext("opspulse-chat-reply")) as Promise<{ posted: boolean }>;
  const log = () =>
    bucket
      .keys("runs/")
      .map((key) => JSON.parse(bucket.objects.get(key)?.body ?? "{}") as Record<string, unknown>);
  return { run, posted, log };
}

const view = {
  runId: "run-42",
  report: "daily",
  periodKey: "2026-11-20",
  outcome: "dry_run",
  statusCounts: { breach: 1, warning: 0, met: 12 },
  emails: [{ list: "managers", status: "preview", to: ["ops-director@example.com"] }],
};

describe("chat reply", () => {
  it("posts the run's summary in the thread and logs the outcome", async () => {
    const { run, posted, log } = setup();
    const answer = await run({
      requestPayload: { report: "daily", date: "2026-11-20", dryRun: true, chat },
      responsePayload: { ok: true, statusCode: 200, runs: [view] },
      requestContext: { condition: "Success" },
    });
    expect(answer).toEqual({ posted: true });
    expect(posted).toEqual([
      {
        url: chat.reply.responseUrl,
        body: {
          response_type: "in_channel",
          text: "Daily report 2026-11-20 (preview)\n1 breach · 12 met\nOpen: https://opspulse-state.example.com/dashboard/index.html?X-Amz-Signature=abc\nrun run-42",
        },
      },
    ]);
    expect(log()).toEqual([
      expect.objectContaining({
        user: "slack:UVIEW",
        outcome: "ran",
        posted: true,
        report: "daily",
      }),
    ]);
  });

  it("posts the one-line error of a failed run, as the CLI prints it", async () => {
    const { run, posted, log } = setup();
    await run({
      requestPayload: { report: "daily", date: "2025-01-01", chat: { ...chat, locale: "zh-CN" } },
      responsePayload: {
        ok: false,
        statusCode: 400,
        error:
          "The daily report of 2025-01-01 reads dt=2024-12-31, before the lake's first day 2026-01-01.\nmore",
        runs: [],
      },
    });
    expect(posted[0]?.body.text).toBe(
      "The daily report of 2025-01-01 reads dt=2024-12-31, before the lake's first day 2026-01-01.",
    );
    expect(log()[0]).toMatchObject({ outcome: "failed" });
  });

  it("links the page the dashboard publishes", () => {
    expect(DASHBOARD_PAGE).toBe(DASHBOARD_INDEX_KEY);
  });

  it("ignores an invocation no chat asked for", async () => {
    const { run, posted, log } = setup();
    expect(
      await run({ requestPayload: { report: "daily", date: "2026-11-20" }, responsePayload: {} }),
    ).toEqual({
      posted: false,
    });
    expect(posted).toEqual([]);
    expect(log()).toEqual([]);
  });
});
