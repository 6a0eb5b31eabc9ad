/**
 * The chat channels of the notification policy's port against the local platform server:
 * the notifier's contract (receipt = record complete, throw = release and retry later) with
 * the chat rules (a digest's timeout is complete as unknown, a refused message complete as
 * rejected with one email notice).
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFsStores } from "../../../functions/lib/adapters/fs-store.ts";
import { createOutboxMailer } from "../../../functions/lib/adapters/outbox-mailer.ts";
import type { ChatChannel } from "../../../functions/lib/chat/channel.ts";
import {
  createChatChannels,
  notificationCard,
} from "../../../functions/lib/chat/notify-channel.ts";
import { fetchPoster } from "../../../functions/lib/chat/transport.ts";
import { defaultConfig } from "../../../functions/lib/config/load.ts";
import type {
  Channel as PolicyChannel,
  NotificationMessage as PolicyMessage,
} from "../../../functions/lib/notify/ports.ts";
import { systemClock } from "../../../functions/lib/ports.ts";
import { type ChatServer, startChatServer } from "../../support/chat-server.ts";

const SECRETS = { dingtalk: "SEC-d", feishu: "f-secret" };
let server: ChatServer;
let dir: string;
let channels: Map<string, PolicyChannel>;

const ITEM = {
  severity: "page",
  report: "daily",
  periodKey: "2026-11-22",
  value: 12_000,
  target: 20_000,
} as const;

const MESSAGE: PolicyMessage = {
  key: "notify:daily:2026-11-22:on-call",
  audience: { kind: "on_call", id: "on-call" },
  locale: "zh-CN",
  kind: "alerts",
  report: "daily",
  periodKey: "2026-11-22",
  runId: "20261123T000000Z-daily-abc",
  subject: "新增 1 · 持续 1 · 日报 2026-11-22",
  items: [
    {
      ...ITEM,
      key: "alert:daily:gmv:all:2026-11-22:start",
      metric: "gmv",
      kind: "start",
      status: "breach",
      text: { title: "成交额 (GMV)", figures: "¥1.2万，目标 ≥ ¥2万", status: "今日新增" },
      driver: {
        dimension: "channel",
        title: "按渠道",
        rows: [
          {
            name: "app",
            value: 980,
            previous: 1204,
            change: -224,
            text: "app 1,204 → 980 (−18.6%)",
          },
        ],
      },
    },
    {
      ...ITEM,
      key: "alert:daily:retention_d1:all:2026-11-09:reminder",
      metric: "retention_d1",
      kind: "reminder",
      status: "breach",
      text: {
        title: "次日留存",
        figures: "21.0%，目标 ≥ 25.0%",
        status: "第 14 天",
        ack: "li.wei 已于 2026-11-20 09:12 UTC 确认",
      },
    },
  ],
  links: [{ label: "打开看板", url: "https://dashboard.example.com/" }],
  commands: [
    { label: "重新运行", command: "opspulse run daily --date 2026-11-22" },
    { label: "确认", command: "opspulse alerts ack gmv" },
  ],
};

beforeEach(async () => {
  server = await startChatServer({ secrets: SECRETS, holdMs: 6000 });
  dir = mkdtempSync(join(tmpdir(), "opspulse-notify-"));
  const urls = server.urls();
  const chat: ChatChannel = {
    poster: fetchPoster(),
    sleep: async () => {},
    policy: { timeoutMs: 2500 },
    contactPoints: new Map(
      (["wecom", "dingtalk", "feishu", "slack", "webhook"] as const).map((type) => [
        `oc-${type}`,
        {
          name: `oc-${type}`,
          type,
          url: urls[type],
          urlReference: "env:X",
          ...(type === "dingtalk" || type === "feishu" ? { secret: SECRETS[type] } : {}),
        },
      ]),
    ),
  };
  const config = {
    ...defaultConfig(),
    onCall: { locale: "en" as const, to: ["oncall@example.com"] },
  };
  const stores = createFsStores(dir);
  channels = new Map(
    createChatChannels(
      {
        ...stores,
        clock: systemClock,
        mailer: createOutboxMailer({ dir: join(dir, "outbox"), clock: systemClock }),
        config,
      },
      chat,
    ).map((c) => [c.type, c]),
  );
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const send = (type: string, message: PolicyMessage = MESSAGE) =>
  (channels.get(type) as PolicyChannel).send(
    message,
    { channel: type, name: `oc-${type}`, locale: message.locale },
    { runId: message.runId, idempotencyKey: `${message.key}:${type}:oc-${type}` },
  );

describe("chat channels of the notification port", () => {
  it("posts one card per contact point in each platform's format, signed", async () => {
    for (const type of ["wecom", "dingtalk", "feishu", "slack", "webhook"]) {
      expect(await send(type)).toEqual({
        messageId: `${type}:${MESSAGE.key}:${type}:oc-${type}`,
        location: `oc-${type}`,
      });
    }
    expect(server.received.map((r) => r.behaviour)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    const slack = server.posted.find((p) => p.platform === "slack")?.body as { text: string };
    expect(slack.text).toBe("🔴 【紧急】 新增 1 · 持续 1 · 日报 2026-11-22");
  });

  it("builds the card from the message's own texts, worst tone first", () => {
    const card = notificationCard(MESSAGE);
    expect(card.items.map((i) => [i.headline, i.detail])).toEqual([
      ["成交额 (GMV) — 今日新增", "¥1.2万，目标 ≥ ¥2万 · app 1,204 → 980 (−18.6%)"],
      ["次日留存 — 第 14 天", "21.0%，目标 ≥ 25.0% · li.wei 已于 2026-11-20 09:12 UTC 确认"],
    ]);
    expect(card).toMatchObject({
      severity: "page",
      tone: "breach",
      link: { url: "https://dashboard.example.com/" },
    });
    expect(notificationCard({ ...MESSAGE, kind: "digest", items: [] })).toMatchObject({
      severity: "notify",
      tone: "info",
    });
  });

  it("a digest that times out is complete as unknown (not re-sent); a page is sent once more", async () => {
    server.script("feishu", "timeout_after_post");
    const digest = await send("feishu", { ...MESSAGE, kind: "digest" });
    expect(digest.messageId).toBe(`unknown:${MESSAGE.key}:feishu:oc-feishu`);
    expect(server.posted.filter((p) => p.platform === "feishu")).toHaveLength(1);

    server.script("feishu", "timeout_after_post");
    const page = await send("feishu");
    expect(page.messageId).toBe(`feishu:${MESSAGE.key}:feishu:oc-feishu`);
    expect(server.posted.filter((p) => p.platform === "feishu")).toHaveLength(3);
  });

  it("throws when the platform stays rate-limited (the notifier releases the claim)", async () => {
    server.script("dingtalk", "rate_limit", "rate_limit", "rate_limit", "rate_limit");
    await expect(send("dingtalk")).rejects.toThrow(
      /oc-dingtalk \(dingtalk\): attempt 1: rate limited: HTTP 200 .*130101/,
    );
  });

  it("a refused message is complete as rejected, with one email notice to on-call", async () => {
    server.script("wecom", "payload_error");
    const receipt = await send("wecom");
    expect(receipt.messageId).toBe(`rejected:${MESSAGE.key}:wecom:oc-wecom`);
    expect(receipt.location).toContain("notice to on-call: sent");
    expect(readdirSync(join(dir, "outbox", MESSAGE.runId))).toContain(
      "on-call.chat-refused.oc-wecom.eml",
    );
  });

  it("refuses a contact point it did not resolve", async () => {
    await expect(
      (channels.get("slack") as PolicyChannel).send(
        MESSAGE,
        { channel: "slack", name: "oc-wecom", locale: "en" },
        { runId: "r", idempotencyKey: "k" },
      ),
    ).rejects.toThrow('no slack contact point "oc-wecom" was resolved at start');
  });
});

describe("an audience's chat contact points", () => {
  it("are the list's chat names with their types, in the list's locale", async () => {
    const { chatContactPointsOf } = await import("../../../functions/lib/chat/notify-channel.ts");
    expect(
      chatContactPointsOf(
        { locale: "zh-CN", chat: ["oc-dingtalk", "pager"] },
        {
          contactPoints: [
            { name: "pager", type: "webhook" },
            { name: "oc-dingtalk", type: "dingtalk" },
          ],
        },
      ),
    ).toEqual([
      { channel: "dingtalk", name: "oc-dingtalk", locale: "zh-CN" },
      { channel: "webhook", name: "pager", locale: "zh-CN" },
    ]);
    expect(chatContactPointsOf(undefined, {})).toEqual([]);
  });
});
