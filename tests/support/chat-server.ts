/**
 * A local stand-in for the five chat platforms, on 127.0.0.1 only: a real HTTP server that
 * checks each platform's signature (implemented here on its own, from the platforms'
 * documentation, not with the code under test) and payload shape, records every message it
 * accepted, and answers in each platform's own form — success, too fast, a refused payload, a
 * 5xx — or not at all in time (a timeout), as a test scripts it.
 *
 * Paths: `/wecom/send?key=K`, `/dingtalk/robot/send?access_token=K`,
 * `/feishu/open-apis/bot/v2/hook/K`, `/slack/services/K`, `/webhook/K`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Platform = "wecom" | "dingtalk" | "feishu" | "slack" | "webhook";

/** What the server does with the next request to a platform. */
export type Behaviour =
  | "ok"
  /** Too fast, in the platform's own form (HTTP 200 + code, or 429 + Retry-After). */
  | "rate_limit"
  | "server_error"
  /** The payload refused (the platform's own "bad request"). */
  | "payload_error"
  /** Accepts (posts) the message, then answers only after `holdMs`. */
  | "timeout_after_post";

/** A message the server accepted (posted to the "group"). */
export interface PostedMessage {
  readonly platform: Platform;
  readonly token: string;
  readonly body: Record<string, unknown>;
  readonly at: number;
}

/** Every request received, accepted or not. */
export interface ReceivedRequest {
  readonly platform: Platform;
  readonly behaviour: Behaviour | "bad_signature" | "bad_shape";
  readonly problem?: string;
}

export interface ChatServer {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The webhook URL of each platform (token `t0k`). */
  urls(): Record<Platform, string>;
  readonly posted: PostedMessage[];
  readonly received: ReceivedRequest[];
  /** Scripts the next answers of a platform, in order; `ok` after the script runs out. */
  script(platform: Platform, ...behaviours: Behaviour[]): void;
  close(): Promise<void>;
}

export interface ChatServerOptions {
  /** Signing secrets the robots have (DingTalk, Feishu). */
  readonly secrets?: Partial<Record<"dingtalk" | "feishu", string>>;
  /** How long a `timeout_after_post` answer is held (default 1500 ms). */
  readonly holdMs?: number;
  /** The platforms' clock (default: the real one). */
  readonly now?: () => number;
}

const HOUR_MS = 3_600_000;

