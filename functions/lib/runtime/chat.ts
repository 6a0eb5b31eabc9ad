/**
 * The alert channels of a process with chat contact points: email and the chat platforms
 * (the chat channel itself is opened by open-chat.ts).
 */
import type { ChatChannel, ChatRunDeps } from "../chat/channel.ts";
import { createChatChannels } from "../chat/notify-channel.ts";
import { createEmailChannel } from "../notify/email-channel.ts";
import type { Channel } from "../notify/ports.ts";
import type { CompiledTemplate } from "../report/email/template.ts";

/**
 * The channels of the alert messages when the config has chat contact points: email (as by
 * default) and the five chat platforms; undefined without any (email alone, the default).
 */
export function alertChannels(
  deps: ChatRunDeps,
  template: CompiledTemplate,
  chat: ChatChannel | undefined,
): Channel[] | undefined {
  if (!chat) return undefined;
  return [
    createEmailChannel({ mailer: deps.mailer, sender: deps.config.sender, template }),
    ...createChatChannels(deps, chat),
  ];
}
