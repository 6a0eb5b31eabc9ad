/**
 * The chat command use case, the same for `opspulse chat` and the inbound Lambda: parse the
 * text, check the asker against the allow-lists, refuse a date with no data, run the command
 * through a {@link ChatRunner} and record who asked what, and the outcome, in the run log.
 * Nothing runs for an unknown user, a malformed command or a date with no data: each gets
 * a reply saying why.
 */

import type { ChatCard } from "../chat/card.ts";
import { AlertCommandError } from "../kpi/alert-acks.ts";
import type { Locale } from "../kpi/registry.ts";
import type { RunLog } from "../ports.ts";
import { type ChatCommandsConfig, type ChatPlatformName, roleOf } from "./access.ts";
import { type ChatCommand, ChatParseError, parseChatCommand, USAGE } from "./grammar.ts";
import { type ChatReport, replyCard, replyText } from "./reply.ts";

/** One message from a person in the chat. */
export interface ChatAsk {
  readonly platform: ChatPlatformName;
  readonly user: string;
  readonly text: string;
  /** Today in the report time zone, `YYYY-MM-DD` (relative dates resolve against it). */
  readonly today: string;
  readonly now: Date;
  /** The platform's event or message id, for the run log. */
  readonly messageId?: string;
}

/** What a report command came to. */
export type ChatRunOutcome =
  | { readonly kind: "done"; readonly report: ChatReport }
  /** Started elsewhere (the ad-hoc Lambda); the reply follows in the thread. */
  | { readonly kind: "queued" }
  | { readonly kind: "no_data"; readonly reason: string }
  | { readonly kind: "failed"; readonly error: string };

/** Where commands run: the local lake, or the ad-hoc Lambda and the alert state in S3. */
export interface ChatRunner {
  report(request: {
    readonly report: "daily" | "weekly" | "campaigns";
    readonly date: string;
    readonly send: boolean;
    readonly locale: Locale;
    readonly asker: string;
  }): Promise<ChatRunOutcome>;
  /** Last runs and open alerts, a few lines. */
  status(locale: Locale): Promise<string>;
  /** Acks the metric's open alert; returns what was done (one line). */
  ack(metric: string, by: string, at: Date): Promise<string>;
  silence(metric: string, until: Date, reason: string, by: string, at: Date): Promise<string>;
}

/** The reply's outcome, as recorded in the run log. */
export type ChatOutcome =
  | "ran"
  | "queued"
  | "help"
  | "denied"
  | "malformed"
  | "no_data"
  /** The command cannot apply (nothing open to ack, a silence not in the future). */
  | "invalid"
  | "failed";

/** What the asker is told. */
export interface ChatReply {
  readonly outcome: ChatOutcome;
  readonly locale: Locale;
  readonly text: string;
  /** The finished run, when one was run here (the card's content). */
  readonly report?: ChatReport;
  /** The run's summary card, when one was run here and judged its metrics. */
  readonly card?: ChatCard;
}

export interface ChatCommandDeps {
  readonly access: ChatCommandsConfig;
  readonly runner: ChatRunner;
  readonly runLog: RunLog;
}

const DENIED: Readonly<Record<Locale, (who: string) => string>> = {
  en: (who) =>
    `Sorry, ${who} may not run reports: report figures are confidential. Ask an admin to add ${who} to chat_commands.viewers in config/recipients.yaml.`,
  "zh-CN": (who) =>
    `抱歉，${who} 无权运行报告（报告数据保密）。请管理员把 ${who} 加入 config/recipients.yaml 的 chat_commands.viewers。`,
};
const NOT_SENDER: Readonly<Record<Locale, (who: string) => string>> = {
  en: (who) =>
    `${who} may preview but not send reports: ask an admin to add ${who} to chat_commands.senders in config/recipients.yaml, or drop "send" to preview.`,
  "zh-CN": (who) =>
    `${who} 可以预览但不能发送报告：请管理员把 ${who} 加入 chat_commands.senders，或去掉“发送”改为预览。`,
};
const FUTURE: Readonly<Record<Locale, (date: string, today: string) => string>> = {
  en: (date, today) =>
    `No data for ${date} yet: it is after today (${today}). Ask for today or an earlier date.`,
  "zh-CN": (date, today) => `${date} 还没有数据（今天是 ${today}）：请换今天或更早的日期。`,
};
const RUNNING: Readonly<Record<Locale, string>> = {
  en: "running…",
  "zh-CN": "正在运行…",
};

