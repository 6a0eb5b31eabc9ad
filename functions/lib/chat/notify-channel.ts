/**
 * The chat channels behind the notification policy's port (`notify/ports.ts`, issue 20): one
 * `Channel` per platform that renders a policy message (on-call's grouped alerts, an owner's
 * digest, a failure notice) as a card in the platform's format and posts it to one contact
 * point under the transport's rules.
 *
 * The notifier claims the delivery key before `send` and completes it with the receipt, or
 * releases it when `send` throws (a re-run retries it). So `send`:
 * - returns a receipt when the platform posted the message;
 * - returns a receipt marked `unknown:` when a digest timed out (never re-sent: whether it was
 *   posted is unknown) — a page is sent once more first;
 * - returns a receipt marked `rejected:` when the platform refused the message as malformed
 *   (not retried), after on-call got one notice by email;
 * - throws when the platform stayed rate-limited or down (released: a later run retries).
 *
 * The cards read only the message's own texts (already in the audience's locale).
 */
import { ALERT_STRINGS } from "../alerts/strings.ts";
import type { Locale } from "../kpi/registry.ts";
import type { Channel, ContactPoint, NoticeItem, NotificationMessage } from "../notify/ports.ts";
import type { ChatCard, ChatItem, ChatSeverity, ChatTone } from "./card.ts";
import { type ChatChannel, type ChatRunDeps, chatDeliveryDeps } from "./channel.ts";
import { CONTACT_POINT_TYPES, type ContactPointType } from "./config.ts";
import { notifyRefused } from "./deliver.ts";
import { PLATFORMS } from "./platforms/index.ts";
import { CHAT_STRINGS } from "./strings.ts";
import { sendChat } from "./transport.ts";

type PolicyItem = NoticeItem;
type PolicyMessage = NotificationMessage;

/** Most commands a card shows (re-run, ack, silence). */
const MAX_COMMANDS = 3;
/** Most items a card lists. */
const MAX_ITEMS = 8;

const SEVERITY: Readonly<Record<PolicyMessage["kind"], ChatSeverity>> = {
  alerts: "page",
  digest: "notify",
  failure: "page",
};

const TAG: Readonly<Record<Locale, Readonly<Record<PolicyMessage["kind"], string>>>> = {
  en: { alerts: "[PAGE]", digest: "[Digest]", failure: "[FAILED]" },
  "zh-CN": { alerts: "【紧急】", digest: "【汇总】", failure: "【运行失败】" },
};

const MORE: Readonly<Record<Locale, (n: number) => string>> = {
  en: (n) => `…and ${n} more (see the email)`,
  "zh-CN": (n) => `……另有 ${n} 条（见邮件）`,
};

/** The card of a policy message: its texts are already in the audience's locale. */
export function notificationCard(message: PolicyMessage): ChatCard {
  const items = message.items.map(itemOf);
  const shown = items.slice(0, MAX_ITEMS);
  const link = message.links[0];
  return {
    kind: message.kind === "failure" ? "notice" : "alert",
    severity: SEVERITY[message.kind],
    locale: message.locale,
    tone: worst(items.map((i) => i.tone)),
    title: `${TAG[message.locale][message.kind]} ${message.subject}`,
    summary: "",
    items: shown,
    more: items.length > shown.length ? MORE[message.locale](items.length - shown.length) : "",
    ...(link ? { link: { label: link.label, url: link.url } } : {}),
    commands: message.commands.slice(0, MAX_COMMANDS),
    // "OpsPulse" in every card: a robot's keyword check (DingTalk, Feishu) can require it.
    footer: `OpsPulse · ${message.runId}`,
  };
}

function itemOf(item: PolicyItem): ChatItem {
  const tone: ChatTone =
    item.kind === "resolved"
      ? "ok"
      : item.kind === "start" || item.kind === "reminder"
        ? item.status === "warning"
          ? "warning"
          : "breach"
        : "warning";
  const driver = item.driver?.rows[0]?.text;
  return {
    tone,
    headline: `${item.text.title} — ${item.text.status}`,
    detail: [item.text.figures, driver, item.text.ack].filter(Boolean).join(" · "),
  };
}

function worst(tones: readonly ChatTone[]): ChatTone {
  for (const tone of ["breach", "warning", "ok"] as const) if (tones.includes(tone)) return tone;
  return "info";
}

