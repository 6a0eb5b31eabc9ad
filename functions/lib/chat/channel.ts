/**
 * The chat channel of a run: the contact points resolved once at start (`secrets.ts`), the
 * HTTP transport, and what a run posts through them:
 *
 * - {@link createChatReportHook}: after a report's snapshot is stored, each recipient list
 *   with `chat:` contact points gets the report's compact summary card there (the email goes
 *   its own way; a chat failure is a warning of the run, never its failure);
 * - {@link deliverAlertToChat}: a run's alerts for one audience (on-call's page, an owner's
 *   digest) as one card, for the notification policy's channel port.
 */
import type { OpsConfig, RecipientList } from "../config/load.ts";
import type { Locale } from "../kpi/registry.ts";
import type { Clock, DeliveryLog, Mailer, RunLog } from "../ports.ts";
import { runCardFacts } from "../report/card-facts.ts";
import type { AfterSnapshotHook } from "../report/run-hooks.ts";
import { type AlertCardInput, buildAlertCard, buildSummaryCard } from "./card.ts";
import { type ChatChannelDeps, type ChatOutcome, deliverChat } from "./deliver.ts";
import { type ResolvedContactPoint, resolveContactPoints, type SecretSource } from "./secrets.ts";
import { fetchPoster, type HttpPoster, type RetryPolicy } from "./transport.ts";

/** The resolved contact points and how to reach them. */
export interface ChatChannel {
  readonly contactPoints: ReadonlyMap<string, ResolvedContactPoint>;
  readonly poster: HttpPoster;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly policy?: Partial<RetryPolicy>;
}

/**
 * Resolves the config's contact points from `source` (once, at start); undefined when the
 * config has none. Throws `ContactPointError` naming every reference that is missing,
 * unreadable or not an https URL.
 */
export async function openChatChannel(
  config: Pick<OpsConfig, "contactPoints" | "dir">,
  source: SecretSource,
  options: Partial<Omit<ChatChannel, "contactPoints">> = {},
): Promise<ChatChannel | undefined> {
  const points = config.contactPoints ?? [];
  if (points.length === 0) return undefined;
  const contactPoints = await resolveContactPoints(
    points,
    source,
    `${config.dir.replace(/\/+$/, "")}/recipients.yaml`,
  );
  return { poster: fetchPoster(), ...options, contactPoints };
}

/** What the chat hook and the alert channel need from the run's dependencies. */
export interface ChatRunDeps {
  readonly deliveries: DeliveryLog;
  readonly clock: Clock;
  readonly mailer: Mailer;
  readonly runLog: RunLog;
  readonly config: OpsConfig;
}

/**
 * The channel's delivery deps, with refused messages noticed to on-call by email; `deadline`
 * (the run's) is the lease of its claims.
 */
export function chatDeliveryDeps(
  deps: ChatRunDeps,
  channel: ChatChannel,
  deadline?: Date,
): ChatChannelDeps {
  const onCall = deps.config.onCall;
  return {
    deliveries: deps.deliveries,
    clock: deps.clock,
    ...(deadline ? { deadline } : {}),
    contactPoints: channel.contactPoints,
    poster: channel.poster,
    ...(channel.sleep ? { sleep: channel.sleep } : {}),
    ...(channel.policy ? { policy: channel.policy } : {}),
    ...(onCall
      ? {
          failureNotice: {
            mailer: deps.mailer,
            from: deps.config.sender,
            to: onCall.to,
            locale: onCall.locale,
          },
        }
      : {}),
  };
}

/** Options of {@link createChatReportHook}. */
export interface ChatReportHookOptions {
  /** A link to the dashboard for the card's button, when the run can make one. */
  readonly dashboardLink?: () => Promise<string | undefined>;
}

/**
 * The `afterSnapshot` hook that posts each recipient list's summary card to its contact
 * points, keyed like the list's email (`report:<report>:<period>:<list>:chat:<point>`), so a
 * re-run posts nothing twice. Skipped in a dry run, a backfill and a test send (`--to`).
 */
export function createChatReportHook(
  deps: ChatRunDeps,
  channel: ChatChannel,
  options: ChatReportHookOptions = {},
): AfterSnapshotHook {
  return {
    name: "chat",
    async run(context) {
      const { request } = context;
      if (context.dryRun || request.deliver === false || request.to) return undefined;
      const lists = (context.config.recipients[request.report] ?? []).filter(
        (list): list is RecipientList & { chat: readonly string[] } => Boolean(list.chat?.length),
      );
      if (lists.length === 0) return undefined;
      let dashboardUrl: string | undefined;
      try {
        dashboardUrl = await options.dashboardLink?.();
      } catch {
        dashboardUrl = undefined; // the card goes without its button rather than not at all
      }
      const delivery = chatDeliveryDeps(deps, channel, request.deadline);
      const outcomes: ChatOutcome[] = [];
      for (const list of lists) {
        const card = buildSummaryCard({
          report: request.report,
          periodKey: context.periodKey,
          locale: list.locale,
          runId: context.runId,
          ...runCardFacts(context.metrics, request, context.period, context.config),
          ...(dashboardUrl ? { dashboardUrl } : {}),
        });
        outcomes.push(
          ...(await deliverChat(
            delivery,
            {
              key: `report:${request.report}:${context.periodKey}:${list.name}`,
              severity: "report",
              card,
              contactPoints: list.chat,
            },
            context.runId,
          )),
        );
      }
      await deps.runLog.append({
        type: "chat",
        runId: context.runId,
        report: request.report,
        periodKey: context.periodKey,
        at: context.now.toISOString(),
        deliveries: outcomes,
      });
      const troubled = outcomes.filter((o) => TROUBLE.has(o.status));
      return troubled.length > 0
        ? {
            warnings: troubled.map(
              (o) =>
                `chat ${o.contactPoint} (${o.type ?? "?"}): ${o.status}${o.detail ? `: ${o.detail}` : ""}`,
            ),
          }
        : undefined;
    },
  };
}

/** Outcomes the run's warnings name (the others are as they should be). */
const TROUBLE = new Set<ChatOutcome["status"]>([
  "failed",
  "rejected",
  "unknown",
  "in_progress",
  "not_configured",
]);

/** One audience's alerts of a run, for its contact points. */
export interface ChatAlertMessage extends Omit<AlertCardInput, "locale"> {
  /** The message's delivery key (its email's key). */
  readonly key: string;
  readonly locale: Locale;
  readonly contactPoints: readonly string[];
}

/**
 * Posts one audience's alerts of a run as one card to its contact points; never throws (the
 * outcomes go to the run log with the email's).
 */
export async function deliverAlertToChat(
  deps: ChatRunDeps,
  channel: ChatChannel,
  message: ChatAlertMessage,
): Promise<ChatOutcome[]> {
  if (message.contactPoints.length === 0) return [];
  return deliverChat(
    chatDeliveryDeps(deps, channel),
    {
      key: message.key,
      severity: message.severity,
      card: buildAlertCard(message),
      contactPoints: message.contactPoints,
    },
    message.runId,
  );
}