/** Handles one chat message; never throws for the asker's mistakes. */
export async function handleChatCommand(deps: ChatCommandDeps, ask: ChatAsk): Promise<ChatReply> {
  const who = `${ask.platform}:${ask.user}`;
  const reply = await decide(deps, ask, who);
  await deps.runLog.append({
    kind: "chat_command",
    at: ask.now.toISOString(),
    platform: ask.platform,
    user: who,
    text: ask.text.slice(0, 200),
    ...(ask.messageId ? { messageId: ask.messageId } : {}),
    outcome: reply.outcome,
    ...(reply.report ? { runId: reply.report.runId } : {}),
    ...(reply.outcome === "ran" || reply.outcome === "queued" || reply.outcome === "help"
      ? {}
      : { reason: reply.text.split("\n")[0] }),
  });
  return reply;
}

async function decide(deps: ChatCommandDeps, ask: ChatAsk, who: string): Promise<ChatReply> {
  let command: ChatCommand;
  try {
    command = parseChatCommand(ask.text, ask.today);
  } catch (error) {
    if (error instanceof ChatParseError) {
      return { outcome: "malformed", locale: error.locale, text: error.message };
    }
    throw error;
  }
  const { locale } = command;
  if (command.kind === "help") return { outcome: "help", locale, text: USAGE[locale] };
  const role = roleOf(deps.access, ask.platform, ask.user);
  if (role === "unknown") return { outcome: "denied", locale, text: DENIED[locale](who) };
  try {
    switch (command.kind) {
      case "status":
        return { outcome: "ran", locale, text: await deps.runner.status(locale) };
      case "ack":
        return {
          outcome: "ran",
          locale,
          text: await deps.runner.ack(command.metric, who, ask.now),
        };
      case "silence": {
        const until = new Date(ask.now.getTime() + command.durationMs);
        const reason = `silenced from ${ask.platform} for ${command.duration}`;
        return {
          outcome: "ran",
          locale,
          text: await deps.runner.silence(command.metric, until, reason, who, ask.now),
        };
      }
      case "report": {
        if (command.send && role !== "sender") {
          return { outcome: "denied", locale, text: NOT_SENDER[locale](who) };
        }
        if (command.date > ask.today) {
          return { outcome: "no_data", locale, text: FUTURE[locale](command.date, ask.today) };
        }
        const outcome = await deps.runner.report({
          report: command.report,
          date: command.date,
          send: command.send,
          locale,
          asker: who,
        });
        switch (outcome.kind) {
          case "queued":
            return { outcome: "queued", locale, text: RUNNING[locale] };
          case "no_data":
            return { outcome: "no_data", locale, text: outcome.reason };
          case "failed":
            return { outcome: "failed", locale, text: outcome.error };
          case "done": {
            const card = replyCard(outcome.report, locale);
            return {
              outcome: outcome.report.ok ? "ran" : "failed",
              locale,
              text: replyText(outcome.report, locale),
              report: outcome.report,
              ...(card ? { card } : {}),
            };
          }
        }
      }
    }
  } catch (error) {
    // The one line the CLI would print.
    if (error instanceof AlertCommandError)
      return { outcome: "invalid", locale, text: error.message };
    const line =
      error instanceof Error ? (error.message.split("\n")[0] ?? error.name) : String(error);
    return { outcome: "failed", locale, text: line };
  }
}
