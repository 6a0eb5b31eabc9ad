/** The platform adapters by contact point type. */
import type { ContactPointType } from "../config.ts";
import { dingtalk } from "./dingtalk.ts";
import { feishu } from "./feishu.ts";
import type { ChatPlatform } from "./platform.ts";
import { slack } from "./slack.ts";
import { webhook } from "./webhook.ts";
import { wecom } from "./wecom.ts";

export const PLATFORMS: Readonly<Record<ContactPointType, ChatPlatform>> = {
  wecom,
  dingtalk,
  feishu,
  slack,
  webhook,
};

export type { ChatAnswer, ChatPlatform, ChatRequest, Json, Verdict } from "./platform.ts";
