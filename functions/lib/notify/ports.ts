/**
 * The notification port: what the notification policy hands to a channel, and what a channel
 * (email, WeCom, DingTalk, Feishu, Slack, a webhook) must do with it.
 *
 * The policy (`notify/policy.ts`, pure) decides who gets what, grouped how and how often; it
 * produces one {@link NotificationMessage} per run and audience. A channel adapter only
 * delivers a message to one {@link ContactPoint}: it renders the message in its own format
 * and sends it. Adding a channel touches no policy; changing the policy touches no channel
 * (like Alertmanager's routes vs its receivers).
 *
 * Exactly-once delivery is not the channel's business either: the notifier claims
 * `deliveryKeyOf(message, contact)` in the delivery log before it calls `send`, completes the
 * claim with the receipt, and releases it when `send` throws (so a re-run retries it).
 *
 * Every text in a message is already in the message's locale, so a channel needs no
 * registry, formatter or string table; the raw numbers are there too, for channels that
 * build cards or for webhooks that forward the structure as JSON.
 */
import type { Owner } from "../kpi/owners.ts";
import type { Locale } from "../kpi/registry.ts";

/** How urgent an alert is: `page` on-call now, `notify` the owner's digest, `off` nowhere. */
export type Severity = "page" | "notify" | "off";

export { OWNERS, type Owner } from "../kpi/owners.ts";

/** Who a message is for: on-call, or one owner team. */
export type Audience =
  | { readonly kind: "on_call"; readonly id: "on-call" }
  | { readonly kind: "owner"; readonly id: `owner:${Owner}`; readonly owner: Owner };

/** What happened to one alert in this run. */
export type NoticeKind =
  /** A breach episode opened ("new today"). */
  | "start"
  /** A breach episode is still open ("day N"): summarised, never a separate alert. */
  | "reminder"
  /** A breach episode closed. */
  | "resolved"
  /** A metric could not be computed. */
  | "error"
  /** A table's data for the period is missing, thin or stale. */
  | "data_incomplete"
  /** The run itself failed. */
  | "failure";

/** The current breach streak of an alert: its first breached period and its length. */
export interface Streak {
  /** The first breached period of the current streak (`2026-11-09`, `2026-W45`). */
  readonly start: string;
  /** Breached periods in a row, this one included (1 = new today). */
  readonly length: number;
}

/** A named thing the alert is about beyond the whole business (a campaign). */
export interface NoticeScope {
  readonly id: string;
  /** What people call it (the campaign's name); the id when unknown. */
  readonly name: string;
}

/** Why a metric moved: the breakdown the registry declares for it, largest move first. */
export interface NoticeDriver {
  /** The breakdown's id (`channel`, `user_type`, `cost_component`, …). */
  readonly dimension: string;
  /** Its label in the message's locale ("Activity by channel"). */
  readonly title: string;
  readonly rows: readonly {
    readonly name: string;
    readonly value: number;
    readonly previous: number | null;
    /** `value − previous`, null when there is no previous value. */
    readonly change: number | null;
    /** The row in one line ("wecom 1 204 → 980 (−18.6 %)"). */
    readonly text: string;
  }[];
}

/** Who acknowledged an alert, and when. */
export interface NoticeAck {
  readonly by: string;
  /** ISO 8601. */
  readonly at: string;
}

/** One alert of a message. */
export interface NoticeItem {
  /** The notification's own key (stable across re-runs of the period). */
  readonly key: string;
  readonly kind: NoticeKind;
  readonly severity: Severity;
  readonly report: string;
  readonly periodKey: string;
  /** Metric id; absent for data and failure notices. */
  readonly metric?: string;
  readonly scope?: NoticeScope;
  /** The table of a data notice. */
  readonly table?: string;
  /** The evaluation status that raised it (`breach`, `met`, `data_incomplete`, …). */
  readonly status: string;
  readonly value: number | null;
  /** The number compared with the target when it is not the value (growth). */
  readonly measured?: number | null;
  readonly target: number | null;
  /** The current streak (start, reminder; for resolved: the streak that ended). */
  readonly streak?: Streak;
  readonly driver?: NoticeDriver;
  readonly ack?: NoticeAck;
  /** One-line error (error and failure notices). */
  readonly error?: string;
  /** Texts in the message's locale, ready to show. */
  readonly text: {
    /** "GMV", "Participants · Spring sale". */
    readonly title: string;
    /** "¥1.2M vs ≥ ¥1.5M". */
    readonly figures: string;
    /** "new today", "day 14", "resolved after 3 days", "events: partition missing". */
    readonly status: string;
    /** "acked by li.wei at 2026-11-20 09:12 UTC" when acked. */
    readonly ack?: string;
  };
}

/** A link of a message (the report, the dashboard). */
export interface MessageLink {
  readonly label: string;
  readonly url: string;
}

/** A command a reader can run about the message (re-run, ack, silence). */
export interface MessageCommand {
  readonly label: string;
  readonly command: string;
}

/**
 * One message of a run for one audience: on-call's grouped alert message, or an owner's
 * digest. Items are in the contract's "needs attention" order (`kpi/attention.ts`).
 */
export interface NotificationMessage {
  /** `notify:<report>:<periodKey>:<audience id>`: one message per run period and audience. */
  readonly key: string;
  readonly audience: Audience;
  readonly locale: Locale;
  /** `alerts` (on-call's page-level message), `digest` (an owner's), `failure` (a failed run). */
  readonly kind: "alerts" | "digest" | "failure";
  readonly report: string;
  readonly periodKey: string;
  readonly runId: string;
  /** One line: "3 new, 2 ongoing, 1 resolved — daily 2026-11-22". */
  readonly subject: string;
  readonly items: readonly NoticeItem[];
  readonly links: readonly MessageLink[];
  readonly commands: readonly MessageCommand[];
}

/**
 * Where one audience is reached: an email list, a chat group's webhook… `channel` names the
 * adapter (`email`, `wecom`, `dingtalk`, `feishu`, `slack`, `webhook`); the other fields are
 * that adapter's (validated by its own schema where it is configured).
 */
export interface ContactPoint {
  readonly channel: string;
  /** Unique within the audience; part of the delivery key and the outbox file name. */
  readonly name: string;
  readonly locale: Locale;
  /** Addresses (email). */
  readonly to?: readonly string[];
  /** Endpoint (webhooks, chat robots). */
  readonly url?: string;
  /** Anything else the adapter needs (a signing secret's *name*, never the secret). */
  readonly settings?: Readonly<Record<string, string>>;
}

/** What a channel reports back about one delivery. */
export interface ChannelReceipt {
  readonly messageId: string;
  /** Where to look at it (outbox path, SES id, chat message id). */
  readonly location?: string;
  /** The subject or first line as sent, for the delivery log. */
  readonly subject?: string;
}

/** A channel adapter: renders a message in its format and delivers it to one contact point. */
export interface Channel {
  /** The `channel` of the contact points it serves. */
  readonly type: string;
  send(
    message: NotificationMessage,
    contact: ContactPoint,
    context: { readonly runId: string; readonly idempotencyKey: string },
  ): Promise<ChannelReceipt>;
}

/** The delivery-log key of one message to one contact point. */
export function deliveryKeyOf(message: NotificationMessage, contact: ContactPoint): string {
  return `${message.key}:${contact.channel}:${contact.name}`;
}
