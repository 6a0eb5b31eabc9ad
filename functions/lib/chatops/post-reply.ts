/**
 * Posts a reply in the asker's conversation: Slack's `response_url`, DingTalk's
 * `sessionWebhook`, a Feishu reply to the message (tenant access token from the app id and
 * secret) or a WeCom application message to the asker (access token from the corp secret).
 * A reply with a card goes as the platform's card (`reply-message.ts`), else as text.
 * `fetch` is injected; a platform's refusal throws with its code, never a credential.
 */
import type { ReplyTarget } from "./inbound/verdict.ts";
import {
  dingtalkReply,
  feishuReply,
  type ReplyMessage,
  slackReply,
  wecomReply,
} from "./reply-message.ts";
import type { ChatSecrets } from "./secrets.ts";

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** A platform did not take the reply. */
export class ReplyError extends Error {
  override name = "ReplyError";
}

const FEISHU_API = "https://open.feishu.cn/open-apis";
const WECOM_API = "https://qyapi.weixin.qq.com/cgi-bin";
const TIMEOUT_MS = 2_000;

export async function postReply(
  target: ReplyTarget,
  message: ReplyMessage,
  secrets: ChatSecrets,
  fetch: Fetch,
): Promise<void> {
  switch (target.platform) {
    case "slack":
      await call(fetch, target.responseUrl, slackReply(message, "in_channel"), "slack");
      return;
    case "dingtalk":
      await call(fetch, target.sessionWebhook, dingtalkReply(message), "dingtalk");
      return;
    case "feishu": {
      const app = secrets.feishu;
      if (!app) throw new ReplyError("feishu is not in the chat secret");
      const token = (await call(
        fetch,
        `${FEISHU_API}/auth/v3/tenant_access_token/internal`,
        { app_id: app.appId, app_secret: app.appSecret },
        "feishu",
      )) as { tenant_access_token?: string };
      await call(
        fetch,
        `${FEISHU_API}/im/v1/messages/${encodeURIComponent(target.messageId)}/reply`,
        feishuReply(message),
        "feishu",
        { authorization: `Bearer ${token.tenant_access_token ?? ""}` },
      );
      return;
    }
    case "wecom": {
      const app = secrets.wecom;
      if (!app) throw new ReplyError("wecom is not in the chat secret");
      const token = (await call(
        fetch,
        `${WECOM_API}/gettoken?corpid=${encodeURIComponent(app.corpId)}&corpsecret=${encodeURIComponent(app.corpSecret)}`,
        undefined,
        "wecom",
      )) as { access_token?: string };
      await call(
        fetch,
        `${WECOM_API}/message/send?access_token=${encodeURIComponent(token.access_token ?? "")}`,
        wecomReply(message, target.user, target.agentId),
        "wecom",
      );
      return;
    }
  }
}

/** POSTs JSON (GET without a body); returns the JSON answer; throws on an HTTP or API error. */
async function call(
  fetch: Fetch,
  url: string,
  body: unknown,
  platform: string,
  headers: Record<string, string> = {},
): Promise<unknown> {
  const response = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new ReplyError(`${platform} answered HTTP ${response.status}`);
  if (!text || platform === "slack") return {};
  let json: { code?: number; errcode?: number; msg?: string; errmsg?: string };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    return {};
  }
  const code = json.code ?? json.errcode ?? 0;
  if (code !== 0)
    throw new ReplyError(
      `${platform} refused the reply: ${code} ${json.msg ?? json.errmsg ?? ""}`.trim(),
    );
  return json;
}
