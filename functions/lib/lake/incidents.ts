/**
 * Known incidents for the sample lake (`opspulse generate --incidents`): outages and surges
 * injected into the generated rows at random days, each listed in a truth file with the
 * metric that should show it and the dimension value that should explain it. The anomaly
 * backtest (`npm run backtest`) measures detection and drivers against that file.
 *
 * The kinds, with the sizes of issue 23:
 *
 * - `app_events_drop`: the `app` channel's events −60 % for a whole local day. The loss is
 *   per install (an SDK release that stops sending on 60 % of app devices): a chosen user
 *   loses all of their app events that day. Shows in DAU; driver channel = app.
 * - `paid_orders_outage`: paid orders −50 % for 4 local hours (19:00–23:00, the evening
 *   peak): the in-app payment path (orders from the `app` and `miniprogram` channels) fails,
 *   each of its orders in the window with the probability that removes half of the window's
 *   paid orders (all of them when the path carries less than half). A failed payment leaves
 *   no order record. Shows in orders and GMV; driver order channel = app.
 * - `campaign_id_loss`: one running campaign's events lose their `campaign_id` for two local
 *   days (a tracking-link bug). Shows in the day's campaign participants; driver that campaign.
 * - `ads_signup_surge`: signups from the `ads` channel +200 % for a local day (a bought
 *   burst): two new users signing up on `ads` for each real one. Shows in new users; driver
 *   channel = ads.
 *
 * - `channel_events_stop` (planned only, never drawn at random): one channel's events stop
 *   from local hour H to hour H2 (default `app`, 10:00–13:00): a tracking outage, every
 *   event of that channel in those hours is lost. The intra-day pulse must page it as a
 *   stall with the channel as driver, and resolve it once the events are back.
 *
 * The world the generator simulates is untouched: incidents only rewrite the rows of a day
 * after it is simulated, with their own random stream, so a lake with incidents and one
 * without (same seed) differ exactly by the incidents.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CampaignRow } from "../contract/schema.ts";
import { addDays, daysBetween, type IsoDate, localDaysWindow } from "../kpi/windows.ts";
import { Random } from "./random.ts";
import type { LakeRow } from "./writer.ts";

export const INCIDENT_KINDS = [
  "app_events_drop",
  "paid_orders_outage",
  "campaign_id_loss",
  "ads_signup_surge",
] as const;
/**
 * Kinds only a plan places (`planned`): the random planner draws {@link INCIDENT_KINDS} only,
 * so the backtest's lakes stay as they were.
 */
export const PLANNED_ONLY_KINDS = ["channel_events_stop"] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number] | (typeof PLANNED_ONLY_KINDS)[number];

/** One injected incident, as listed in the truth file. */
export interface Incident {
  readonly id: string;
  readonly kind: IncidentKind;
  /** The local days it lasts (report zone). */
  readonly days: readonly IsoDate[];
  readonly description: string;
  /** Metrics of the daily report that should flag it (any of them detects it). */
  readonly metrics: readonly string[];
  /** The dimension value expected first among the drivers. */
  readonly driver: { readonly dimension: string; readonly element: string };
  /** For `campaign_id_loss`: the campaign. */
  readonly campaignId?: string;
  /** For `channel_events_stop`: the channel and its lost local hours [from, to). */
  readonly stop?: ChannelStop;
  /** What the injection did, filled in as it runs. */
  readonly effect: Record<string, number>;
}

/** The truth file, `<lake>/incidents.json`. */
export interface IncidentTruth {
  readonly seed: number;
  readonly timeZone: string;
  readonly incidents: readonly Incident[];
}

const EXPECTED: Readonly<
  Record<
    IncidentKind,
    { metrics: string[]; dimension: string; element?: string; length: number; text: string }
  >
> = {
  app_events_drop: {
    metrics: ["dau"],
    dimension: "channel",
    element: "app",
    length: 1,
    text: "app channel events −60 % for the day (60 % of app installs stop sending)",
  },
  paid_orders_outage: {
    metrics: ["orders", "gmv"],
    dimension: "order_channel",
    element: "app",
    length: 1,
    text: "paid orders −50 % from 19:00 to 23:00: the in-app payment path (app, miniprogram) fails",
  },
  campaign_id_loss: {
    metrics: ["campaign_participants"],
    dimension: "campaign",
    length: 2,
    text: "one campaign's events lose campaign_id for two days",
  },
  ads_signup_surge: {
    metrics: ["new_users"],
    dimension: "channel",
    element: "ads",
    length: 1,
    text: "signups from ads +200 % for the day",
  },
  channel_events_stop: {
    metrics: ["dau"],
    dimension: "channel",
    length: 1,
    text: "one channel's events stop for some local hours (a tracking outage)",
  },
};

