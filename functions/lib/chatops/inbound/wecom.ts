/**
 * WeCom (企业微信) application callbacks. Each request carries `msg_signature`, `timestamp`
 * (seconds) and `nonce` in its query; msg_signature = sha1 of the sorted, concatenated
 * [token, timestamp, nonce, msg_encrypt]. The message (an XML `<Encrypt>`, or the URL check's
 * `echostr`) is AES-256-CBC with key = base64(EncodingAESKey + "="), IV = its first 16 bytes,
 * PKCS#7 to 32 bytes; the plaintext is random(16) + length(4, big-endian) + msg + receiveid
 * (the corp id) (https://developer.work.weixin.qq.com/document/path/90968, /91144).
 */
import { createDecipheriv } from "node:crypto";
import {
  type InboundRequest,
  type InboundVerdict,
  refused,
  sameSecret,
  sha1Hex,
  staleReason,
} from "./verdict.ts";

export interface WecomSecrets {
  readonly token: string;
  readonly encodingAesKey: string;
  readonly corpId: string;
}

export function wecomSignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypted: string,
): string {
  return sha1Hex([token, timestamp, nonce, encrypted].sort().join(""));
}

/** Decrypts a message and checks its receive id; throws when it does not decrypt or match. */
export function wecomDecrypt(secrets: WecomSecrets, encrypted: string): string {
  const key = Buffer.from(`${secrets.encodingAesKey}=`, "base64");
  if (key.length !== 32) throw new Error("EncodingAESKey is not 43 characters");
  const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([
    decipher.update(Buffer.from(encrypted, "base64")),
    decipher.final(),
  ]);
  const pad = padded.at(-1) ?? 0;
  if (pad < 1 || pad > 32) throw new Error("bad padding");
  const plain = padded.subarray(0, padded.length - pad);
  const length = plain.readUInt32BE(16);
  const message = plain.subarray(20, 20 + length).toString("utf8");
  const receiveId = plain.subarray(20 + length).toString("utf8");
  if (receiveId !== secrets.corpId) throw new Error("receive id is not this corp");
  return message;
}

/** The text of an XML element (CDATA or plain); undefined when absent. */
export function xmlField(xml: string, name: string): string | undefined {
  const match = new RegExp(
    `<${name}>\\s*(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))\\s*</${name}>`,
  ).exec(xml);
  return match ? (match[1] ?? match[2] ?? "") : undefined;
}

export function readWecom(
  request: InboundRequest,
  secrets: WecomSecrets,
  now: Date,
): InboundVerdict {
  const { msg_signature: signature, timestamp, nonce } = request.query;
  if (!signature || !timestamp || !nonce || !/^\d+$/.test(timestamp)) {
    return refused("no msg_signature, timestamp and nonce in the query");
  }
  const stale = staleReason(Number(timestamp) * 1000, now);
  if (stale) return refused(stale);
  if (/<!DOCTYPE|<!ENTITY/i.test(request.body)) return refused("XML declarations are refused");
  const isUrlCheck = request.method === "GET";
  const encrypted = isUrlCheck ? request.query.echostr : xmlField(request.body, "Encrypt");
  if (!encrypted) return refused(isUrlCheck ? "no echostr" : "no <Encrypt> in the body");
  if (!sameSecret(wecomSignature(secrets.token, timestamp, nonce, encrypted), signature)) {
    return refused("msg_signature does not match the callback Token");
  }
  let plain: string;
  try {
    plain = wecomDecrypt(secrets, encrypted);
  } catch (error) {
    return refused(`the message does not decrypt: ${(error as Error).message}`);
  }
  if (isUrlCheck) return { kind: "challenge", body: plain, contentType: "text/plain" };
  const user = xmlField(plain, "FromUserName");
  const msgId = xmlField(plain, "MsgId");
  const agentId = xmlField(plain, "AgentID");
  if (xmlField(plain, "MsgType") !== "text" || !user || !msgId || !agentId) {
    return { kind: "ignored", reason: "not a text message" };
  }
  return {
    kind: "message",
    platform: "wecom",
    user,
    text: xmlField(plain, "Content") ?? "",
    eventId: msgId,
    reply: { platform: "wecom", user, agentId },
  };
}