export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const posted: PostedMessage[] = [];
  const received: ReceivedRequest[] = [];
  const scripts: Partial<Record<Platform, Behaviour[]>> = {};
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const now = options.now ?? Date.now;

  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const route = routeOf(url);
    if (!route || request.method !== "POST") {
      response.writeHead(404).end("no such robot");
      return;
    }
    const { platform, token } = route;
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      received.push({ platform, behaviour: "bad_shape", problem: "not JSON" });
      answer(response, platform, "payload_error");
      return;
    }
    const signature = checkSignature(platform, url, json, options.secrets ?? {}, now());
    if (signature) {
      received.push({ platform, behaviour: "bad_signature", problem: signature });
      answerBadSignature(response, platform);
      return;
    }
    const shape = checkShape(platform, json);
    if (shape) {
      received.push({ platform, behaviour: "bad_shape", problem: shape });
      answer(response, platform, "payload_error");
      return;
    }
    const behaviour = scripts[platform]?.shift() ?? "ok";
    received.push({ platform, behaviour });
    if (behaviour === "ok" || behaviour === "timeout_after_post") {
      posted.push({ platform, token, body: json, at: now() });
    }
    if (behaviour === "timeout_after_post") {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!response.writableEnded) answer(response, platform, "ok");
      }, options.holdMs ?? 1500);
      timers.add(timer);
      return;
    }
    answer(response, platform, behaviour);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    urls: () => ({
      wecom: `${base}/wecom/send?key=t0k`,
      dingtalk: `${base}/dingtalk/robot/send?access_token=t0k`,
      feishu: `${base}/feishu/open-apis/bot/v2/hook/t0k`,
      slack: `${base}/slack/services/t0k`,
      webhook: `${base}/webhook/t0k`,
    }),
    posted,
    received,
    script(platform, ...behaviours) {
      scripts[platform] = [...(scripts[platform] ?? []), ...behaviours];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function routeOf(url: URL): { platform: Platform; token: string } | undefined {
  const path = url.pathname;
  if (path === "/wecom/send") return token("wecom", url.searchParams.get("key"));
  if (path === "/dingtalk/robot/send")
    return token("dingtalk", url.searchParams.get("access_token"));
  const feishu = /^\/feishu\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(path);
  if (feishu) return token("feishu", feishu[1]);
  const slack = /^\/slack\/services\/([^/]+)$/.exec(path);
  if (slack) return token("slack", slack[1]);
  const webhook = /^\/webhook\/([^/]+)$/.exec(path);
  if (webhook) return token("webhook", webhook[1]);
  return undefined;
}

function token(platform: Platform, value: string | null | undefined) {
  return value ? { platform, token: value } : undefined;
}

/**
 * DingTalk: `sign` = urlencode(base64(HmacSHA256(secret, timestamp + "\n" + secret))), in the
 * query with `timestamp` (ms), within an hour. Feishu: `sign` = base64(HmacSHA256(key =
 * timestamp + "\n" + secret, empty message)), in the body with `timestamp` (s), within an hour.
 */
function checkSignature(
  platform: Platform,
  url: URL,
  json: Record<string, unknown>,
  secrets: Partial<Record<"dingtalk" | "feishu", string>>,
  now: number,
): string | undefined {
  if (platform === "dingtalk" && secrets.dingtalk) {
    const timestamp = url.searchParams.get("timestamp");
    // searchParams decodes the URL encoding once: what remains is the base64 signature.
    const sign = url.searchParams.get("sign");
    if (!timestamp || !sign) return "timestamp or sign missing from the query";
    if (Math.abs(now - Number(timestamp)) > HOUR_MS) return "timestamp more than an hour off";
    const expected = createHmac("sha256", secrets.dingtalk)
      .update(`${timestamp}\n${secrets.dingtalk}`)
      .digest("base64");
    return same(sign, expected) ? undefined : "sign does not match";
  }
  if (platform === "feishu" && secrets.feishu) {
    const { timestamp, sign } = json;
    if (typeof timestamp !== "string" || typeof sign !== "string") {
      return "timestamp or sign missing from the body (strings expected)";
    }
    if (Math.abs(now / 1000 - Number(timestamp)) > HOUR_MS / 1000) {
      return "timestamp more than an hour off";
    }
    const expected = createHmac("sha256", `${timestamp}\n${secrets.feishu}`).digest("base64");
    return same(sign, expected) ? undefined : "sign does not match";
  }
  return undefined;
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const isString = (value: unknown): value is string => typeof value === "string" && value.length > 0;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The shape each platform documents for the message types opspulse sends. */
function checkShape(platform: Platform, json: Record<string, unknown>): string | undefined {
  switch (platform) {
    case "wecom": {
      const markdown = json.markdown;
      if (json.msgtype !== "markdown" || !isObject(markdown) || !isString(markdown.content)) {
        return "expected {msgtype: markdown, markdown: {content}}";
      }
      return Buffer.byteLength(markdown.content) > 4096 ? "content over 4096 bytes" : undefined;
    }
    case "dingtalk": {
      if (json.msgtype === "markdown") {
        const m = json.markdown;
        return isObject(m) && isString(m.title) && isString(m.text)
          ? undefined
          : "expected markdown {title, text}";
      }
      if (json.msgtype === "actionCard") {
        const card = json.actionCard;
        return isObject(card) &&
          isString(card.title) &&
          isString(card.text) &&
          isString(card.singleTitle) &&
          isString(card.singleURL)
          ? undefined
          : "expected actionCard {title, text, singleTitle, singleURL}";
      }
      return `unexpected msgtype ${String(json.msgtype)}`;
    }
    case "feishu": {
      const card = json.card;
      if (json.msg_type !== "interactive" || !isObject(card)) {
        return "expected {msg_type: interactive, card}";
      }
      const header = card.header;
      if (!isObject(header) || !isObject(header.title) || !isString(header.title.content)) {
        return "expected card.header.title.content";
      }
      if (!Array.isArray(card.elements) || card.elements.length === 0) {
        return "expected card.elements";
      }
      return card.elements.every((e) => isObject(e) && isString(e.tag))
        ? undefined
        : "every element needs a tag";
    }
    case "slack": {
      if (!isString(json.text)) return "expected a fallback text";
      if (!Array.isArray(json.blocks) || json.blocks.length === 0) return "expected blocks";
      if (json.blocks.length > 50) return "more than 50 blocks";
      return json.blocks.every((b) => isObject(b) && isString(b.type))
        ? undefined
        : "every block needs a type";
    }
    case "webhook":
      return json.schema === "opspulse.chat/v1" && isString(json.dedup_key) && isString(json.title)
        ? undefined
        : "expected {schema: opspulse.chat/v1, dedup_key, title}";
  }
}

function answer(response: ServerResponse, platform: Platform, behaviour: Behaviour): void {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    response
      .writeHead(status, { "content-type": "application/json", ...headers })
      .end(JSON.stringify(body));
  const text = (status: number, body: string, headers: Record<string, string> = {}) =>
    response.writeHead(status, { "content-type": "text/plain", ...headers }).end(body);
  if (behaviour === "server_error") {
    text(503, "service unavailable");
    return;
  }
  switch (platform) {
    case "wecom":
      json(
        200,
        behaviour === "rate_limit"
          ? { errcode: 45009, errmsg: "api freq out of limit" }
          : behaviour === "payload_error"
            ? { errcode: 40008, errmsg: "invalid message type" }
            : { errcode: 0, errmsg: "ok" },
      );
      return;
    case "dingtalk":
      json(
        200,
        behaviour === "rate_limit"
          ? { errcode: 130101, errmsg: "send too fast, exceed 20 times per minute" }
          : behaviour === "payload_error"
            ? { errcode: 40035, errmsg: "缺少参数 json" }
            : { errcode: 0, errmsg: "ok" },
      );
      return;
    case "feishu":
      json(
        200,
        behaviour === "rate_limit"
          ? { code: 11232, msg: "frequency limited psm[lark.oapi.app_platform_runtime]" }
          : behaviour === "payload_error"
            ? { code: 9499, msg: "Bad Request", data: {} }
            : { code: 0, msg: "success", data: {} },
      );
      return;
    case "slack":
      if (behaviour === "rate_limit") text(429, "rate_limited", { "retry-after": "1" });
      else if (behaviour === "payload_error") text(400, "invalid_payload");
      else text(200, "ok");
      return;
    case "webhook":
      if (behaviour === "rate_limit") json(429, { error: "slow down" }, { "retry-after": "2" });
      else if (behaviour === "payload_error") json(400, { error: "bad event" });
      else json(202, { status: "accepted" });
      return;
  }
}

function answerBadSignature(response: ServerResponse, platform: Platform): void {
  const body =
    platform === "dingtalk"
      ? { errcode: 310000, errmsg: "sign not match" }
      : {
          code: 19021,
          msg: "sign match fail or timestamp is not within one hour from current time",
        };
  response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
