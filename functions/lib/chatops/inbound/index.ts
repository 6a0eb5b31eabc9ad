/**
 * Reads an inbound request of any platform: verification first (signature, then a
 * timestamp no more than five minutes away), then the message. The platform is the path
 * the request came to (`/slack`, `/feishu`, `/dingtalk`, `/wecom`).
 */
import type { ChatPlatformName } from "../access.ts";
import { type DingtalkSecrets, readDingtalk } from "./dingtalk.ts";
import { type FeishuSecrets, readFeishu } from "./feishu.ts";
import { readSlack, type SlackSecrets } from "./slack.ts";
import type { InboundRequest, InboundVerdict } from "./verdict.ts";
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
  switch (platform) {
    case "slack":
      return secrets.slack
        ? readSlack(request, secrets.slack, now)
        : { kind: "refused", reason: "slack is not configured" };
    case "feishu":
      return secrets.feishu
        ? readFeishu(request, secrets.feishu, now)
        : { kind: "refused", reason: "feishu is not configured" };
    case "dingtalk":
      return secrets.dingtalk
        ? readDingtalk(request, secrets.dingtalk, now)
        : { kind: "refused", reason: "dingtalk is not configured" };
    case "wecom":
      return secrets.wecom
        ? readWecom(request, secrets.wecom, now)
        : { kind: "refused", reason: "wecom is not configured" };
  }
}
