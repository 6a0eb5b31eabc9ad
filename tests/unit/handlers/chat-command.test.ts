/**
 * The chat endpoint Lambda over a fake S3 bucket (the real S3 delivery log, run log and alert
 * state store on aws-sdk-client-mock) and a mocked Lambda client: signed requests of each
 * platform run their command, the report asynchronously through the ad-hoc Lambda with the
 * answer back within Slack's 3 seconds; unsigned, forged, replayed and retried requests, an
 * unknown user and a date with no data run nothing.
 */
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createChatCommandHandler } from "../../../functions/chat-command/index.ts";
import {
  createS3AlertStateStore,
  createS3DeliveryLog,
  createS3RunLog,
} from "../../../functions/lib/adapters/s3-store.ts";
import { dingtalkInboundSign } from "../../../functions/lib/chatops/inbound/dingtalk.ts";
import { feishuEventSignature } from "../../../functions/lib/chatops/inbound/feishu.ts";
import { slackSignature } from "../../../functions/lib/chatops/inbound/slack.ts";
import { wecomSignature } from "../../../functions/lib/chatops/inbound/wecom.ts";
import { lambdaChatRunner } from "../../../functions/lib/chatops/lambda-runner.ts";
import type { ChatSecrets } from "../../../functions/lib/chatops/secrets.ts";
import { createObservability } from "../../../functions/lib/runtime/observability.ts";
import { type FakeBucket, fakeBucket } from "../adapters/fake-s3.ts";
import { lambdaContext } from "./aws-world.ts";

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

const NOW = new Date("2026-11-21T02:00:00Z"); // 10:00 in Shanghai: "yesterday" is 11-20
const SECONDS = String(Math.floor(NOW.getTime() / 1000));
const WECOM_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const SECRETS: ChatSecrets = {
  slack: { signingSecret: "slack-signing-secret" },
  feishu: {
    appId: "cli_a",
    appSecret: "feishu-app-secret",
    verificationToken: "vt",
    encryptKey: "ek",
  },
  dingtalk: { appSecret: "ding-app-secret" },
  wecom: { corpId: "ww-corp", corpSecret: "wecom-secret", token: "wt", encodingAesKey: WECOM_KEY },
};

let bucket: FakeBucket;
let lambda: ReturnType<typeof mockClient>;
let posted: { url: string; body: unknown }[];

function handler() {
  const s3 = { client: bucket.client, bucket: "opspulse-state.example.com" };
  const clock = { now: () => NOW };
  const lambdaClient = new LambdaClient({ region: "eu-west-1" });
  return createChatCommandHandler({
    observability: createObservability("opspulse-chat-command-test"),
    deps: async () => ({
      secrets: SECRETS,
      access: {
        viewers: ["slack:UVIEW", "feishu:ou_view", "wecom:zhangsan"],
        senders: ["slack:USEND", "dingtalk:send01"],
      },
      deliveries: createS3DeliveryLog(s3),
      runLog: createS3RunLog(s3),
      clock,
      timeZone: "Asia/Shanghai",
      fetch: async (url, init) => {
        posted.push({ url, body: init.body ? JSON.parse(String(init.body)) : undefined });
        const token = url.includes("tenant_access_token")
          ? { code: 0, tenant_access_token: "t-1" }
          : url.includes("gettoken")
            ? { errcode: 0, access_token: "a-1" }
            : { code: 0, errcode: 0 };
        return new Response(JSON.stringify(token), { status: 200 });
      },
      runner: (message) =>
        lambdaChatRunner(
          {
            lambda: lambdaClient,
            adhocFunction: "opspulse-adhoc",
            alertState: createS3AlertStateStore(s3),
            clock,
          },
          message,
        ),
    }),
  });
}

beforeEach(() => {
  bucket = fakeBucket();
  lambda = mockClient(LambdaClient);
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  posted = [];
});

function urlEvent(
  path: string,
  body: string,
  headers: Record<string, string>,
  query: Record<string, string> = {},
  method = "POST",
): LambdaFunctionURLEvent {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    queryStringParameters: query,
    body,
    isBase64Encoded: false,
    requestContext: { http: { method, path } },
  } as unknown as LambdaFunctionURLEvent;
}

