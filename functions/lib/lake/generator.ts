/**
 * The sample-lake generator: a deterministic simulation of an app's users, content,
 * campaigns and orders, written into the lake layout of the data contract.
 *
 * It exists so that every KPI of `kpi-spec.md` has realistic data to chew on: signup
 * cohorts whose retention decays, weekday seasonality, public and private-domain channels,
 * content with views/interactions/attributed orders, campaigns (ended, running, upcoming)
 * with joins and invites, refunds, cancellations, duplicate order records, late-arriving
 * files and a small share of invalid records for the data-quality KPI.
 *
 * Determinism: every random draw comes from {@link Random} seeded with `seed`, no clock is
 * read for the data, and the writer uses one DuckDB thread and fixed file names, so the
 * same options give the same bytes. Memory stays flat: days are simulated in order and
 * flushed to Parquet in batches; only per-user state (typed arrays) is kept.
 */
import { globSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CampaignRow, ContentRow } from "../contract/schema.ts";
import { parseIsoDate } from "../kpi/windows.ts";
import { SampleIdentities } from "./identities.ts";
import type { SimulatedDay } from "./incidents.ts";
import { cumulate, pickCumulative, Random } from "./random.ts";
import { ReSignups } from "./resignups.ts";
import { type LakeRow, LakeWriter } from "./writer.ts";

/** What to generate. */
export interface GenerateOptions {
  /** Seed of the pseudo-random streams: the same seed gives the same lake, byte for byte. */
  readonly seed: number;
  /** Number of UTC days (`dt` partitions) to generate, ending with `endDate`. */
  readonly days: number;
  /** Last UTC day of the lake, `YYYY-MM-DD`. */
  readonly endDate: string;
  /**
   * Users who sign up during the generated days. A base of users who signed up in the
   * 90 days before (in proportion) is simulated too, so the first days are not a ramp-up.
   */
  readonly users: number;
}

/**
 * The demo lake: 430 days (more than a year, so "the same period a year earlier" exists)
 * ending on Sunday 2026-11-22, about 190 signups a day at the end, about 3 M events.
 */
export const DEFAULT_GENERATE_OPTIONS: GenerateOptions = {
  seed: 7,
  days: 430,
  endDate: "2026-11-22",
  users: 66_000,
};

/** Where to write and whom to tell about progress. */
export interface GenerateLakeOptions extends GenerateOptions {
  /** Lake root; its `events`, `orders` and `dims/{campaigns,content}` folders are replaced. */
  readonly lakeDir: string;
  /** Called after each batch of days is written (for a progress line on long runs). */
  readonly onProgress?: (progress: GenerateProgress) => void;
  /** Called with each simulated day's rows before they are written (incidents.ts rewrites them). */
  readonly afterDay?: (day: SimulatedDay) => void;
}

export interface GenerateProgress {
  readonly daysDone: number;
  readonly days: number;
  readonly events: number;
  readonly orderRecords: number;
}

/** What was generated. */
export interface GenerateSummary {
  readonly seed: number;
  readonly days: number;
  readonly firstDate: string;
  readonly endDate: string;
  /** Users who signed up within the generated days (excluding the earlier base). */
  readonly signups: number;
  /** Rows written per table (fact tables: records, including invalid and late ones). */
  readonly rows: { events: number; orders: number; campaigns: number; content: number };
  /** Invalid records written on purpose, for the data-quality KPI. */
  readonly invalid: { events: number; orders: number };
  /** Records written late into an old partition (`late-0.parquet`). */
  readonly late: { events: number; orders: number };
  readonly files: number;
  readonly bytes: number;
  readonly elapsedMs: number;
}