/**
 * The dimension values an incident injected its change into (the driver's dimension): the
 * failing payment path's order channels (app and miniprogram, failing at one rate) for an
 * outage, the truth's one element otherwise. A driver naming any of them names the injected
 * segment.
 */
export function injectedElements(incident: Incident): readonly string[] {
  return incident.kind === "paid_orders_outage" ? PAYMENT_PATH : [incident.driver.element];
}

/** Which channel's events stop, from which local hour to which (`to` excluded). */
export interface ChannelStop {
  readonly channel: string;
  readonly fromHour: number;
  readonly toHour: number;
}

/** The default stop: the app channel from 10:00 to 13:00 local. */
export const DEFAULT_CHANNEL_STOP: ChannelStop = { channel: "app", fromHour: 10, toHour: 13 };

/** What to inject. */
export interface IncidentOptions {
  readonly seed: number;
  /** Incidents of each kind. */
  readonly perKind: number;
  /** The report zone whose local days the incidents cover. */
  readonly timeZone: string;
  /** Days at the start of the lake left clean, so the bands have a history first. */
  readonly cleanStartDays: number;
  /** Days at the end of the lake left clean (data of the last days is not complete). */
  readonly cleanEndDays: number;
  /** These incidents instead of random ones (the demo's documented incident). */
  readonly planned?: readonly PlannedIncident[];
}

/** An incident at chosen days (`campaign_id_loss` picks a campaign running then). */
export interface PlannedIncident {
  readonly kind: IncidentKind;
  readonly start: IsoDate;
  /** For `channel_events_stop` (default {@link DEFAULT_CHANNEL_STOP}). */
  readonly stop?: ChannelStop;
}

/**
 * The demo lake's documented incident: on its last full day, Sunday 2026-11-22, signups from
 * the `ads` channel triple (a bought burst: two extra new users for each real one, who never
 * come back); the daily email shows new users as unusual for a Sunday, explained by the ads
 * channel. It removes nothing, so the demo's targets (retention, conversion, data
 * freshness) read as without it.
 */
export const DEMO_INCIDENTS: Partial<Omit<IncidentOptions, "seed">> = {
  planned: [{ kind: "ads_signup_surge", start: "2026-11-22" }],
};

export const DEFAULT_INCIDENT_OPTIONS: Omit<IncidentOptions, "seed"> = {
  perKind: 2,
  timeZone: "Asia/Shanghai",
  cleanStartDays: 70,
  cleanEndDays: 3,
};

const HOUR_MS = 3_600_000;
/** The outage's local hours: the evening peak. */
const OUTAGE_HOURS = { from: 19, to: 23 } as const;
const PAYMENT_PATH = ["app", "miniprogram"];
const APP_DROP = 0.6;
const ORDER_DROP = 0.5;
const SIGNUP_SURGE = 2;

/** What the generator tells the injector about one simulated UTC day. */
export interface SimulatedDay {
  /** The lake's first and last UTC days, and the campaigns of the world. */
  readonly firstDate: IsoDate;
  readonly endDate: IsoDate;
  readonly campaigns: readonly CampaignRow[];
  /** The day's rows start at these indices of the batch arrays. */
  readonly events: LakeRow[];
  readonly eventsFrom: number;
  readonly orders: LakeRow[];
  readonly ordersFrom: number;
}

/**
 * Rewrites the rows of each simulated day that an incident touches. Plans its incidents at
 * the first day it sees (it needs the lake's dates and campaigns), then keeps the truth.
 */
export class IncidentInjector {
  readonly #options: IncidentOptions;
  readonly #random: Random;
  #incidents: Incident[] | undefined;
  #synthetic = 0;

  constructor(options: IncidentOptions) {
    this.#options = options;
    this.#random = new Random(options.seed).fork("incidents");
  }

  /** The truth file's content (after generation: with each incident's effect). */
  truth(): IncidentTruth {
    return {
      seed: this.#options.seed,
      timeZone: this.#options.timeZone,
      incidents: this.#incidents ?? [],
    };
  }

