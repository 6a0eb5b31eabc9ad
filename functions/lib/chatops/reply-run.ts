/**
 * The reply to a report the chat asked for, once the ad-hoc Lambda has run it: its
 * asynchronous invocation's destination record (`requestPayload` with the chat context,
 * `responsePayload` with the result, or the function's error) becomes the thread's reply —
 * the run's summary card (the scheduled chat summary's, from the facts the run's summary
 * carries), or the one-line error the CLI would print.
 */
import type { ChatCard } from "../chat/card.ts";
import type { RunSummaryView } from "../runtime/lambda.ts";
import { type ChatContext, chatContextSchema } from "./context.ts";
import { type ChatReport, replyCard, replyText } from "./reply.ts";

/** A Lambda destination record, as far as it is read here. */
export interface DestinationRecord {
  readonly requestPayload?: {
    readonly report?: string;
    readonly date?: string;
    readonly chat?: unknown;
  };
  readonly responsePayload?: unknown;
  readonly requestContext?: { readonly condition?: string };
}

interface AdhocAnswer {
  readonly ok?: boolean;
  readonly error?: string;
  readonly errorMessage?: string;
  readonly runs?: readonly RunSummaryView[];
}

/** The chat context of a record; undefined when no chat asked for the run. */
export function chatOfRecord(record: DestinationRecord): ChatContext | undefined {
  const parsed = chatContextSchema.safeParse(record.requestPayload?.chat);
  return parsed.success ? parsed.data : undefined;
}

/** What a reply to a run says. */
export interface RunReply {
  readonly chat: ChatContext;
  readonly text: string;
  /** The run's summary card; none for a failed run (the text is its one-line error). */
  readonly card?: ChatCard;
  readonly outcome: string;
}

/**
 * The reply to a record, with `link` (the dashboard, in the asker's language) on its card;
 * undefined when no chat asked for it.
 */
export function replyForRecord(record: DestinationRecord, link?: string): RunReply | undefined {
  const chat = chatOfRecord(record);
  if (!chat) return undefined;
  const answer = (record.responsePayload ?? {}) as AdhocAnswer;
  const run = answer.runs?.at(-1);
  if (!run) {
    const error = (
      answer.error ??
      answer.errorMessage ??
      record.requestContext?.condition ??
      "the run failed"
    ).split("\n")[0];
    return { chat, text: error ?? "the run failed", outcome: "failed" };
  }
  const report: ChatReport = {
    ok: answer.ok !== false && run.outcome !== "failed",
    report: run.report,
    periodKey: run.periodKey,
    runId: run.runId,
    mode: chat.send ? "sent" : "preview",
    statusCounts: run.statusCounts ?? {},
    ...(run.card ? { card: run.card } : {}),
    ...(link ? { link } : {}),
    ...(answer.ok === false || run.error
      ? { error: (answer.error ?? run.error ?? "").split("\n")[0] }
      : {}),
    ...(chat.send
      ? { lists: run.emails.filter((e) => e.status === "sent").map((e) => e.list) }
      : {}),
  };
  const card = replyCard(report, chat.locale);
  return {
    chat,
    text: replyText(report, chat.locale),
    ...(card ? { card } : {}),
    outcome: report.ok ? "ran" : "failed",
  };
}
