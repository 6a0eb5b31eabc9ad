/**
 * DingTalk robots that receive messages (企业内部机器人, HTTP mode). DingTalk sends the
 * headers `timestamp` (milliseconds) and `sign` = base64(HMAC-SHA256(appSecret, timestamp +
 * "\n" + appSecret)); the robot checks both (DingTalk's own limit is an hour, ours five
 * minutes). The JSON body carries `msgId`, `senderStaffId`, `text.content` and a
 * `sessionWebhook` to reply to (https://open.dingtalk.com/document/orgapp/receive-message).
 */
import {
  hmacSha256,
  type InboundRequest,
  type InboundVerdict,
  refused,
  sameSecret,
  staleReason,
} from "./verdict.ts";

export interface DingtalkSecrets {
  readonly appSecret: string;
}

/** The `sign` header for a timestamp (milliseconds). */
export function dingtalkInboundSign(timestampMs: string, appSecret: string): string {
  return hmacSha256(appSecret, `${timestampMs}\n${appSecret}`, "base64");
}

interface DingtalkMessage {
  readonly msgId?: string;
  readonly msgtype?: string;
  readonly text?: { readonly content?: string };
  readonly senderStaffId?: string;
  readonly senderId?: string;
  readonly sessionWebhook?: string;
}

export function readDingtalk(
  request: InboundRequest,
  secrets: DingtalkSecrets,
  now: Date,
): InboundVerdict {
  const timestamp = request.headers.timestamp;
  if (!timestamp || !/^\d+$/.test(timestamp)) return refused("no timestamp header");
  const stale = staleReason(Number(timestamp), now);
  if (stale) return refused(stale);
  if (!sameSecret(dingtalkInboundSign(timestamp, secrets.appSecret), request.headers.sign)) {
    return refused("sign does not match the robot's AppSecret");
  }
  let message: DingtalkMessage;
  try {
    message = JSON.parse(request.body) as DingtalkMessage;
  } catch {
    return refused("body is not JSON");
  }
  const user = message.senderStaffId ?? message.senderId;
  if (message.msgtype !== "text" || !message.msgId || !user || !message.sessionWebhook) {
    return { kind: "ignored", reason: "not a text message" };
  }
  if (!/^https:\/\/(oapi|api)\.dingtalk\.com\//.test(message.sessionWebhook)) {
    return refused("sessionWebhook is not on dingtalk.com");
  }
  return {
    kind: "message",
    platform: "dingtalk",
    user,
    text: message.text?.content ?? "",
    eventId: message.msgId,
    reply: { platform: "dingtalk", sessionWebhook: message.sessionWebhook },
  };
}
