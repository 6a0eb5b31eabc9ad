/**
 * Inbound request verification per platform, with each platform's documented test vector
 * where it publishes one (source next to it), and signed, unsigned, forged and replayed
 * requests through the same readers the Lambda uses.
 */
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  dingtalkInboundSign,
  readDingtalk,
} from "../../../functions/lib/chatops/inbound/dingtalk.ts";
import {
  feishuDecrypt,
  feishuEventSignature,
  readFeishu,
} from "../../../functions/lib/chatops/inbound/feishu.ts";
import { readInbound } from "../../../functions/lib/chatops/inbound/index.ts";
import { readSlack, slackSignature } from "../../../functions/lib/chatops/inbound/slack.ts";
import type { InboundRequest } from "../../../functions/lib/chatops/inbound/verdict.ts";
import {
  readWecom,
  wecomDecrypt,
  wecomSignature,
  xmlField,
} from "../../../functions/lib/chatops/inbound/wecom.ts";

const at = (seconds: number) => new Date(seconds * 1000);
const request = (parts: Partial<InboundRequest>): InboundRequest => ({
  method: "POST",
  headers: {},
  query: {},
  body: "",
  ...parts,
});

// Slack: the worked example of https://api.slack.com/authentication/verifying-requests-from-slack
const SLACK = {
  secret: "8f742231b10e8888abcd99yyyzzz85a5",
  timestamp: "1531420618",
  body: "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
  signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
};

describe("Slack", () => {
  const slackRequest = (body: string, timestamp: string, signature?: string) =>
    request({
      body,
      headers: {
        "x-slack-request-timestamp": timestamp,
        ...(signature ? { "x-slack-signature": signature } : {}),
      },
    });

  it("computes the documented signature and accepts the documented request", () => {
    expect(slackSignature(SLACK.secret, SLACK.timestamp, SLACK.body)).toBe(SLACK.signature);
    const verdict = readSlack(
      slackRequest(SLACK.body, SLACK.timestamp, SLACK.signature),
      { signingSecret: SLACK.secret },
      at(1531420618 + 60),
    );
    expect(verdict).toEqual({
      kind: "message",
      platform: "slack",
      user: "U2CERLKJA",
      text: "",
      eventId: "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
      reply: {
        platform: "slack",
        responseUrl:
          "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN",
      },
    });
  });

  it("refuses an unsigned, a forged, a tampered and a replayed request", () => {
    const secrets = { signingSecret: SLACK.secret };
    const now = at(1531420618);
    expect(readSlack(slackRequest(SLACK.body, SLACK.timestamp), secrets, now)).toMatchObject({
      kind: "refused",
    });
    const forged = slackSignature("another secret", SLACK.timestamp, SLACK.body);
    expect(
      readSlack(slackRequest(SLACK.body, SLACK.timestamp, forged), secrets, now),
    ).toMatchObject({
      kind: "refused",
      reason: expect.stringMatching(/does not match/),
    });
    const tampered = SLACK.body.replace("text=", "text=send+daily+today");
    expect(
      readSlack(slackRequest(tampered, SLACK.timestamp, SLACK.signature), secrets, now),
    ).toMatchObject({ kind: "refused" });
    // Six minutes later the same signed request is a replay.
    expect(
      readSlack(
        slackRequest(SLACK.body, SLACK.timestamp, SLACK.signature),
        secrets,
        at(1531420618 + 360),
      ),
    ).toMatchObject({ kind: "refused", reason: expect.stringMatching(/more than 5 minutes/) });
  });

  it("refuses a platform without credentials", () => {
    expect(readInbound("slack", request({}), {}, new Date())).toEqual({
      kind: "refused",
      reason: "slack is not configured",
    });
  });
});

// DingTalk publishes the algorithm (timestamp + "\n" + appSecret, HmacSHA256, Base64) with
// sample code but no output; this value was computed independently with OpenSSL:
//   printf '1577262236757\nthis is secret' | openssl dgst -sha256 -hmac "this is secret" -binary | base64
const DINGTALK = {
  secret: "this is secret",
  timestamp: "1577262236757",
  sign: "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=",
};