/** The generator was asked for something it cannot do; the message names the option. */
export class GenerateOptionsError extends Error {
  override name = "GenerateOptionsError";
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The sample app's users live in UTC+8 (the default report zone, Asia/Shanghai). */
const LOCAL_OFFSET_MS = 8 * HOUR_MS;
const WARM_UP_DAYS = 90;
/** Days after signup after which a user is no longer simulated (retention is ~0 by then). */
const MAX_ACTIVE_AGE = 300;
/** Flush to Parquet once a batch of whole days holds this many events. */
const BATCH_EVENTS = 250_000;

// ---- Shapes (tuned so the KPIs land near, some above and some below, their targets) ----

/** Signups grow by this factor a year (the plan asks for 30 %). */
const YEARLY_SIGNUP_GROWTH = 1.38;
/** Weekday factors, Sunday first (UTC day of week; the app's evening peak is UTC noon). */
const SIGNUP_BY_WEEKDAY = [1.1, 0.94, 0.95, 0.96, 0.98, 1.02, 1.12];
const ACTIVITY_BY_WEEKDAY = [1.06, 0.95, 0.96, 0.97, 0.99, 1.02, 1.08];
const PUBLISHING_BY_WEEKDAY = [0.45, 1.2, 1.22, 1.22, 1.22, 1.2, 0.5];
/** Share of the day's activity in each local hour (0 = midnight in UTC+8). */
const ACTIVITY_BY_LOCAL_HOUR = [
  0.8, 0.4, 0.2, 0.15, 0.15, 0.2, 0.5, 1.2, 2.2, 2.8, 3.0, 3.2, 3.6, 3.3, 3.0, 3.0, 3.1, 3.3, 3.8,
  4.6, 5.2, 5.4, 4.4, 2.4,
];

/** Probability that a user is active k days after signup (before per-user engagement). */
function retentionCurve(k: number): number {
  if (k === 0) return 1;
  const early = 0.215 + 0.5 * Math.exp(-(k - 1) / 8);
  return k <= 30 ? early : early * Math.exp(-(k - 30) / 20);
}

const PUBLIC_CHANNELS = ["app", "web", "search", "ads"] as const;
const PRIVATE_CHANNELS = ["wecom", "community", "miniprogram"] as const;
const CHANNELS = [...PUBLIC_CHANNELS, ...PRIVATE_CHANNELS] as const;
type Channel = (typeof CHANNELS)[number];
const APP = 0;
const WEB = 1;
const WECOM = 4;
const COMMUNITY = 5;
const MINIPROGRAM = 6;
const NOT_A_MEMBER = 255;
/** Where users come from (indices of CHANNELS). */
const ACQUISITION_WEIGHTS = cumulate([0.25, 0.15, 0.2, 0.18, 0.1, 0.06, 0.06]);

const ENGAGEMENT_LEVELS = [0.05, 1.4, 2.6];
const ENGAGEMENT_WEIGHTS = cumulate([0.35, 0.5, 0.15]);

/** Probability of an order on an active day, before the user's propensity and boosts. */
const ORDER_PROBABILITY = 0.036;
const CANCEL_SHARE = 0.03;
const REFUND_SHARE = 0.06;
const DUPLICATE_RECORD_SHARE = 0.015;
/**
 * Of refund records: written with a negative amount, as many order systems record refunds
 * (valid: the sign of a refund's amount does not matter, shared/kpi-spec.md).
 */
const NEGATIVE_REFUND_SHARE = 0.3;
const AUTOMATED_MESSAGE_SHARE = 0.665;

const INVALID = {
  nullUserEvent: 0.001,
  unknownEventType: 0.001,
  duplicateEventId: 0.002,
  nullUserOrder: 0.001,
  /** An extra record whose updated_at is a year ahead (a device clock bug). */
  futureUpdatedAt: 0.002,
} as const;
const LATE_SHARE = 0.002;
const UNKNOWN_EVENT_TYPES = ["app_crash", "legacy_tap"];

const CAMPAIGN_TYPES = ["acquisition", "activation", "conversion", "viral"] as const;
type CampaignType = (typeof CAMPAIGN_TYPES)[number];
const CAMPAIGN_BEHAVIOUR: Record<
  CampaignType,
  { join: number; invite: number; accept: number; orderBoost: number; amountLift: number }
> = {
  acquisition: { join: 0.3, invite: 0.15, accept: 0.1, orderBoost: 1.4, amountLift: 1.55 },
  activation: { join: 0.35, invite: 0.06, accept: 0.03, orderBoost: 1.5, amountLift: 1.55 },
  conversion: { join: 0.3, invite: 0.05, accept: 0.02, orderBoost: 1.8, amountLift: 1.6 },
  viral: { join: 0.3, invite: 0.4, accept: 0.25, orderBoost: 3, amountLift: 1.55 },
};
const CAMPAIGN_COST: Record<CampaignType, [number, number]> = {
  acquisition: [10_000, 30_000],
  activation: [5_000, 15_000],
  conversion: [8_000, 25_000],
  viral: [5_000, 15_000],
};
const CAMPAIGN_THEMES = [
  "Spring kickoff",
  "Member week",
  "Flash sale",
  "Referral sprint",
  "Summer festival",
  "Back to school",
  "Mid-autumn",
  "Double 11",
  "Year-end gala",
  "New year",
  "Weekend special",
  "Creator month",
];

const CONTENT_PER_MONTH = { article: 104, video: 52, live: 4 } as const;
const CONTENT_COST: Record<keyof typeof CONTENT_PER_MONTH, [number, number]> = {
  article: [40, 160],
  video: [150, 700],
  live: [400, 1_200],
};
const CONTENT_TOPICS = [
  "skincare routine",
  "home workout",
  "budget travel",
  "coffee at home",
  "smart gadgets",
  "kids' reading",
  "weekend recipes",
  "running shoes",
  "desk setup",
  "pet care",
  "city walks",
  "tea tasting",
];

interface Campaign {
  readonly row: CampaignRow;
  readonly type: CampaignType;
  readonly startDay: number;
  readonly endDay: number;
  readonly index: number;
  /** Bit of the per-user membership mask (campaigns running at once never share one). */
  readonly bit: number;
  /** Users who sent invites recently, for the invitees to name as referrer. */
  readonly inviters: number[];
}

interface ContentItem {
  readonly id: string;
  readonly publishedAt: number;
}

/** Generates a sample lake into `options.lakeDir` and returns what it wrote. */
export async function generateLake(options: GenerateLakeOptions): Promise<GenerateSummary> {
  const started = performance.now();
  validate(options);
  const lakeDir = resolve(options.lakeDir);
  const tables = [
    "events",
    "orders",
    ...["campaigns", "content", "identities"].map((t) => join("dims", t)),
  ];
  for (const folder of tables) {
    rmSync(join(lakeDir, folder), { recursive: true, force: true });
  }
  const world = new SampleWorld(options);
  // Two writers take turns: while one DuckDB thread encodes a batch as Parquet, the main
  // thread simulates and appends the next one (about a third faster on two cores).
  const writers = [await LakeWriter.open(lakeDir), await LakeWriter.open(lakeDir)] as const;
  try {
    let inFlight: Promise<unknown> = Promise.resolve();
    let batch = 0;
    let events: LakeRow[] = [];
    let orders: LakeRow[] = [];
    for (let day = 0; day < options.days; day++) {
      const [eventsFrom, ordersFrom] = [events.length, orders.length];
      world.simulateDay(day, events, orders);
      options.afterDay?.({
        firstDate: world.dateOf(0),
        endDate: options.endDate,
        campaigns: world.campaignRows(),
        events,
        eventsFrom,
        orders,
        ordersFrom,
      });
      if (events.length >= BATCH_EVENTS || day === options.days - 1) {
        const writer = writers[batch++ % 2]!;
        const [batchEvents, batchOrders] = [events, orders];
        const written = writer
          .write("events", batchEvents)
          .then(() => writer.write("orders", batchOrders));
        // Its failure is reported by the `await inFlight` of the next batch, not as unhandled.
        written.catch(() => {});
        // Waiting for the previous batch also lets this one's appends run before we go on.
        await inFlight;
        inFlight = written;
        events = [];
        orders = [];
        options.onProgress?.({
          daysDone: day + 1,
          days: options.days,
          events: world.counts.events,
          orderRecords: world.counts.orders,
        });
      }
    }
    await inFlight;
    const [writer] = writers;
    await writer.write("events", world.lateEvents, { fileStem: "late-{i}" });
    await writer.write("orders", world.lateOrders, { fileStem: "late-{i}" });
    await writer.write("campaigns", world.campaignRows());
    await writer.write("content", world.contentRows);
    await writer.write("identities", world.identities.rows());
  } finally {
    for (const writer of writers) writer.close();
  }
  const files = [
    ...globSync(join(lakeDir, "{events,orders}", "dt=*", "*.parquet")),
    ...globSync(join(lakeDir, "dims", "{campaigns,content,identities}", "*.parquet")),
  ];
  return {
    seed: options.seed,
    days: options.days,
    firstDate: world.dateOf(0),
    endDate: options.endDate,
    signups: world.signupsInWindow,
    rows: {
      events: world.counts.events,
      orders: world.counts.orders,
      campaigns: world.campaigns.length,
      content: world.contentRows.length,
    },
    invalid: { events: world.counts.invalidEvents, orders: world.counts.invalidOrders },
    late: { events: world.lateEvents.length, orders: world.lateOrders.length },
    files: files.length,
    bytes: files.reduce((sum, file) => sum + statSync(file).size, 0),
    elapsedMs: performance.now() - started,
  };
}

function validate(options: GenerateLakeOptions): void {
  const positive = (name: string, value: number, max: number) => {
    if (!Number.isInteger(value) || value < 1 || value > max)
      throw new GenerateOptionsError(`${name} must be a whole number from 1 to ${max}`);
  };
  positive("days", options.days, 3_660);
  positive("users", options.users, 50_000_000);
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff)
    throw new GenerateOptionsError("seed must be a whole number from 0 to 4294967295");
  try {
    parseIsoDate(options.endDate);
  } catch (error) {
    throw new GenerateOptionsError(`end date ${(error as Error).message}`, { cause: error });
  }
  // The simulation writes days before the end (history) and after it (refunds, campaigns).
  if (options.endDate < "1971-01-01" || options.endDate > "9998-12-31")
    throw new GenerateOptionsError("end date must be from 1971-01-01 to 9998-12-31");
}

