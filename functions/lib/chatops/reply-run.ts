/**
 * The reply to a report the chat asked for, once the ad-hoc Lambda has run it: its
 * asynchronous invocation's destination record (`requestPayload` with the chat context,
 * `responsePayload` with the result, or the function's error) becomes the thread's reply —
 * the summary, or the one-line error the CLI would print.
 */
import type { RunSummaryView } from "../runtime/lambda.ts";
import { type ChatContext, chatContextSchema } from "./context.ts";
import { type ChatReport, replyText } from "./reply.ts";

/**
 * The dashboard's index page (dashboard/publish.ts's DASHBOARD_INDEX_KEY, equal by test):
 * importing it would bring the dashboard renderer and its charts into the reply bundle.
 */
export const DASHBOARD_PAGE = "index.html";

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

/** The chat context and reply text of a record; undefined when no chat asked for it. */
export function replyForRecord(
  record: DestinationRecord,
  link?: (run: RunSummaryView) => string | undefined,
): { readonly chat: ChatContext; readonly text: string; readonly outcome: string } | undefined {
  const parsed = chatContextSchema.safeParse(record.requestPayload?.chat);
  if (!parsed.success) return undefined;
  const chat = parsed.data;
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
  const url = link?.(run);
  const report: ChatReport = {
    ok: answer.ok !== false && run.outcome !== "failed",
    report: run.report,
    periodKey: run.periodKey,
    runId: run.runId,
    mode: chat.send ? "sent" : "preview",
    statusCounts: run.statusCounts ?? {},
    ...(url ? { link: url } : {}),
    ...(answer.ok === false || run.error
      ? { error: (answer.error ?? run.error ?? "").split("\n")[0] }
      : {}),
    ...(chat.send
      ? { lists: run.emails.filter((e) => e.status === "sent").map((e) => e.list) }
      : {}),
  };
  return { chat, text: replyText(report, chat.locale), outcome: report.ok ? "ran" : "failed" };
}