function slack(
  text: string,
  user: string,
  triggerId = `trig-${text}-${user}`,
  secret = SECRETS.slack?.signingSecret ?? "",
  timestamp = SECONDS,
) {
  const body = new URLSearchParams({
    user_id: user,
    text,
    command: "/opspulse",
    response_url: "https://hooks.slack.com/commands/T1/1/abc",
    trigger_id: triggerId,
  }).toString();
  return urlEvent("/slack", body, {
    "X-Slack-Request-Timestamp": timestamp,
    "X-Slack-Signature": slackSignature(secret, timestamp, body),
  });
}

async function call(
  run: ReturnType<typeof handler>,
  event: LambdaFunctionURLEvent,
): Promise<LambdaFunctionURLResult & { statusCode: number; body: string }> {
  return (await run(event, lambdaContext("opspulse-chat-command"))) as LambdaFunctionURLResult & {
    statusCode: number;
    body: string;
  };
}

function invocations(): Record<string, unknown>[] {
  return lambda.commandCalls(InvokeCommand).map((c) => {
    expect(c.args[0].input.InvocationType).toBe("Event");
    return JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)) as Record<
      string,
      unknown
    >;
  });
}

function runLog(): Record<string, unknown>[] {
  return bucket
    .keys("runs/")
    .map((key) => JSON.parse(bucket.objects.get(key)?.body ?? "{}") as Record<string, unknown>);
}