/**
 * The five chat channels of the port, over the contact points resolved at start. A contact
 * point the channel does not know (not in `recipients.yaml`, or of another type) throws.
 */
export function createChatChannels(deps: ChatRunDeps, channel: ChatChannel): Channel[] {
  const delivery = chatDeliveryDeps(deps, channel);
  return CONTACT_POINT_TYPES.map((type) => ({
    type,
    async send(message, contact, context) {
      const point = channel.contactPoints.get(contact.name);
      if (!point || point.type !== type) {
        throw new Error(
          `no ${type} contact point "${contact.name}" was resolved at start: name one of recipients.yaml contact_points`,
        );
      }
      const platform = PLATFORMS[type as ContactPointType];
      const result = await sendChat(
        {
          poster: delivery.poster,
          clock: delivery.clock,
          sleep: delivery.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
          ...(delivery.policy ? { policy: delivery.policy } : {}),
        },
        {
          platform,
          url: point.url,
          ...(point.secret ? { secret: point.secret } : {}),
          payload: platform.render(notificationCard(message)),
          severity: SEVERITY[message.kind],
          key: context.idempotencyKey,
        },
      );
      switch (result.status) {
        case "delivered":
          return { messageId: `${type}:${context.idempotencyKey}`, location: point.name };
        case "unknown":
          return {
            messageId: `unknown:${context.idempotencyKey}`,
            location: `${point.name}: ${result.detail}; whether it was posted is unknown, it is not sent again`,
          };
        case "rejected": {
          const notice = await notifyRefused(
            delivery,
            point,
            context.idempotencyKey,
            result,
            context.runId,
          );
          return {
            messageId: `rejected:${context.idempotencyKey}`,
            location: `${point.name}: refused (${result.detail}); not retried; notice to on-call: ${notice}`,
          };
        }
        case "failed":
          throw new Error(`${point.name} (${type}): ${result.detail}`);
      }
    },
  }));
}

/**
 * The chat contact points of an audience's list (`chat:` names in recipients.yaml), as the
 * notifier's contact points: the notifier adds them to the list's email one.
 */
export function chatContactPointsOf(
  list: { readonly locale: Locale; readonly chat?: readonly string[] } | undefined,
  config: { readonly contactPoints?: readonly { readonly name: string; readonly type: string }[] },
): ContactPoint[] {
  const types = new Map((config.contactPoints ?? []).map((p) => [p.name, p.type]));
  return (list?.chat ?? []).flatMap((name) => {
    const type = types.get(name);
    return type ? [{ channel: type, name, locale: list?.locale ?? "en" }] : [];
  });
}

/** What a failed run's notice to chat is made of (the email notice's facts). */
export interface FailureNoticeFacts {
  readonly report: string;
  readonly periodKind: "day" | "week";
  readonly periodKey: string;
  readonly runId: string;
  /** One line: what failed and why. */
  readonly error: string;
  readonly stage?: string;
  readonly locale: Locale;
  readonly rerunCommand: string;
}

/**
 * The notice of a failed run as a policy message for on-call's chat contact points (its key
 * is the email notice's, so each contact point gets it once per failed run).
 */
export function failureNoticeMessage(key: string, facts: FailureNoticeFacts): NotificationMessage {
  const strings = ALERT_STRINGS[facts.locale];
  const report = strings.reportTitle[facts.periodKind];
  const title = strings.title.failure(report);
  return {
    key,
    audience: { kind: "on_call", id: "on-call" },
    locale: facts.locale,
    kind: "failure",
    report: facts.report,
    periodKey: facts.periodKey,
    runId: facts.runId,
    subject: `${title} · ${facts.periodKey}`,
    items: [
      {
        key,
        kind: "failure",
        severity: "page",
        report: facts.report,
        periodKey: facts.periodKey,
        status: "failed",
        value: null,
        target: null,
        error: facts.error,
        text: {
          title,
          figures: facts.error,
          status: facts.stage ? `${strings.fact.stage}: ${facts.stage}` : strings.badge.failure,
        },
      },
    ],
    links: [],
    commands: [{ label: CHAT_STRINGS[facts.locale].rerun, command: facts.rerunCommand }],
  };
}