  /** Applies the incidents to one simulated day's rows, in place. */
  apply(day: SimulatedDay): void {
    this.#incidents ??= this.#plan(day);
    for (const incident of this.#incidents) {
      for (const date of incident.days) {
        const window = localDaysWindow(date, date, this.#options.timeZone);
        const inDay = (time: unknown) =>
          typeof time === "number" &&
          time >= window.fromUtc.getTime() &&
          time < window.toUtc.getTime();
        this.#inject(incident, day, date, inDay, window.fromUtc.getTime());
      }
    }
  }

  #inject(
    incident: Incident,
    day: SimulatedDay,
    date: IsoDate,
    inDay: (time: unknown) => boolean,
    dayStartMs: number,
  ): void {
    const effect = incident.effect;
    const add = (key: string, n: number) => {
      effect[key] = (effect[key] ?? 0) + n;
    };
    switch (incident.kind) {
      case "app_events_drop": {
        const dropped = removeWhere(day.events, day.eventsFrom, (row) => {
          if (row.channel !== "app" || !inDay(row.event_time)) return false;
          return unitHash(`${incident.id}:${String(row.user_id)}`) < APP_DROP;
        });
        add("app_events_removed", dropped);
        return;
      }
      case "paid_orders_outage": {
        const from = dayStartMs + OUTAGE_HOURS.from * HOUR_MS;
        const to = dayStartMs + OUTAGE_HOURS.to * HOUR_MS;
        const inWindow = (row: LakeRow) =>
          typeof row.order_time === "number" && row.order_time >= from && row.order_time < to;
        const paid = new Map<string, string>();
        for (let i = day.ordersFrom; i < day.orders.length; i++) {
          const row = day.orders[i] as LakeRow;
          if (row.status === "paid" && inWindow(row))
            paid.set(String(row.order_id), String(row.channel));
        }
        if (paid.size === 0) return;
        const onPath = [...paid.values()].filter((c) => PAYMENT_PATH.includes(c)).length;
        const failure = onPath === 0 ? 0 : Math.min(1, (ORDER_DROP * paid.size) / onPath);
        const failed = new Set(
          [...paid.entries()]
            .filter(([, channel]) => PAYMENT_PATH.includes(channel))
            .filter(([id]) => unitHash(`${incident.id}:${id}`) < failure)
            .map(([id]) => id),
        );
        removeWhere(day.orders, day.ordersFrom, (row) => failed.has(String(row.order_id)));
        add("paid_orders_in_window", paid.size);
        add("paid_orders_failed", failed.size);
        return;
      }
      case "channel_events_stop": {
        const stop = incident.stop ?? DEFAULT_CHANNEL_STOP;
        const from = dayStartMs + stop.fromHour * HOUR_MS;
        const to = dayStartMs + stop.toHour * HOUR_MS;
        const dropped = removeWhere(
          day.events,
          day.eventsFrom,
          (row) =>
            row.channel === stop.channel &&
            typeof row.event_time === "number" &&
            row.event_time >= from &&
            row.event_time < to,
        );
        add("channel_events_removed", dropped);
        return;
      }
      case "campaign_id_loss": {
        let stripped = 0;
        for (let i = day.eventsFrom; i < day.events.length; i++) {
          const row = day.events[i] as LakeRow;
          if (row.campaign_id === incident.campaignId && inDay(row.event_time)) {
            day.events[i] = { ...row, campaign_id: null };
            stripped++;
          }
        }
        add("events_stripped", stripped);
        return;
      }
      case "ads_signup_surge": {
        const signups: LakeRow[] = [];
        for (let i = day.eventsFrom; i < day.events.length; i++) {
          const row = day.events[i] as LakeRow;
          if (row.event_type === "signup" && row.channel === "ads" && inDay(row.event_time))
            signups.push(row);
        }
        for (const signup of signups) {
          for (let copy = 0; copy < SIGNUP_SURGE; copy++) {
            const n = ++this.#synthetic;
            const userId = `usr_inc_${String(n).padStart(7, "0")}`;
            const time = (signup.event_time as number) + (copy + 1) * 7_000;
            for (const [offset, type] of [
              [0, "signup"],
              [1_000, "session_start"],
              [20_000, "page_view"],
            ] as const) {
              day.events.push({
                ...signup,
                event_id: `evt_inc_${String(n).padStart(7, "0")}_${type}`,
                event_time: time + offset,
                user_id: userId,
                event_type: type,
                campaign_id: null,
                referrer_user_id: null,
                content_id: null,
              });
            }
          }
        }
        add("ads_signups", signups.length);
        add("signups_added", signups.length * SIGNUP_SURGE);
        return;
      }
    }
    void date;
  }