describe("chat endpoint", () => {
  it("answers a signed Slack report within 3 s with running… and runs the report asynchronously", async () => {
    const run = handler();
    const started = performance.now();
    const answer = await call(run, slack("report daily yesterday", "UVIEW"));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(3000);
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ response_type: "in_channel", text: "running…" });
    expect(invocations()).toEqual([
      {
        report: "daily",
        date: "2026-11-20",
        dryRun: true,
        chat: {
          reply: { platform: "slack", responseUrl: "https://hooks.slack.com/commands/T1/1/abc" },
          asker: "slack:UVIEW",
          locale: "en",
          send: false,
          eventId: "trig-report daily yesterday-UVIEW",
        },
      },
    ]);
    expect(runLog()).toEqual([
      expect.objectContaining({
        user: "slack:UVIEW",
        outcome: "queued",
        text: "report daily yesterday",
      }),
    ]);
  });

  it("drops the platform's retry of the same command (same trigger id, fresh signature)", async () => {
    const run = handler();
    await call(run, slack("report daily yesterday", "UVIEW", "trig-1"));
    const retry = await call(run, slack("report daily yesterday", "UVIEW", "trig-1"));
    expect(retry.statusCode).toBe(200);
    expect(retry.body).toBe("");
    expect(invocations()).toHaveLength(1);
  });

  it("refuses a forged, an unsigned and a replayed request, running and invoking nothing", async () => {
    const run = handler();
    const forged = await call(run, slack("send daily yesterday", "USEND", "t1", "not the secret"));
    expect(forged.statusCode).toBe(401);
    const unsigned = slack("send daily yesterday", "USEND", "t2");
    delete (unsigned.headers as Record<string, string>)["X-Slack-Signature"];
    expect((await call(run, unsigned)).statusCode).toBe(401);
    const old = String(Number(SECONDS) - 301);
    expect(
      (await call(run, slack("send daily yesterday", "USEND", "t3", undefined, old))).statusCode,
    ).toBe(401);
    expect(invocations()).toEqual([]);
    expect(runLog().map((entry) => entry.outcome)).toEqual(["refused", "refused", "refused"]);
  });

  it("refuses an unknown user, a viewer's send, a malformed command and a future date, invoking nothing", async () => {
    const run = handler();
    const stranger = JSON.parse((await call(run, slack("report daily yesterday", "UWHO"))).body);
    expect(stranger.text).toMatch(/slack:UWHO may not run reports/);
    expect(stranger.response_type).toBe("ephemeral");
    const viewerSend = JSON.parse((await call(run, slack("send daily yesterday", "UVIEW"))).body);
    expect(viewerSend.text).toMatch(/may preview but not send/);
    const malformed = JSON.parse((await call(run, slack("report dayly yesterday", "UVIEW"))).body);
    expect(malformed.text).toMatch(/is not a command/);
    const future = JSON.parse((await call(run, slack("report daily 2026-12-01", "UVIEW"))).body);
    expect(future.text).toMatch(/No data for 2026-12-01 yet/);
    expect(invocations()).toEqual([]);
    expect(
      runLog()
        .map((entry) => entry.outcome)
        .sort(),
    ).toEqual(["denied", "denied", "malformed", "no_data"]);
  });

  it("sends for a DingTalk sender, answering in the HTTP body", async () => {
    const run = handler();
    const body = JSON.stringify({
      msgtype: "text",
      text: { content: "发送 日报 昨天" },
      msgId: "ding-1",
      senderStaffId: "send01",
      sessionWebhook: "https://oapi.dingtalk.com/robot/sendBySession?session=s1",
    });
    const timestamp = String(NOW.getTime());
    const answer = await call(
      run,
      urlEvent("/dingtalk", body, {
        timestamp,
        sign: dingtalkInboundSign(timestamp, "ding-app-secret"),
      }),
    );
    expect(JSON.parse(answer.body)).toEqual({ msgtype: "text", text: { content: "正在运行…" } });
    expect(invocations()).toEqual([
      expect.objectContaining({ report: "daily", date: "2026-11-20", dryRun: false }),
    ]);
  });

  it("answers Feishu's status command by posting a reply to the message", async () => {
    const run = handler();
    const event = JSON.stringify({
      schema: "2.0",
      header: { event_id: "ev-9", event_type: "im.message.receive_v1", token: "vt" },
      event: {
        sender: { sender_id: { open_id: "ou_view" } },
        message: {
          message_id: "om_9",
          message_type: "text",
          content: JSON.stringify({ text: "@_user_1 状态" }),
        },
      },
    });
    const key = createHash("sha256").update("ek").digest();
    const iv = randomBytes(16);
    const cipher = createCipheriv("aes-256-cbc", key, iv);
    const body = JSON.stringify({
      encrypt: Buffer.concat([iv, cipher.update(event), cipher.final()]).toString("base64"),
    });
    const answer = await call(
      run,
      urlEvent("/feishu", body, {
        "x-lark-request-timestamp": SECONDS,
        "x-lark-request-nonce": "n1",
        "x-lark-signature": feishuEventSignature(SECONDS, "n1", "ek", body),
      }),
    );
    expect(answer.statusCode).toBe(200);
    expect(posted.map((p) => p.url)).toEqual([
      "https://open.feishu.cn/open-apis/auth/v3/tenant_access_token/internal",
      "https://open.feishu.cn/open-apis/im/v1/messages/om_9/reply",
    ]);
    expect(
      JSON.parse((posted[1]?.body as { content: string } | undefined)?.content ?? "{}").text,
    ).toBe("还没有运行过报告。\n没有未解决的告警。");
    expect(invocations()).toEqual([]);
  });

  it("answers WeCom's URL check and a signed message, posting the reply as an app message", async () => {
    const run = handler();
    const encrypt = (text: string) => {
      const key = Buffer.from(`${WECOM_KEY}=`, "base64");
      const message = Buffer.from(text);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(message.length);
      const plain = Buffer.concat([randomBytes(16), length, message, Buffer.from("ww-corp")]);
      const pad = 32 - (plain.length % 32);
      const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
      cipher.setAutoPadding(false);
      return Buffer.concat([
        cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])),
        cipher.final(),
      ]).toString("base64");
    };
    const echostr = encrypt("echo-123");
    const check = await call(
      run,
      urlEvent(
        "/wecom",
        "",
        {},
        {
          msg_signature: wecomSignature("wt", SECONDS, "n", echostr),
          timestamp: SECONDS,
          nonce: "n",
          echostr,
        },
        "GET",
      ),
    );
    expect(check.body).toBe("echo-123");
    const encrypted = encrypt(
      "<xml><FromUserName><![CDATA[zhangsan]]></FromUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[帮助]]></Content><MsgId>77</MsgId><AgentID>1000002</AgentID></xml>",
    );
    const answer = await call(
      run,
      urlEvent(
        "/wecom",
        `<xml><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
        {},
        {
          msg_signature: wecomSignature("wt", SECONDS, "n2", encrypted),
          timestamp: SECONDS,
          nonce: "n2",
        },
      ),
    );
    expect(answer.statusCode).toBe(200);
    expect(posted.at(-1)).toEqual({
      url: "https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token=a-1",
      body: expect.objectContaining({
        touser: "zhangsan",
        agentid: 1000002,
        text: { content: expect.stringMatching(/^命令：/) },
      }),
    });
  });

  it("answers 404 naming the paths for an unknown platform", async () => {
    const answer = await call(handler(), urlEvent("/teams", "", {}));
    expect(answer.statusCode).toBe(404);
    expect(answer.body).toMatch(/\/slack, \/feishu, \/dingtalk or \/wecom/);
  });
});
