import { describe, expect, it } from "vitest";
import type { CampaignRow } from "../../../functions/lib/contract/schema.ts";
import {
  INCIDENT_KINDS,
  type Incident,
  IncidentInjector,
  injectedElements,
  type SimulatedDay,
} from "../../../functions/lib/lake/incidents.ts";
import type { LakeRow } from "../../../functions/lib/lake/writer.ts";

const ZONE = "Asia/Shanghai";
const campaigns: CampaignRow[] = [
  {
    id: "cmp_0001",
    name: "Spring",
    type: "viral",
    start_date: "2026-01-01",
    end_date: "2026-12-31",
    cost: "100.00",
  },
];

/** An injector with one incident of each kind over a 120-day lake, planned on a first call. */
function plannedInjector(seed = 5): { injector: IncidentInjector; incidents: readonly Incident[] } {
  const injector = new IncidentInjector({
    seed,
    perKind: 1,
    timeZone: ZONE,
    cleanStartDays: 70,
    cleanEndDays: 3,
  });
  injector.apply(day([], []));
  return { injector, incidents: injector.truth().incidents };
}

function day(events: LakeRow[], orders: LakeRow[]): SimulatedDay {
  return {
    firstDate: "2026-01-01",
    endDate: "2026-04-30",
    campaigns,
    events,
    eventsFrom: 0,
    orders,
    ordersFrom: 0,
  };
}

/** Local `hh:mm` of a local day (UTC+8) as epoch ms. */
const local = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+08:00`);

const ev = (date: string, user: string, fields: Record<string, unknown> = {}): LakeRow => ({
  event_id: `e-${user}-${String(fields.event_type ?? "page_view")}-${String(fields.channel ?? "app")}`,
  event_time: local(date, "10:00"),
  user_id: user,
  event_type: "page_view",
  channel: "app",
  content_id: null,
  campaign_id: null,
  referrer_user_id: null,
  automated: null,
  ...fields,
});

const of = (incidents: readonly Incident[], kind: Incident["kind"]) =>
  incidents.find((i) => i.kind === kind) as Incident;

describe("IncidentInjector: the plan", () => {
  it("places one incident of each kind at distinct days after the clean start, with its truth", () => {
    const { incidents } = plannedInjector();
    expect(incidents.map((i) => i.kind).sort()).toEqual([...INCIDENT_KINDS].sort());
    for (const incident of incidents) {
      expect((incident.days[0] as string) >= "2026-03-12").toBe(true); // 1 Jan + 70 days
      expect((incident.days.at(-1) as string) <= "2026-04-27").toBe(true);
    }
    expect(of(incidents, "campaign_id_loss")).toMatchObject({
      campaignId: "cmp_0001",
      driver: { dimension: "campaign", element: "cmp_0001" },
      metrics: ["campaign_participants"],
    });
    expect(of(incidents, "campaign_id_loss").days).toHaveLength(2);
    expect(of(incidents, "app_events_drop").driver).toEqual({
      dimension: "channel",
      element: "app",
    });
    const days = incidents.flatMap((i) => i.days);
    expect(new Set(days).size).toBe(days.length);
    // The injected segment: an outage's whole failing payment path, else the named element.
    expect(injectedElements(of(incidents, "paid_orders_outage"))).toEqual(["app", "miniprogram"]);
    expect(injectedElements(of(incidents, "ads_signup_surge"))).toEqual(["ads"]);
  });

  it("is the same for the same seed and differs for another", () => {
    expect(plannedInjector(5).incidents).toEqual(plannedInjector(5).incidents);
    expect(plannedInjector(5).incidents).not.toEqual(plannedInjector(6).incidents);
  });
});

describe("IncidentInjector: what each incident does to a day's rows", () => {
  it("app_events_drop removes the app events of about 60 % of the users, that day only", () => {
    const { injector, incidents } = plannedInjector();
    const date = of(incidents, "app_events_drop").days[0] as string;
    const users = Array.from({ length: 1000 }, (_, i) => `u${i}`);
    const events = [
      ...users.map((u) => ev(date, u)),
      ...users.map((u) => ev(date, u, { channel: "web" })),
    ];
    injector.apply(day(events, []));
    const appLeft = events.filter((e) => e.channel === "app").length;
    expect(appLeft).toBeGreaterThan(340);
    expect(appLeft).toBeLessThan(460);
    expect(events.filter((e) => e.channel === "web")).toHaveLength(1000);
  });

  it("paid_orders_outage fails in-app orders from 19:00 to 23:00 until half the window's paid orders are gone", () => {
    const { injector, incidents } = plannedInjector();
    const date = of(incidents, "paid_orders_outage").days[0] as string;
    const order = (id: number, channel: string, hhmm: string): LakeRow => ({
      order_id: `o${id}`,
      order_time: local(date, hhmm),
      status: "paid",
      channel,
    });
    // In the window: 600 app, 400 web (the path carries 60 %: each app order fails with
    // probability 0.5 / 0.6); outside it: 100 app orders at 12:00, untouched.
    const orders = [
      ...Array.from({ length: 600 }, (_, i) => order(i, "app", "20:00")),
      ...Array.from({ length: 400 }, (_, i) => order(1000 + i, "web", "21:00")),
      ...Array.from({ length: 100 }, (_, i) => order(2000 + i, "app", "12:00")),
    ];
    injector.apply(day([], orders));
    const inWindow = orders.filter((o) => o.order_time !== local(date, "12:00"));
    expect(inWindow.filter((o) => o.channel === "web")).toHaveLength(400);
    expect(inWindow.length).toBeGreaterThan(450);
    expect(inWindow.length).toBeLessThan(550);
    expect(orders.filter((o) => o.order_time === local(date, "12:00"))).toHaveLength(100);
  });

  it("campaign_id_loss strips the campaign's id on both days, nothing else", () => {
    const { injector, incidents } = plannedInjector();
    const [first, second] = of(incidents, "campaign_id_loss").days as [string, string];
    const events = [
      ev(first, "u1", { event_type: "campaign_join", campaign_id: "cmp_0001" }),
      ev(second, "u2", { event_type: "campaign_join", campaign_id: "cmp_0001" }),
      ev(second, "u3", { event_type: "campaign_join", campaign_id: "cmp_0002" }),
    ];
    injector.apply(day(events, []));
    expect(events.map((e) => e.campaign_id)).toEqual([null, null, "cmp_0002"]);
  });

  it("ads_signup_surge adds two new ads users for each ads signup of the day", () => {
    const { injector, incidents } = plannedInjector();
    const date = of(incidents, "ads_signup_surge").days[0] as string;
    const events = [
      ev(date, "u1", { event_type: "signup", channel: "ads" }),
      ev(date, "u2", { event_type: "signup", channel: "web" }),
    ];
    injector.apply(day(events, []));
    const signups = events.filter((e) => e.event_type === "signup");
    expect(signups.map((e) => e.channel)).toEqual(["ads", "web", "ads", "ads"]);
    expect(new Set(signups.map((e) => e.user_id)).size).toBe(4);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    expect(of(injector.truth().incidents, "ads_signup_surge").effect).toEqual({
      ads_signups: 1,
      signups_added: 2,
    });
  });

  it("refuses a lake too short to hold incidents after the clean start", () => {
    const injector = new IncidentInjector({
      seed: 1,
      perKind: 1,
      timeZone: ZONE,
      cleanStartDays: 70,
      cleanEndDays: 3,
    });
    expect(() => injector.apply({ ...day([], []), endDate: "2026-02-15" })).toThrow(
      /too short for incidents: generate at least 103 days/,
    );
  });
});
