/**
 * How many messages the notification policy would send, per audience and per person: what
 * `opspulse replay` reports so that a team can tune severities and rules before enabling
 * them. Pure: it groups replayed notifications by run (period) exactly as a run would.
 */

import type { OpsConfig } from "../config/load.ts";
import type { AlertNotification } from "../kpi/alerts.ts";
import { contactPointsOf } from "./deliver.ts";
import { planNotifications, type RoutingRules } from "./policy.ts";
import type { Audience } from "./ports.ts";

/** One audience's volume over the replayed runs. */
export interface AudienceVolume {
  readonly audience: string;
  /** Messages (one per run that had anything for the audience). */
  readonly messages: number;
  /** The most messages in one run period. */
  readonly maxPerRun: number;
  /** Messages per replayed period, on average. */
  readonly perPeriod: number;
  /** Notifications carried, by kind (start, reminder, resolved, …). */
  readonly items: Readonly<Record<string, number>>;
  /** Addresses of the audience's list (0: no list in recipients.yaml, nothing is sent). */
  readonly recipients: number;
}

/** The replay's volume: per audience, per person, and what no message carried. */
export interface ReplayVolume {
  readonly periods: number;
  readonly audiences: readonly AudienceVolume[];
  /** Per address: messages received over the replay (from every audience it is in). */
  readonly perPerson: Readonly<Record<string, number>>;
  /** Notifications with severity `off`: accounted, sent to nobody. */
  readonly off: number;
  /** Notifications replayed, and how many a message (or `off`) accounts for. */
  readonly notifications: number;
  readonly accounted: number;
}

/** Groups the replayed notifications per period and audience as the runs would have. */
export function replayVolume(
  fired: readonly AlertNotification[],
  periods: number,
  routing: RoutingRules,
  config: Pick<OpsConfig, "onCall" | "owners">,
): ReplayVolume {
  const byPeriod = new Map<string, AlertNotification[]>();
  for (const n of fired) {
    const run = `${n.report}:${n.periodKey}`;
    byPeriod.set(run, [...(byPeriod.get(run) ?? []), n]);
  }
  const audiences = new Map<
    string,
    { audience: Audience; messages: number; maxPerRun: number; items: Record<string, number> }
  >();
  const perPerson: Record<string, number> = {};
  let off = 0;
  let accounted = 0;
  for (const notifications of byPeriod.values()) {
    const plan = planNotifications(notifications, routing);
    off += plan.off.length;
    accounted += plan.off.length;
    const inRun = new Map<string, number>();
    for (const message of plan.messages) {
      const id = message.audience.id;
      const entry = audiences.get(id) ?? {
        audience: message.audience,
        messages: 0,
        maxPerRun: 0,
        items: {},
      };
      entry.messages += 1;
      inRun.set(id, (inRun.get(id) ?? 0) + 1);
      entry.maxPerRun = Math.max(entry.maxPerRun, inRun.get(id) ?? 0);
      for (const notice of message.notices) {
        const kind = notice.notification.kind;
        entry.items[kind] = (entry.items[kind] ?? 0) + 1;
        accounted += 1;
      }
      audiences.set(id, entry);
      for (const contact of contactPointsOf(message.audience, config)) {
        for (const address of contact.to ?? []) perPerson[address] = (perPerson[address] ?? 0) + 1;
      }
    }
  }
  return {
    periods,
    audiences: [...audiences.values()].map(({ audience, messages, maxPerRun, items }) => ({
      audience: audience.id,
      messages,
      maxPerRun,
      perPeriod: periods > 0 ? messages / periods : 0,
      items,
      recipients: contactPointsOf(audience, config).reduce(
        (sum, c) => sum + (c.to?.length ?? 0),
        0,
      ),
    })),
    perPerson,
    off,
    notifications: fired.length,
    accounted,
  };
}