  #incident(
    kind: IncidentKind,
    n: number,
    start: IsoDate,
    campaignId?: string,
    stop?: ChannelStop,
  ): Incident {
    const expected = EXPECTED[kind];
    const element = stop?.channel ?? expected.element ?? String(campaignId);
    return {
      id: `${kind}-${n + 1}`,
      kind,
      days: Array.from({ length: expected.length }, (_, i) => addDays(start, i)),
      description: stop
        ? `${stop.channel} channel events stop from ${stop.fromHour}:00 to ${stop.toHour}:00 local`
        : expected.text,
      metrics: expected.metrics,
      driver: { dimension: expected.dimension, element },
      ...(campaignId ? { campaignId } : {}),
      ...(stop ? { stop } : {}),
      effect: {},
    };
  }

  #campaignAt(day: SimulatedDay, start: IsoDate): string {
    const last = addDays(start, EXPECTED.campaign_id_loss.length - 1);
    const running = day.campaigns.find((c) => c.start_date <= start && c.end_date >= last);
    if (!running) throw new Error(`no campaign runs from ${start} to ${last} to lose its id`);
    return running.id;
  }

  #plan(day: SimulatedDay): Incident[] {
    const planned = this.#options.planned;
    if (planned) {
      return planned.map((p, n) => {
        const campaignId =
          p.kind === "campaign_id_loss" ? this.#campaignAt(day, p.start) : undefined;
        const stop =
          p.kind === "channel_events_stop" ? (p.stop ?? DEFAULT_CHANNEL_STOP) : undefined;
        if (
          stop &&
          !(
            Number.isInteger(stop.fromHour) &&
            Number.isInteger(stop.toHour) &&
            stop.fromHour >= 0 &&
            stop.fromHour < stop.toHour &&
            stop.toHour <= 24
          )
        ) {
          throw new Error(
            `a channel stop needs whole local hours 0 ≤ from < to ≤ 24, got ${stop.fromHour} to ${stop.toHour}`,
          );
        }
        return this.#incident(p.kind, n, p.start, campaignId, stop);
      });
    }
    const { perKind, cleanStartDays, cleanEndDays } = this.#options;
    const first = addDays(day.firstDate, cleanStartDays);
    const last = addDays(day.endDate, -cleanEndDays);
    const span = daysBetween(first, last);
    if (span < 1)
      throw new Error(
        `a lake of ${daysBetween(day.firstDate, day.endDate) + 1} days is too short for incidents: generate at least ${cleanStartDays + cleanEndDays + 30} days`,
      );
    const taken = new Set<IsoDate>();
    const free = (days: readonly IsoDate[]) =>
      days.every((d) => [-2, -1, 0, 1, 2].every((k) => !taken.has(addDays(d, k))));
    const incidents: Incident[] = [];
    for (const kind of INCIDENT_KINDS) {
      const expected = EXPECTED[kind];
      for (let n = 0; n < perKind; n++) {
        for (let attempt = 0; attempt < 200; attempt++) {
          const start = addDays(first, this.#random.int(span - expected.length + 2));
          const days = Array.from({ length: expected.length }, (_, i) => addDays(start, i));
          if (!free(days)) continue;
          let campaignId: string | undefined;
          if (kind === "campaign_id_loss") {
            const running = day.campaigns.filter(
              (c) => c.start_date <= addDays(start, -3) && c.end_date >= (days.at(-1) as string),
            );
            if (running.length === 0) continue;
            campaignId = this.#random.pick(running).id;
          }
          for (const d of days) taken.add(d);
          incidents.push(this.#incident(kind, n, start, campaignId));
          break;
        }
      }
    }
    return incidents.sort((a, b) => ((a.days[0] as string) < (b.days[0] as string) ? -1 : 1));
  }
}

/** Removes the rows from index `from` on that match, in place; returns how many. */
function removeWhere(rows: LakeRow[], from: number, drop: (row: LakeRow) => boolean): number {
  let kept = from;
  for (let i = from; i < rows.length; i++) {
    const row = rows[i] as LakeRow;
    if (!drop(row)) rows[kept++] = row;
  }
  const removed = rows.length - kept;
  rows.length = kept;
  return removed;
}

/** A deterministic number in [0, 1) for a key (FNV-1a), for per-user and per-order choices. */
function unitHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 0x2c1b3c6d);
  hash ^= hash >>> 12;
  return (hash >>> 0) / 2 ** 32;
}

/** The truth file of a lake: `<lake>/incidents.json`. */
export function incidentTruthPath(lakeDir: string): string {
  return join(lakeDir, "incidents.json");
}

/** Writes the truth file (after the lake is generated). */
export function writeIncidentTruth(lakeDir: string, truth: IncidentTruth): string {
  const path = incidentTruthPath(lakeDir);
  writeFileSync(path, `${JSON.stringify(truth, null, 2)}\n`);
  return path;
}

/** Reads a truth file; a lake without incidents has none (undefined). */
export function readIncidentTruth(lakeDir: string): IncidentTruth | undefined {
  const path = incidentTruthPath(lakeDir);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as IncidentTruth) : undefined;
}
