/**
 * Slack slash commands. Slack signs each request with the app's signing secret:
 * `X-Slack-Signature: v0=` + hex(HMAC-SHA256(secret, "v0:" + X-Slack-Request-Timestamp +
 * ":" + raw body)); a timestamp more than five minutes away is a replay
 * (https://api.slack.com/authentication/verifying-requests-from-slack). The form body
 * carries `user_id`, `text`, `response_url` and `trigger_id` (unique per invocation).
 */
import {
  hmacSha256,
  type InboundRequest,
  type InboundVerdict,
  refused,
  sameSecret,
  staleReason,
} from "./verdict.ts";

export interface SlackSecrets {
  readonly signingSecret: string;
}

/** `v0=<hex>` for a timestamp (seconds) and raw body. */
export function slackSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${hmacSha256(secret, `v0:${timestamp}:${body}`, "hex")}`;
}

export function readSlack(
  request: InboundRequest,
  secrets: SlackSecrets,
  now: Date,
): InboundVerdict {
  const timestamp = request.headers["x-slack-request-timestamp"];
  if (!timestamp || !/^\d+$/.test(timestamp)) return refused("no X-Slack-Request-Timestamp");
  const stale = staleReason(Number(timestamp) * 1000, now);
  if (stale) return refused(stale);
  const expected = slackSignature(secrets.signingSecret, timestamp, request.body);
  if (!sameSecret(expected, request.headers["x-slack-signature"])) {
    return refused("X-Slack-Signature does not match the signing secret");
  }
  const form = new URLSearchParams(request.body);
  const user = form.get("user_id");
  const responseUrl = form.get("response_url");
  const eventId = form.get("trigger_id");
  if (!user || !responseUrl || !eventId) return { kind: "ignored", reason: "not a slash command" };
  if (!responseUrl.startsWith("https://hooks.slack.com/")) {
    return refused("response_url is not on hooks.slack.com");
  }
  return {
    kind: "message",
    platform: "slack",
    user,
    text: form.get("text") ?? "",
    eventId,
    reply: { platform: "slack", responseUrl },
  };
}
