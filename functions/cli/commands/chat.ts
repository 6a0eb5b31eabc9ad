/**
 * `opspulse chat --text "report daily 2026-11-20" --user U1 --platform slack`: a chat
 * command run locally through the same parser, allow-lists and use case as the inbound
 * Lambda, against the local lake; prints the reply the chat would get. Exit code 0 when the
 * command ran (or was help), 2 when it was refused (unknown user, malformed, no data), 1 when
 * the run failed.
 */
import type { Command } from "commander";
import { CHAT_PLATFORMS, type ChatPlatformName } from "../../lib/chatops/access.ts";
import { handleChatCommand } from "../../lib/chatops/handle.ts";
import { replyPayload } from "../../lib/chatops/reply-message.ts";
import { localChatRunner } from "../chat-runner.ts";
import { UserError } from "../errors.ts";
import { type FolderOptions, openReportRuntime, withFolders } from "./run.ts";

interface ChatOptions extends FolderOptions {
  readonly text: string;
  readonly user: string;
  readonly platform: string;
  readonly today?: string;
  readonly json?: boolean;
}

export function registerChat(program: Command): void {
  withFolders(
    program
      .command("chat")
      .description(
        "run a chat command (report, send, status, ack, silence, help) locally, as the chat bot would",
      )
      .requiredOption(
        "--text <command>",
        'the message, e.g. "report daily yesterday" or "日报 昨天"',
      )
      .requiredOption("--user <id>", "the platform's user id of the asker")
      .option("--platform <name>", CHAT_PLATFORMS.join(", "), "slack")
      .option(
        "--today <YYYY-MM-DD>",
        "the day relative dates resolve against (default: today in the report's zone)",
      )
      .option("--json", "print the reply as the platform gets it (the report's card included)"),
  ).action(async (opts: ChatOptions) => {
    if (!(CHAT_PLATFORMS as readonly string[]).includes(opts.platform)) {
      throw new UserError(`--platform ${opts.platform} is not one of ${CHAT_PLATFORMS.join(", ")}`);
    }
    if (opts.today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.today)) {
      throw new UserError(`--today ${opts.today} is not a date: give YYYY-MM-DD`);
    }
    const runtime = await openReportRuntime(opts);
    try {
      const now = runtime.deps.clock.now();
      const zone = runtime.deps.config.schedules.daily.timeZone;
      const reply = await handleChatCommand(
        {
          access: runtime.deps.config.chatCommands ?? { viewers: [], senders: [] },
          runner: localChatRunner(runtime),
          runLog: runtime.deps.runLog,
        },
        {
          platform: opts.platform as ChatPlatformName,
          user: opts.user,
          text: opts.text,
          today: opts.today ?? new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(now),
          now,
        },
      );
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(replyPayload(opts.platform as ChatPlatformName, reply, opts.user), null, 2)}\n`
          : `${reply.text}\n`,
      );
      if (reply.outcome === "failed") process.exitCode = 1;
      else if (reply.outcome !== "ran" && reply.outcome !== "help" && reply.outcome !== "queued")
        process.exitCode = 2;
    } finally {
      await runtime.close();
    }
  });
}