/**
 * The simulated world. Day indices count from the lake's first day (0); negative days are
 * the warm-up before it, when users sign up but nothing is written.
 */
class SampleWorld {
  readonly counts = { events: 0, orders: 0, invalidEvents: 0, invalidOrders: 0 };
  readonly lateEvents: LakeRow[] = [];
  readonly lateOrders: LakeRow[] = [];
  readonly contentRows: ContentRow[] = [];
  readonly campaigns: Campaign[];
  readonly signupsInWindow: number;
  /** Who uses which ids, and the identity map of them. */
  readonly identities: SampleIdentities;

  readonly #days: number;
  readonly #firstDayMs: number;
  readonly #reSignups: ReSignups;
  readonly #lakeEndMs: number;
  readonly #random: Random;
  readonly #contentRandom: Random;
  readonly #retention: Float64Array;
  readonly #hourWeights: Float64Array;

  // Per-user state, indexed by user number; users are numbered in signup order.
  readonly #userIds: string[] = [];
  readonly #signupDay: Int32Array;
  readonly #engagement: Float32Array;
  readonly #propensity: Float32Array;
  readonly #acquisition: Uint8Array;
  readonly #platform: Uint8Array;
  readonly #privateChannel: Uint8Array;
  readonly #campaignMask: Uint32Array;
  readonly #hasOrdered: Uint8Array;
  /** First user number of each day, from the first warm-up day; one extra entry at the end. */
  readonly #firstUserOfDay: Int32Array;