describe("DingTalk", () => {
  const body = JSON.stringify({
    msgtype: "text",
    text: { content: " 日报 昨天" },
    msgId: "msgABC==",
    senderStaffId: "manager7140",
    conversationId: "cid1",
    sessionWebhook: "https://oapi.dingtalk.com/robot/sendBySession?session=abc",
  });
  const dingRequest = (sign: string | undefined, timestamp = DINGTALK.timestamp) =>
    request({ body, headers: { timestamp, ...(sign ? { sign } : {}) } });
  const secrets = { appSecret: DINGTALK.secret };
  const now = new Date(Number(DINGTALK.timestamp) + 1000);

  it("computes the sign of the algorithm's vector and accepts a signed message", () => {
    expect(dingtalkInboundSign(DINGTALK.timestamp, DINGTALK.secret)).toBe(DINGTALK.sign);
    expect(readDingtalk(dingRequest(DINGTALK.sign), secrets, now)).toEqual({
      kind: "message",
      platform: "dingtalk",
      user: "manager7140",
      text: " 日报 昨天",
      eventId: "msgABC==",
      reply: {
        platform: "dingtalk",
        sessionWebhook: "https://oapi.dingtalk.com/robot/sendBySession?session=abc",
      },
    });
  });

  it("refuses unsigned, forged and replayed requests", () => {
    expect(readDingtalk(dingRequest(undefined), secrets, now)).toMatchObject({ kind: "refused" });
    expect(
      readDingtalk(dingRequest(dingtalkInboundSign(DINGTALK.timestamp, "wrong")), secrets, now),
    ).toMatchObject({ kind: "refused", reason: expect.stringMatching(/AppSecret/) });
    expect(
      readDingtalk(
        dingRequest(DINGTALK.sign),
        secrets,
        new Date(Number(DINGTALK.timestamp) + 301_000),
      ),
    ).toMatchObject({ kind: "refused", reason: expect.stringMatching(/replay/) });
  });
});

// Feishu: the decryption example of its "Encrypt Key" page (key "test key" → "hello world");
// the signature rule sha256(timestamp + nonce + encrypt_key + body) from the same guide, its
// value here computed independently with `printf … | sha256sum`.
const FEISHU = {
  key: "test key",
  encrypted: "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=",
  body: '{"encrypt":"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="}',
  signature: "002a272a435d056759149cce18e88064ff320d38d91a09432445c344c4296949",
};

function feishuEncrypt(key: string, text: string): string {
  const aesKey = createHash("sha256").update(key).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", aesKey, iv);
  return Buffer.concat([iv, cipher.update(text, "utf8"), cipher.final()]).toString("base64");
}

describe("Feishu", () => {
  const secrets = { verificationToken: "v-token", encryptKey: FEISHU.key };
  const event = (token = "v-token") =>
    JSON.stringify({
      schema: "2.0",
      header: { event_id: "ev-1", event_type: "im.message.receive_v1", token },
      event: {
        sender: { sender_id: { open_id: "ou_view" } },
        message: {
          message_id: "om_1",
          message_type: "text",
          content: JSON.stringify({ text: "@_user_1 周报 上周" }),
        },
      },
    });
  const signedRequest = (body: string, timestamp = "1700000000", key = FEISHU.key) =>
    request({
      body,
      headers: {
        "x-lark-request-timestamp": timestamp,
        "x-lark-request-nonce": "nonce-1",
        "x-lark-signature": feishuEventSignature(timestamp, "nonce-1", key, body),
      },
    });

  it("decrypts the documented example and computes the signature vector", () => {
    expect(feishuDecrypt(FEISHU.key, FEISHU.encrypted)).toBe("hello world");
    expect(() => feishuDecrypt("other key", FEISHU.encrypted)).toThrow();
    expect(feishuEventSignature("1700000000", "nonce-1", FEISHU.key, FEISHU.body)).toBe(
      FEISHU.signature,
    );
  });

  it("accepts a signed message event and reads its text without the mention", () => {
    const body = JSON.stringify({ encrypt: feishuEncrypt(FEISHU.key, event()) });
    expect(readFeishu(signedRequest(body), secrets, at(1700000010))).toEqual({
      kind: "message",
      platform: "feishu",
      user: "ou_view",
      text: "周报 上周",
      eventId: "ev-1",
      reply: { platform: "feishu", messageId: "om_1" },
    });
  });

  it("answers the URL check with its challenge when the token matches", () => {
    const check = (token: string) =>
      JSON.stringify({
        encrypt: feishuEncrypt(
          FEISHU.key,
          JSON.stringify({ challenge: "ch-1", token, type: "url_verification" }),
        ),
      });
    expect(readFeishu(request({ body: check("v-token") }), secrets, at(1700000000))).toEqual({
      kind: "challenge",
      body: '{"challenge":"ch-1"}',
      contentType: "application/json",
    });
    expect(readFeishu(request({ body: check("bad") }), secrets, at(1700000000))).toMatchObject({
      kind: "refused",
    });
  });

  it("refuses unsigned, forged, replayed, plaintext and wrong-token events", () => {
    const body = JSON.stringify({ encrypt: feishuEncrypt(FEISHU.key, event()) });
    const now = at(1700000000);
    expect(readFeishu(request({ body }), secrets, now)).toMatchObject({ kind: "refused" });
    const forged = signedRequest(body, "1700000000", "forger's key");
    expect(readFeishu(forged, secrets, now)).toMatchObject({
      kind: "refused",
      reason: "X-Lark-Signature does not match",
    });
    expect(readFeishu(signedRequest(body), secrets, at(1700000000 + 301))).toMatchObject({
      kind: "refused",
      reason: expect.stringMatching(/replay/),
    });
    expect(readFeishu(signedRequest(event()), secrets, now)).toMatchObject({
      kind: "refused",
      reason: expect.stringMatching(/Encrypt Key/),
    });
    const wrongToken = JSON.stringify({ encrypt: feishuEncrypt(FEISHU.key, event("stolen")) });
    expect(readFeishu(signedRequest(wrongToken), secrets, now)).toMatchObject({
      kind: "refused",
      reason: expect.stringMatching(/Verification Token/),
    });
  });
});

