/**
 * Reads an inbound request of any platform: verification first (signature, then a
 * timestamp no more than five minutes away), then the message. The platform is the path
 * the request came to (`/slack`, `/feishu`, `/dingtalk`, `/wecom`).
 */
import type { ChatPlatformName } from "../access.ts";
import { type DingtalkSecrets, readDingtalk } from "./dingtalk.ts";
import { type FeishuSecrets, readFeishu } from "./feishu.ts";
import { readSlack, type SlackSecrets } from "./slack.ts";
import { type InboundRequest, type InboundVerdict, refused } from "./verdict.ts";
import { readWecom, type WecomSecrets } from "./wecom.ts";

export type { InboundRequest, InboundVerdict, ReplyTarget } from "./verdict.ts";

/** Each platform's app credentials; a platform without them is refused. */
export interface InboundSecrets {
  readonly slack?: SlackSecrets;
  readonly feishu?: FeishuSecrets;
  readonly dingtalk?: DingtalkSecrets;
  readonly wecom?: WecomSecrets;
}

export function readInbound(
  platform: ChatPlatformName,
  request: InboundRequest,
  secrets: InboundSecrets,
  now: Date,
): InboundVerdict {
  const notConfigured = refused(`${platform} is not configured`);
  switch (platform) {
    case "slack":
      return secrets.slack ? readSlack(request, secrets.slack, now) : notConfigured;
    case "feishu":
      return secrets.feishu ? readFeishu(request, secrets.feishu, now) : notConfigured;
    case "dingtalk":
      return secrets.dingtalk ? readDingtalk(request, secrets.dingtalk, now) : notConfigured;
    case "wecom":
      return secrets.wecom ? readWecom(request, secrets.wecom, now) : notConfigured;
  }
}
