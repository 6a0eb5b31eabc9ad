/**
 * Chat delivery against a real local HTTP server standing in for the five platforms
 * (tests/support/chat-server.ts: it checks signatures and payload shapes on its own and
 * answers in each platform's own form), with the filesystem delivery log and the outbox
 * mailer of a local run.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFsDeliveryLog } from "../../../functions/lib/adapters/fs-store.ts";
import { createOutboxMailer } from "../../../functions/lib/adapters/outbox-mailer.ts";
import { buildAlertCard } from "../../../functions/lib/chat/card.ts";
import type { ContactPointType } from "../../../functions/lib/chat/config.ts";
import {
  type ChatChannelDeps,
  type ChatMessage,
  chatKey,
  deliverChat,
} from "../../../functions/lib/chat/deliver.ts";
import type { ResolvedContactPoint } from "../../../functions/lib/chat/secrets.ts";
import { fetchPoster } from "../../../functions/lib/chat/transport.ts";
import { type DeliveryLog, systemClock } from "../../../functions/lib/ports.ts";
import { type ChatServer, type Platform, startChatServer } from "../../support/chat-server.ts";

const TYPES: readonly ContactPointType[] = ["wecom", "dingtalk", "feishu", "slack", "webhook"];
const SECRETS = { dingtalk: "SECdingtalk-example", feishu: "feishu-example-secret" };

let server: ChatServer;
let dir: string;
let deliveries: DeliveryLog;
let waits: number[];

beforeEach(async () => {
  server = await startChatServer({ secrets: SECRETS, holdMs: 6000 });
  dir = mkdtempSync(join(tmpdir(), "opspulse-chat-"));
  deliveries = createFsDeliveryLog({ dir: join(dir, "deliveries") });
  waits = [];
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function points(secrets: Partial<typeof SECRETS> = SECRETS): Map<string, ResolvedContactPoint> {
  const urls = server.urls();
  return new Map(
    TYPES.map((type) => {
      const secret = type === "dingtalk" || type === "feishu" ? secrets[type] : undefined;
      return [
        `ops-${type}`,
        {
          name: `ops-${type}`,
          type,
          url: urls[type],
          urlReference: `env:OPS_${type.toUpperCase()}_URL`,
          ...(secret ? { secret } : {}),
        },
      ];
    }),
  );
}

function deps(overrides: Partial<ChatChannelDeps> = {}): ChatChannelDeps {
  return {
    deliveries,
    clock: systemClock,
    contactPoints: points(),
    poster: fetchPoster(),
    sleep: async (ms) => {
      waits.push(ms);
    },
    policy: { timeoutMs: 2500 },
    failureNotice: {
      mailer: createOutboxMailer({ dir: join(dir, "outbox"), clock: systemClock }),
      from: "OpsPulse Reports <reports@example.com>",
      to: ["oncall@example.com"],
      locale: "en",
    },
    ...overrides,
  };
}

function message(severity: "page" | "notify", only?: readonly string[]): ChatMessage {
  return {
    key: `alerts:daily:2026-11-22:on-call`,
    severity,
    contactPoints: only ?? TYPES.map((type) => `ops-${type}`),
    card: buildAlertCard({
      severity,
      locale: "zh-CN",
      currency: "CNY",
      report: "daily",
      periodKey: "2026-11-22",
      runId: "run-1",
      rerunCommand: "opspulse run daily --date 2026-11-22",
      items: [
        {
          kind: "new",
          metricId: "gmv",
          value: 12_345,
          target: 20_000,
          driver: "App −18%",
          ackCommand: "opspulse alerts ack gmv",
        },
      ],
      dashboardUrl: "https://dashboard.example.com/",
    }),
  };
}

const count = (platform: Platform) => server.posted.filter((p) => p.platform === platform).length;

describe("chat delivery to the five platforms", () => {
  it("delivers each message exactly once, signed, and a re-run sends nothing again", async () => {
    const first = await deliverChat(deps(), message("page"), "run-1");
    expect(first.map((o) => [o.contactPoint, o.status, o.attempts])).toEqual(
      TYPES.map((type) => [`ops-${type}`, "sent", 1]),
    );
    expect(server.received.map((r) => r.behaviour)).toEqual(TYPES.map(() => "ok"));
    for (const type of TYPES) expect(count(type)).toBe(1);

    const again = await deliverChat(deps(), message("page"), "run-2");
    expect(again.map((o) => o.status)).toEqual(TYPES.map(() => "already_delivered"));
    expect(server.posted).toHaveLength(5);
    const record = await deliveries.get(chatKey(message("page").key, "ops-feishu"));
    expect(record).toMatchObject({ state: "delivered", runId: "run-1", channel: "feishu" });
  });

  it("posts each platform's own format (the server checks the shape)", async () => {
    await deliverChat(deps(), message("notify"), "run-1");
    const body = (platform: Platform) => server.posted.find((p) => p.platform === platform)?.body;
    expect(body("wecom")).toMatchObject({ msgtype: "markdown" });
    const markdown = body("wecom")?.markdown as { content: string } | undefined;
    expect(markdown?.content).toContain("成交额 (GMV) — 今日新增");
    expect(body("dingtalk")).toMatchObject({
      msgtype: "actionCard",
      actionCard: { singleURL: "https://dashboard.example.com/" },
    });
    expect(body("feishu")).toMatchObject({
      msg_type: "interactive",
      card: { header: { template: "red" } },
    });
    expect(body("slack")).toMatchObject({ blocks: expect.any(Array) });
    expect(body("webhook")).toMatchObject({
      schema: "opspulse.chat/v1",
      severity: "notify",
      dedup_key: chatKey(message("notify").key, "ops-webhook"),
    });
  });

  it("retries a rate limit in each platform's own form, then delivers once", async () => {
    for (const type of TYPES) server.script(type, "rate_limit");
    const outcomes = await deliverChat(deps(), message("notify"), "run-1");
    expect(outcomes.map((o) => [o.type, o.status, o.attempts])).toEqual(
      TYPES.map((type) => [type, "sent", 2]),
    );
    for (const type of TYPES) expect(count(type)).toBe(1);
    // Slack's and the webhook's Retry-After (1 s, 2 s) are honoured over the 1 s backoff.
    expect([...waits].sort((a, b) => a - b)).toEqual([1000, 1000, 1000, 1000, 2000]);
  });

  it("retries 5xx answers and gives up after the policy's attempts, releasing the claim", async () => {
    server.script("wecom", "server_error", "server_error", "server_error", "server_error");
    server.script("slack", "server_error");
    const outcomes = await deliverChat(
      deps(),
      message("notify", ["ops-wecom", "ops-slack"]),
      "run-1",
    );
    expect(outcomes.map((o) => [o.contactPoint, o.status, o.attempts])).toEqual([
      ["ops-wecom", "failed", 4],
      ["ops-slack", "sent", 2],
    ]);
    expect(await deliveries.get(chatKey(message("notify").key, "ops-wecom"))).toBeUndefined();
    // The next run retries it and delivers it.
    const next = await deliverChat(deps(), message("notify", ["ops-wecom"]), "run-2");
    expect(next[0]?.status).toBe("sent");
    expect(count("wecom")).toBe(1);
  });

  it("a timeout of a page is sent once more (a possible duplicate beats a missed page)", async () => {
    server.script("dingtalk", "timeout_after_post");
    const [outcome] = await deliverChat(deps(), message("page", ["ops-dingtalk"]), "run-1");
    expect(outcome).toMatchObject({ status: "sent", attempts: 2 });
    expect(outcome?.detail).toMatch(/no answer within 2500 ms, sent again \(a page\)/);
    expect(count("dingtalk")).toBe(2);
  });

  it("a timeout of a digest is not retried and is recorded unknown, also for later runs", async () => {
    server.script("feishu", "timeout_after_post");
    const [outcome] = await deliverChat(deps(), message("notify", ["ops-feishu"]), "run-1");
    expect(outcome).toMatchObject({ status: "unknown", attempts: 1 });
    expect(count("feishu")).toBe(1);
    expect(await deliveries.get(chatKey(message("notify").key, "ops-feishu"))).toMatchObject({
      state: "unknown",
    });
    const [later] = await deliverChat(deps(), message("notify", ["ops-feishu"]), "run-2");
    expect(later?.status).toBe("unknown");
    expect(server.received.filter((r) => r.platform === "feishu")).toHaveLength(1);
  });

  it("a refused payload is not retried, and on-call gets one email notice", async () => {
    server.script("slack", "payload_error");
    const [outcome] = await deliverChat(deps(), message("notify", ["ops-slack"]), "run-1");
    expect(outcome).toMatchObject({ status: "rejected", attempts: 1, notice: "sent" });
    expect(outcome?.detail).toContain("invalid_payload");
    expect(readdirSync(join(dir, "outbox", "run-1"))).toContain(
      "on-call.chat-refused.ops-slack.eml",
    );
    const [again] = await deliverChat(deps(), message("notify", ["ops-slack"]), "run-2");
    expect(again?.status).toBe("rejected");
    expect(server.received.filter((r) => r.platform === "slack")).toHaveLength(1);
  });

  it("a wrong signing secret is refused by the platform and not retried", async () => {
    const wrong = deps({ contactPoints: points({ dingtalk: "wrong", feishu: "wrong" }) });
    const outcomes = await deliverChat(
      wrong,
      message("notify", ["ops-dingtalk", "ops-feishu"]),
      "run-1",
    );
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(server.received.map((r) => r.behaviour)).toEqual(["bad_signature", "bad_signature"]);
    expect(server.posted).toHaveLength(0);
  });

  it("a claim past its lease is taken over once: two takers, one post, only what was not complete", async () => {
    const key = message("page").key;
    const long = new Date(Date.now() - 60 * 60_000).toISOString();
    const expired = new Date(Date.now() - 45 * 60_000).toISOString();
    // A run that died: WeCom and Slack were recorded complete, DingTalk was claimed an hour
    // ago and never confirmed; its lease ended 45 minutes ago.
    for (const name of ["ops-wecom", "ops-slack"]) {
      await deliveries.claim({
        idempotencyKey: chatKey(key, name),
        runId: "dead",
        deliveredAt: long,
      });
      await deliveries.complete({
        idempotencyKey: chatKey(key, name),
        runId: "dead",
        deliveredAt: long,
        state: "delivered",
      });
    }
    await deliveries.claim({
      idempotencyKey: chatKey(key, "ops-dingtalk"),
      runId: "dead",
      deliveredAt: long,
      state: "sending",
      leaseUntil: expired,
    });
    const [a, b] = await Promise.all([
      deliverChat(deps(), message("page"), "taker-1"),
      deliverChat(deps(), message("page"), "taker-2"),
    ]);
    const sent = [...(a ?? []), ...(b ?? [])].filter((o) => o.status === "sent");
    expect(sent.map((o) => o.contactPoint).sort()).toEqual([
      "ops-dingtalk",
      "ops-feishu",
      "ops-webhook",
    ]);
    // The taker that lost the race finds the winner's live claim (or its delivery).
    const dingtalk = [...(a ?? []), ...(b ?? [])]
      .filter((o) => o.contactPoint === "ops-dingtalk")
      .map((o) => o.status)
      .sort();
    expect(dingtalk[0]).toMatch(/^(already_delivered|in_progress)$/);
    expect(dingtalk[1]).toBe("sent");
    expect(count("wecom")).toBe(0);
    expect(count("slack")).toBe(0);
    expect(count("dingtalk")).toBe(1);
    const record = await deliveries.get(chatKey(key, "ops-dingtalk"));
    expect(record).toMatchObject({ state: "delivered" });
    expect(["taker-1", "taker-2"]).toContain(record?.runId);
    // One record per contact point: no side keys of a take-over scheme of its own.
    expect(readdirSync(join(dir, "deliveries")).filter((f) => f.includes("~"))).toEqual([]);
  });

  it("a live claim of another run is in progress until its lease ends, not sent twice", async () => {
    const key = message("page").key;
    const now = Date.now();
    await deliveries.claim({
      idempotencyKey: chatKey(key, "ops-wecom"),
      runId: "other",
      deliveredAt: new Date(now - 40 * 60_000).toISOString(),
      state: "sending",
      // The other run's deadline is still ahead (an old claim, but within its lease).
      leaseUntil: new Date(now + 10 * 60_000).toISOString(),
    });
    const [outcome] = await deliverChat(deps(), message("page", ["ops-wecom"]), "run-1");
    expect(outcome).toMatchObject({ status: "in_progress" });
    expect(outcome?.detail).toContain("delivery in progress or interrupted (run other");
    expect(server.received).toHaveLength(0);
    // After that lease, the next run takes it over and posts once.
    const later = { now: () => new Date(now + 11 * 60_000) };
    const [taken] = await deliverChat(
      deps({ clock: later }),
      message("page", ["ops-wecom"]),
      "run-2",
    );
    expect(taken).toMatchObject({ status: "sent" });
    expect(count("wecom")).toBe(1);
  });

  it("a claim whose process is gone is taken over at once, within its lease (local)", async () => {
    const key = chatKey(message("page").key, "ops-slack");
    const store = resolve(import.meta.dirname, "../../../functions/lib/adapters/fs-store.ts");
    const lease = new Date(Date.now() + 10 * 60_000).toISOString();
    const child = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { createFsDeliveryLog } = await import(${JSON.stringify(store)});
         await createFsDeliveryLog({ dir: ${JSON.stringify(join(dir, "deliveries"))} }).claim({
           idempotencyKey: ${JSON.stringify(key)}, runId: "gone", state: "sending",
           deliveredAt: new Date().toISOString(), leaseUntil: ${JSON.stringify(lease)} });`,
      ],
      { encoding: "utf8" },
    );
    expect(child.status, child.stderr).toBe(0);
    expect(await deliveries.get(key)).toMatchObject({ runId: "gone", owner: { pid: child.pid } });
    const [outcome] = await deliverChat(deps(), message("page", ["ops-slack"]), "run-1");
    expect(outcome).toMatchObject({ status: "sent" });
    expect(count("slack")).toBe(1);
    expect(await deliveries.get(key)).toMatchObject({ state: "delivered", runId: "run-1" });
  });

  it("a platform that cannot be reached fails without throwing", async () => {
    const closed = await startChatServer();
    const url = closed.urls().slack;
    await closed.close();
    const unreachable = new Map([
      ["ops-slack", { name: "ops-slack", type: "slack" as const, url, urlReference: "env:X" }],
    ]);
    const outcomes = await deliverChat(
      deps({ contactPoints: unreachable, policy: { maxAttempts: 2, timeoutMs: 2500 } }),
      message("notify", ["ops-slack"]),
      "run-1",
    );
    expect(outcomes).toMatchObject([{ status: "failed", attempts: 2 }]);
    expect(outcomes[0]?.detail).toMatch(/could not connect \(ECONNREFUSED\)/);
  });
});