// WeCom: the sample of its callback encryption library (WXBizMsgCrypt Sample, documented at
// https://developer.work.weixin.qq.com/document/path/90968): token QDG6eK, corp id
// wx5823bf96d3bd56c7, EncodingAESKey jWmYm7…B2C, the POST with msg_signature 477715d1….
const WECOM = {
  secrets: {
    token: "QDG6eK",
    corpId: "wx5823bf96d3bd56c7",
    encodingAesKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
  },
  timestamp: "1409659813",
  nonce: "1372623149",
  signature: "477715d11cdb4164915debcba66cb864d751f3e6",
  encrypted:
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==",
};

describe("WeCom", () => {
  const body = `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[${WECOM.encrypted}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>`;
  const wecomRequest = (signature: string | undefined, timestamp = WECOM.timestamp) =>
    request({
      body,
      query: { timestamp, nonce: WECOM.nonce, ...(signature ? { msg_signature: signature } : {}) },
    });
  const now = at(Number(WECOM.timestamp) + 5);

  it("computes the documented msg_signature and decrypts the documented message", () => {
    expect(wecomSignature(WECOM.secrets.token, WECOM.timestamp, WECOM.nonce, WECOM.encrypted)).toBe(
      WECOM.signature,
    );
    const plain = wecomDecrypt(WECOM.secrets, WECOM.encrypted);
    expect(xmlField(plain, "Content")).toBe("hello");
    expect(xmlField(plain, "MsgId")).toBe("4561255354251345929");
    expect(() =>
      wecomDecrypt({ ...WECOM.secrets, corpId: "another-corp" }, WECOM.encrypted),
    ).toThrow(/receive id/);
  });

  it("accepts the documented request as a message", () => {
    expect(readWecom(wecomRequest(WECOM.signature), WECOM.secrets, now)).toMatchObject({
      kind: "message",
      platform: "wecom",
      text: "hello",
      eventId: "4561255354251345929",
      reply: { platform: "wecom", agentId: "218" },
    });
  });

  it("refuses unsigned, forged and replayed requests and XML declarations", () => {
    expect(readWecom(wecomRequest(undefined), WECOM.secrets, now)).toMatchObject({
      kind: "refused",
    });
    expect(readWecom(wecomRequest("0".repeat(40)), WECOM.secrets, now)).toMatchObject({
      kind: "refused",
      reason: expect.stringMatching(/Token/),
    });
    expect(
      readWecom(wecomRequest(WECOM.signature), WECOM.secrets, at(Number(WECOM.timestamp) + 301)),
    ).toMatchObject({ kind: "refused", reason: expect.stringMatching(/replay/) });
    const entity = request({
      body: `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${body}`,
      query: { timestamp: WECOM.timestamp, nonce: WECOM.nonce, msg_signature: WECOM.signature },
    });
    expect(readWecom(entity, WECOM.secrets, now)).toMatchObject({ kind: "refused" });
  });
});