  readonly #content: ContentItem[] = [];
  /** Campaigns running on the local day that starts in the current UTC day, and the next. */
  readonly #campaignsByLocalDay: Campaign[][] = [[], []];
  #orderSeq = 0;

  constructor(options: GenerateOptions) {
    this.#days = options.days;
    const endMs = Date.parse(`${options.endDate}T00:00:00Z`);
    this.#firstDayMs = endMs - (options.days - 1) * DAY_MS;
    this.#lakeEndMs = endMs + DAY_MS;
    this.identities = new SampleIdentities(this.#firstDayMs);
    this.#reSignups = new ReSignups(options.seed);
    const root = new Random(options.seed);
    this.#random = root.fork("activity");
    const usersRandom = root.fork("users");
    this.#contentRandom = root.fork("content");
    const campaignRandom = root.fork("campaigns");

    this.#retention = Float64Array.from({ length: MAX_ACTIVE_AGE + 1 }, (_, k) =>
      retentionCurve(k),
    );
    this.#hourWeights = cumulate(
      Array.from({ length: 24 }, (_, utcHour) => ACTIVITY_BY_LOCAL_HOUR[(utcHour + 8) % 24] ?? 0),
    );

    // Signups per day: growth, weekday and noise, scaled so the window holds `users`.
    const weights: number[] = [];
    for (let day = -WARM_UP_DAYS; day < options.days; day++) {
      const years = (day - (options.days - 1)) / 365;
      const noise = Math.max(0.6, 1 + 0.07 * usersRandom.normal());
      weights.push(YEARLY_SIGNUP_GROWTH ** years * SIGNUP_BY_WEEKDAY[this.#weekday(day)]! * noise);
    }
    const windowWeight = weights.slice(WARM_UP_DAYS).reduce((a, b) => a + b, 0);
    const perWeight = options.users / windowWeight;
    this.#firstUserOfDay = new Int32Array(weights.length + 1);
    let cumulative = 0;
    weights.forEach((weight, i) => {
      cumulative += weight;
      this.#firstUserOfDay[i + 1] = Math.round(cumulative * perWeight);
    });
    const totalUsers = this.#firstUserOfDay[weights.length]!;
    this.signupsInWindow = totalUsers - this.#firstUserOfDay[WARM_UP_DAYS]!;

    this.#signupDay = new Int32Array(totalUsers);
    this.#engagement = new Float32Array(totalUsers);
    this.#propensity = new Float32Array(totalUsers);
    this.#acquisition = new Uint8Array(totalUsers);
    this.#platform = new Uint8Array(totalUsers);
    this.#privateChannel = new Uint8Array(totalUsers);
    this.#campaignMask = new Uint32Array(totalUsers);
    this.#hasOrdered = new Uint8Array(totalUsers);
    for (let i = 0; i < weights.length; i++) {
      for (let user = this.#firstUserOfDay[i]!; user < this.#firstUserOfDay[i + 1]!; user++) {
        this.#signupDay[user] = i - WARM_UP_DAYS;
        this.#initUser(user, usersRandom);
      }
    }

    this.campaigns = this.#scheduleCampaigns(campaignRandom, endMs);
    for (let day = -30; day < 0; day++) this.#publishContent(day);
  }

  /** `YYYY-MM-DD` of a day index. */
  dateOf(day: number): string {
    return new Date(this.#firstDayMs + day * DAY_MS).toISOString().slice(0, 10);
  }

  campaignRows(): CampaignRow[] {
    return this.campaigns.map((campaign) => campaign.row);
  }

  /** Simulates one UTC day, appending its rows to `events` and `orders`. */
  simulateDay(day: number, events: LakeRow[], orders: LakeRow[]): void {
    const random = this.#random;
    const dayStart = this.#firstDayMs + day * DAY_MS;
    const activityFactor = ACTIVITY_BY_WEEKDAY[this.#weekday(day)]!;
    const sink = new DaySink(this, events, orders, random, day < this.#days - 2);

    const contentPicker = this.#contentPicker(dayStart);
    this.#prepareCampaignDays(day);
    this.#publishContent(day);
    for (const campaign of this.campaigns) {
      // Local day `startDay` begins during UTC day `startDay - 1` (UTC+8). The campaign's
      // membership bit was used by an earlier campaign: clear it before anyone joins.
      if (campaign.startDay === day + 1 && campaign.bit !== campaign.index) {
        const bit = ~(1 << campaign.bit);
        for (let user = 0; user < this.#campaignMask.length; user++)
          this.#campaignMask[user]! &= bit;
      }
      if (campaign.endDay < day - 7) campaign.inviters.length = 0;
    }

    const firstUser = this.#firstUserOfDay[Math.max(0, day - MAX_ACTIVE_AGE + WARM_UP_DAYS)]!;
    const endUser = this.#firstUserOfDay[day + WARM_UP_DAYS + 1]!;
    for (let user = firstUser; user < endUser; user++) {
      const age = day - this.#signupDay[user]!;
      const p = age === 0 ? 1 : this.#retention[age]! * this.#engagement[user]! * activityFactor;
      if (age > 0 && random.next() >= Math.min(0.95, p)) continue;
      this.#simulateUserDay(user, day, dayStart, age, contentPicker, sink);
    }
  }

  /** Prepares, for UTC day `day`, the campaigns of its local day and of the next one. */
  #prepareCampaignDays(day: number): void {
    for (const offset of [0, 1]) {
      const localDay = day + offset;
      this.#campaignsByLocalDay[offset] = this.campaigns.filter(
        (c) => c.startDay <= localDay && localDay <= c.endDay,
      );
    }
  }

  #simulateUserDay(
    user: number,
    day: number,
    dayStart: number,
    age: number,
    pickContent: () => ContentItem | undefined,
    sink: DaySink,
  ): void {
    const random = this.#random;
    const userId = this.#userId(user);
    const member = this.#privateChannel[user] !== NOT_A_MEMBER;
    const sessions =
      1 +
      (random.chance(0.12) ? 1 : 0) +
      (this.#engagement[user]! > 1.5 && random.chance(0.5) ? 1 : 0);
    let viewed: ContentItem | undefined;
    let lastSession = dayStart;
    let lastChannel: Channel = CHANNELS[this.#platform[user]!]!;
    for (let session = 0; session < sessions; session++) {
      let time = this.#sessionStart(dayStart);
      const channel = this.#sessionChannel(user, member);
      if (session === 0 && age === 0) {
        this.#signup(user, day, time, sink);
        time += 1000;
      } else if (session === 0 && this.#reSignups.signsUpAgain(age)) {
        // A user signing up again: a plain signup event (no invite, no draw from `random`).
        sink.event(time, userId, "signup", channel, null, null, null, null);
        time += 1000;
      }
      if (time < lastSession) time = lastSession + random.between(60, 600) * 1000;
      sink.event(time, userId, "session_start", channel, null, null, null, null);
      const pageViews = (random.chance(0.8) ? 1 : 0) + (random.chance(0.3) ? 1 : 0);
      for (let i = 0; i < pageViews; i++) {
        time += random.between(5, 120) * 1000;
        sink.event(time, userId, "page_view", channel, null, null, null, null);
      }
      const contentViews = random.poisson(0.6);
      for (let i = 0; i < contentViews; i++) {
        const item = pickContent();
        if (!item) break;
        viewed = item;
        time += random.between(5, 90) * 1000;
        sink.event(time, userId, "content_view", channel, item.id, null, null, null);
        if (random.chance(0.05))
          sink.event(time + 20_000, userId, "content_like", channel, item.id, null, null, null);
        if (random.chance(0.012))
          sink.event(time + 40_000, userId, "content_comment", channel, item.id, null, null, null);
        if (random.chance(0.015))
          sink.event(time + 50_000, userId, "content_share", channel, item.id, null, null, null);
        if (random.chance(0.08))
          sink.event(time + 60_000, userId, "content_click", channel, item.id, null, null, null);
      }
      this.#campaignActivity(user, day, time, channel, sink);
      lastSession = time;
      lastChannel = channel;
    }
    if (random.chance(0.12)) {
      const channel = member ? CHANNELS[this.#privateChannel[user]!]! : "app";
      const automated = random.chance(AUTOMATED_MESSAGE_SHARE);
      sink.event(
        lastSession + 30_000,
        userId,
        "message_sent",
        channel,
        null,
        null,
        null,
        automated,
      );
    }
    this.#maybeOrder(user, day, lastSession, lastChannel, viewed, sink);
  }

  #signup(user: number, day: number, time: number, sink: DaySink): void {
    const random = this.#random;
    const userId = this.#userId(user);
    const channel = CHANNELS[this.#acquisition[user]!]!;
    // Invitees of a running viral or acquisition campaign accept the invite as they sign up.
    for (const campaign of this.#runningCampaigns(day, time)) {
      const behaviour = CAMPAIGN_BEHAVIOUR[campaign.type];
      if (campaign.inviters.length === 0 || !random.chance(behaviour.accept)) continue;
      const inviter = this.#userId(random.pick(campaign.inviters));
      const id = campaign.row.id;
      sink.event(time, userId, "signup", channel, null, id, inviter, null);
      sink.event(time + 2000, userId, "invite_accepted", channel, null, id, inviter, null);
      return;
    }
    sink.event(time, userId, "signup", channel, null, null, null, null);
  }

  #campaignActivity(user: number, day: number, time: number, channel: Channel, sink: DaySink) {
    const random = this.#random;
    for (const campaign of this.#runningCampaigns(day, time)) {
      const behaviour = CAMPAIGN_BEHAVIOUR[campaign.type];
      const bit = 1 << campaign.bit;
      const id = campaign.row.id;
      if ((this.#campaignMask[user]! & bit) === 0) {
        if (!random.chance(behaviour.join)) continue;
        this.#campaignMask[user]! |= bit;
        sink.event(time + 5000, this.#userId(user), "campaign_join", channel, null, id, null, null);
      }
      if (random.chance(behaviour.invite)) {
        const invites = 1 + random.int(3);
        for (let i = 0; i < invites; i++) {
          sink.event(
            time + 9000 + i * 1000,
            this.#userId(user),
            "invite_sent",
            channel,
            null,
            id,
            null,
            null,
          );
        }
        if (campaign.inviters.length < 5000) campaign.inviters.push(user);
        else campaign.inviters[random.int(5000)] = user;
      }
    }
  }

  #maybeOrder(
    user: number,
    day: number,
    after: number,
    channel: Channel,
    viewed: ContentItem | undefined,
    sink: DaySink,
  ): void {
    const random = this.#random;
    const time = after + random.between(60, 1500) * 1000;
    const campaign = this.#runningCampaigns(day, time).find(
      (c) => (this.#campaignMask[user]! & (1 << c.bit)) !== 0,
    );
    // A first purchase is harder to win than a repeat one.
    let p = ORDER_PROBABILITY * this.#propensity[user]! * (this.#hasOrdered[user] ? 1.5 : 0.7);
    if (viewed) p *= 1.4;
    if (campaign) p *= CAMPAIGN_BEHAVIOUR[campaign.type].orderBoost;
    if (!random.chance(p)) return;
    this.#hasOrdered[user] = 1;
    let amount = random.logNormal(118, 0.55);
    if (campaign) amount *= CAMPAIGN_BEHAVIOUR[campaign.type].amountLift;
    const base: OrderRecord = {
      order_id: `ord_${String(++this.#orderSeq).padStart(9, "0")}`,
      user_id: random.chance(INVALID.nullUserOrder) ? null : this.#userId(user),
      order_time: time,
      updated_at: time + random.between(1, 90) * 1000,
      amount: Math.min(amount, 20_000).toFixed(2),
      currency: "CNY",
      status: "paid",
      channel,
      campaign_id: campaign && random.chance(0.85) ? campaign.row.id : null,
      content_id: viewed && random.chance(0.6) ? viewed.id : null,
    };
    if (base.user_id === null) sink.counts.invalidOrders++;
    const records: OrderRecord[] = [base];
    const outcome = random.next();
    if (outcome < CANCEL_SHARE) {
      records.push({
        ...base,
        status: "cancelled",
        updated_at: time + random.between(600, 6 * 3600) * 1000,
      });
    } else if (outcome < CANCEL_SHARE + REFUND_SHARE) {
      const negative = random.chance(NEGATIVE_REFUND_SHARE);
      const refund: OrderRecord = {
        ...base,
        status: "refunded",
        updated_at: time + random.between(86_400, 14 * 86_400) * 1000,
        amount: negative ? `-${base.amount}` : base.amount,
      };
      // A refund that would happen after the lake's last day has not happened yet.
      if (refund.updated_at < this.#lakeEndMs) {
        records.push(refund);
      }
    }
    if (random.chance(DUPLICATE_RECORD_SHARE)) records.push(records[records.length - 1]!);
    if (random.chance(INVALID.futureUpdatedAt)) {
      const last = records[records.length - 1]!;
      records.push({ ...last, updated_at: last.updated_at + random.between(300, 400) * DAY_MS });
      sink.counts.invalidOrders++;
    }
    for (const record of records) sink.order(record);
  }

  #initUser(user: number, random: Random): void {
    const acquisition = pickCumulative(random, ACQUISITION_WEIGHTS);
    this.#acquisition[user] = acquisition;
    const acquiredPrivately = acquisition >= WECOM;
    const member = random.chance(acquiredPrivately ? 0.9 : 0.16);
    this.#privateChannel[user] = !member
      ? NOT_A_MEMBER
      : acquiredPrivately
        ? acquisition
        : random.chance(0.6)
          ? WECOM
          : COMMUNITY;
    this.#platform[user] =
      acquisition === MINIPROGRAM
        ? MINIPROGRAM
        : acquisition === APP || acquisition === WEB
          ? acquisition
          : random.chance(0.6)
            ? APP
            : WEB;
    const level = ENGAGEMENT_LEVELS[pickCumulative(random, ENGAGEMENT_WEIGHTS)]!;
    this.#engagement[user] = level * (member ? 1.2 : 1);
    this.#propensity[user] = random.logNormal(0.9, 0.5) * (member ? 2.1 : 1);
  }

  #userId(user: number): string {
    let id = this.#userIds[user];
    if (id === undefined) {
      id = `usr_${String(user + 1).padStart(8, "0")}`;
      this.#userIds[user] = id;
    }
    return id;
  }

  #weekday(day: number): number {
    return new Date(this.#firstDayMs + day * DAY_MS).getUTCDay();
  }

  /** A session start time in the day, following the local activity curve. */
  #sessionStart(dayStart: number): number {
    const hour = pickCumulative(this.#random, this.#hourWeights);
    const time = dayStart + hour * HOUR_MS + this.#random.int(3600) * 1000;
    // Leave room for the session's events (and an order) inside the same UTC day.
    return Math.min(time, dayStart + DAY_MS - 3 * HOUR_MS);
  }

  #sessionChannel(user: number, member: boolean): Channel {
    const random = this.#random;
    if (member && random.chance(0.4)) {
      return random.chance(0.7) ? CHANNELS[this.#privateChannel[user]!]! : "miniprogram";
    }
    if (random.chance(0.1)) return random.chance(0.5) ? "search" : "ads";
    return CHANNELS[this.#platform[user]!]!;
  }

  /** Campaigns whose local days (UTC+8) include the instant `time` of UTC day `day`. */
  #runningCampaigns(day: number, time: number): readonly Campaign[] {
    const localDay = Math.floor((time + LOCAL_OFFSET_MS - this.#firstDayMs) / DAY_MS);
    return this.#campaignsByLocalDay[localDay - day] ?? [];
  }

  /** Picks content for views today: mostly fresh items, some evergreen ones. */
  #contentPicker(dayStart: number): () => ContentItem | undefined {
    const fresh = this.#content.filter(
      (item) => item.publishedAt < dayStart && item.publishedAt >= dayStart - 30 * DAY_MS,
    );
    const all = this.#content.filter((item) => item.publishedAt < dayStart);
    const weights = cumulate(
      fresh.map((item) => Math.exp(-(dayStart - item.publishedAt) / (3 * DAY_MS))),
    );
    const random = this.#random;
    return () => {
      if (all.length === 0) return undefined;
      if (fresh.length === 0 || random.chance(0.1)) return random.pick(all);
      return fresh[pickCumulative(random, weights)];
    };
  }

  #publishContent(day: number): void {
    const random = this.#contentRandom;
    const dayStart = this.#firstDayMs + day * DAY_MS;
    const factor = PUBLISHING_BY_WEEKDAY[this.#weekday(day)]!;
    for (const format of ["article", "video", "live"] as const) {
      const count = random.poisson((CONTENT_PER_MONTH[format] / 30.44) * factor);
      for (let i = 0; i < count; i++) {
        const id = `cnt_${String(this.#content.length + 1).padStart(6, "0")}`;
        // Published in local working hours, 09:00-21:00 UTC+8.
        const publishedAt = dayStart + HOUR_MS + random.int(12 * 3600) * 1000;
        const [low, high] = CONTENT_COST[format];
        const topic = random.pick(CONTENT_TOPICS);
        this.#content.push({ id, publishedAt });
        this.contentRows.push({
          id,
          title: `${format === "article" ? "Guide" : format === "video" ? "Video" : "Live"}: ${topic} #${this.#content.length}`,
          format,
          channel: random.pick(["app", "web", "wecom", "community", "miniprogram"]),
          published_at: new Date(publishedAt),
          production_cost: random.chance(0.02) ? null : random.between(low, high).toFixed(2),
        });
      }
    }
  }

  /**
   * Campaigns are anchored to the end date, so even a short lake has one that ended the
   * day before the end (its final snapshot falls on the last day), one running at the end
   * and one that starts later; earlier ones are laid out backwards to the first day.
   */
  #scheduleCampaigns(random: Random, endMs: number): Campaign[] {
    const endDay = this.#days - 1;
    const spans: { start: number; end: number; type: CampaignType }[] = [
      { start: endDay + 6, end: endDay + 20, type: "conversion" },
      { start: endDay - 4, end: endDay + 9, type: "viral" },
      { start: endDay - 13, end: endDay - 1, type: "activation" },
    ];
    let cursor = endDay - 13 - random.between(4, 12);
    let typeIndex = 0;
    while (cursor > 0) {
      const length = random.between(7, 28);
      const type = CAMPAIGN_TYPES[typeIndex++ % CAMPAIGN_TYPES.length]!;
      spans.push({ start: Math.max(0, cursor - length + 1), end: cursor, type });
      cursor -= length + random.between(3, 18);
    }
    spans.sort((a, b) => a.start - b.start || a.end - b.end);
    return spans.map((span, index) => {
      const [low, high] = CAMPAIGN_COST[span.type];
      const start = new Date(endMs + (span.start - endDay) * DAY_MS).toISOString().slice(0, 10);
      return {
        row: {
          id: `cmp_${String(index + 1).padStart(4, "0")}`,
          name: `${random.pick(CAMPAIGN_THEMES)} ${start.slice(0, 7)}`,
          type: span.type,
          start_date: start,
          end_date: new Date(endMs + (span.end - endDay) * DAY_MS).toISOString().slice(0, 10),
          cost: (random.between(low / 100, high / 100) * 100).toFixed(2),
        },
        type: span.type,
        startDay: span.start,
        endDay: span.end,
        index,
        bit: index % 32,
        inviters: [],
      };
    });
  }

  pushLate(table: "events" | "orders", row: LakeRow): void {
    (table === "events" ? this.lateEvents : this.lateOrders).push(row);
  }
}

type OrderRecord = {
  order_id: string;
  user_id: string | null;
  order_time: number;
  updated_at: number;
  amount: string;
  currency: string;
  status: "paid" | "refunded" | "cancelled";
  channel: string;
  campaign_id: string | null;
  content_id: string | null;
};

/**
 * Collects one day's rows: numbers the events, mixes in the invalid records and diverts
 * a few records to the late file.
 */
class DaySink {
  readonly counts: SampleWorld["counts"];
  readonly #world: SampleWorld;
  readonly #events: LakeRow[];
  readonly #orders: LakeRow[];
  readonly #random: Random;
  readonly #allowLate: boolean;

  constructor(
    world: SampleWorld,
    events: LakeRow[],
    orders: LakeRow[],
    random: Random,
    allowLate: boolean,
  ) {
    this.#world = world;
    this.counts = world.counts;
    this.#events = events;
    this.#orders = orders;
    this.#random = random;
    this.#allowLate = allowLate;
  }

  event(
    time: number,
    userId: string,
    type: string,
    channel: string,
    contentId: string | null,
    campaignId: string | null,
    referrerUserId: string | null,
    automated: boolean | null,
  ): void {
    const row = this.#eventRow(
      time,
      this.#world.identities.sourceId(userId, channel, time),
      type,
      channel,
      contentId,
      campaignId,
      referrerUserId,
      automated,
    );
    this.#push("events", row);
    const random = this.#random;
    if (random.chance(INVALID.duplicateEventId)) {
      this.counts.events++;
      this.counts.invalidEvents++;
      this.#events.push(row);
    }
    if (random.chance(INVALID.nullUserEvent)) {
      this.counts.invalidEvents++;
      this.#events.push(
        this.#eventRow(time + 1000, null, "page_view", channel, null, null, null, null),
      );
    }
    if (random.chance(INVALID.unknownEventType)) {
      this.counts.invalidEvents++;
      const unknown = random.pick(UNKNOWN_EVENT_TYPES);
      this.#events.push(
        this.#eventRow(time + 1000, userId, unknown, channel, null, null, null, null),
      );
    }
  }

  order(record: OrderRecord): void {
    this.counts.orders++;
    this.#push("orders", record);
  }

  #eventRow(
    time: number,
    userId: string | null,
    type: string,
    channel: string,
    contentId: string | null,
    campaignId: string | null,
    referrerUserId: string | null,
    automated: boolean | null,
  ): LakeRow {
    this.counts.events++;
    return {
      event_id: `evt_${String(this.counts.events).padStart(10, "0")}`,
      event_time: time,
      user_id: userId,
      event_type: type,
      channel,
      content_id: contentId,
      campaign_id: campaignId,
      referrer_user_id: referrerUserId,
      automated,
    };
  }

  #push(table: "events" | "orders", row: LakeRow): void {
    if (this.#allowLate && this.#random.chance(LATE_SHARE)) this.#world.pushLate(table, row);
    else (table === "events" ? this.#events : this.#orders).push(row);
  }
}
