import { describe, expect, it } from "vitest";
import { IncidentInjector } from "../../../functions/lib/lake/incidents.ts";
import type { LakeRow } from "../../../functions/lib/lake/writer.ts";

// 2026-03-10 in Asia/Shanghai starts at 2026-03-09T16:00Z.
const local = (hh: number, mm = 0) => Date.parse("2026-03-09T16:00:00Z") + (hh * 60 + mm) * 60_000;
const row = (id: string, channel: string, time: number): LakeRow => ({
  event_id: id,
  event_time: time,
  user_id: "u",
  event_type: "page_view",
  channel,
});

function inject(stop?: { channel: string; fromHour: number; toHour: number }) {
  const injector = new IncidentInjector({
    seed: 1,
    perKind: 0,
    timeZone: "Asia/Shanghai",
    cleanStartDays: 0,
    cleanEndDays: 0,
    planned: [{ kind: "channel_events_stop", start: "2026-03-10", ...(stop ? { stop } : {}) }],
  });
  const events = [
    row("before", "app", local(9, 59)),
    row("from", "app", local(10, 0)),
    row("last", "app", local(12, 59)),
    row("back", "app", local(13, 0)),
    row("web", "web", local(11, 0)),
  ];
  injector.apply({
    firstDate: "2026-03-01",
    endDate: "2026-03-10",
    campaigns: [],
    events,
    eventsFrom: 0,
    orders: [],
    ordersFrom: 0,
  });
  return { ids: events.map((e) => e.event_id), truth: injector.truth() };
}

describe("the channel_events_stop incident", () => {
  it("removes the channel's events from local 10:00 to 13:00 only, and says so in the truth file", () => {
    const { ids, truth } = inject();
    expect(ids).toEqual(["before", "back", "web"]);
    expect(truth.incidents[0]).toMatchObject({
      kind: "channel_events_stop",
      days: ["2026-03-10"],
      driver: { dimension: "channel", element: "app" },
      stop: { channel: "app", fromHour: 10, toHour: 13 },
      effect: { channel_events_removed: 2 },
    });
  });

  it("refuses hours that are not a span of the day", () => {
    expect(() => inject({ channel: "app", fromHour: 13, toHour: 10 })).toThrow(
      /0 ≤ from < to ≤ 24/,
    );
  });
});
