/**
 * Who may run chat commands: `chat_commands` in `config/recipients.yaml`. Report figures are
 * confidential, so only people on `viewers` get a preview, status, ack or silence; only
 * people on `senders` may send a report to its configured lists (a sender may also view).
 * A person is named `<platform>:<user id>` as the platform sends it: `slack:U0123ABCD`,
 * `feishu:ou_7d8a6e6df7621556ce0d21922b676706ccs`, `dingtalk:manager7140`, `wecom:zhangsan`.
 */
import * as z from "zod";

/** The platforms chat commands come from. */
export const CHAT_PLATFORMS = ["slack", "feishu", "dingtalk", "wecom"] as const;
export type ChatPlatformName = (typeof CHAT_PLATFORMS)[number];

const chatUser = z
  .string()
  .regex(
    /^(slack|feishu|dingtalk|wecom):[A-Za-z0-9_.@$-]+$/,
    "expected <platform>:<user id>, e.g. slack:U0123ABCD (platforms: slack, feishu, dingtalk, wecom)",
  );

/** `chat_commands` in recipients.yaml: the allow-lists. */
export const chatCommandsSchema = z
  .strictObject({
    /** May preview reports, see status, ack and silence alerts. */
    viewers: z.array(chatUser).default([]),
    /** May also send a report to its configured lists. */
    senders: z.array(chatUser).default([]),
  })
  .prefault({});

export type ChatCommandsConfig = z.output<typeof chatCommandsSchema>;

/** What a person may do. */
export type ChatRole = "sender" | "viewer" | "unknown";

/** The role of `<platform>:<user>` under the allow-lists. */
export function roleOf(
  config: ChatCommandsConfig,
  platform: ChatPlatformName,
  user: string,
): ChatRole {
  const id = `${platform}:${user}`;
  if (config.senders.includes(id)) return "sender";
  if (config.viewers.includes(id)) return "viewer";
  return "unknown";
}
