/**
 * The identity map and the rollups on a real DuckDB lake (functions/lib/rollups/identity-map.ts):
 * a lake without the map builds what it built before (no `identities` key in a manifest);
 * a map that arrives, changes or goes away rebuilds exactly the days its rows cover; the
 * builds map ids by each record's time; and the per-user state is made again when the map
 * changed: a merge takes the earliest first signup of its ids, a `valid_to` split gives
 * each side its own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { writeLake } from "../../../functions/lib/lake/writer.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import { DEFAULT_KPI_SETTINGS } from "../../../functions/lib/report/modules.ts";
import { queryOverRollups, rollupStatus } from "../../../functions/lib/rollups/refresh.ts";

const ZONE = "Asia/Shanghai";
const WINDOW = { from: "2026-03-01", to: "2026-03-08" };
const root = mkdtempSync(join(tmpdir(), "opspulse-identity-refresh-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let eventCount = 0;
/** An event at local noon of a March day (04:00 UTC). */
const event = (user: string, day: number, type = "page_view") => ({
  event_id: `e${eventCount++}`,
  event_time: new Date(`2026-03-0${day}T04:00:00Z`),
  user_id: user,
  event_type: type,
  channel: "app",
});
const mapping = (source: string, person: string, from: string, to: string | null = null) => ({
  source: "web",
  source_user_id: source,
  user_id: person,
  valid_from: new Date(from),
  valid_to: to === null ? null : new Date(to),
});

async function lakeWith(events: ReturnType<typeof event>[]) {
  const lakeDir = join(root, `lake-${eventCount}`);
  await writeLake(lakeDir, { events });
  return lakeDir;
}

/** Opens an engine (a run), brings user_day and user_state up to date over the window. */
async function run(lakeDir: string) {
  const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
  const context = {
    engine,
    catalog: new QueryCatalog(),
    timeZone: ZONE,
    settings: DEFAULT_KPI_SETTINGS,
    now: new Date("2026-03-09T00:00:00Z"),
  };
  if (!engine.rollups) throw new Error("rollups are on by default");
  const storage = engine.rollups;
  const before = await rollupStatus(storage, context, "user_day", WINDOW);
  await queryOverRollups(context, "user_state_of_days", {
    user_day: WINDOW,
    user_state: WINDOW,
  });
  const userDays = await engine.raw(
    "select local_date, user_id from user_day order by local_date, user_id",
  );
  const state = await engine.raw(
    "select user_id, first_signup_date from user_state order by user_id",
  );
  const manifests = await storage.manifests("user_day", ["2026-03-01", "2026-03-05"]);
  await engine.close();
  return {
    stale: before
      .filter((s) => s.status === "stale" || s.status === "missing")
      .map((s) => s.localDate),
    userDays: userDays.map((r) => `${r.local_date} ${r.user_id}`),
    state: Object.fromEntries(state.map((r) => [r.user_id, r.first_signup_date])),
    identityKeys: manifests.map((m) => m.sources.identities ?? "none"),
  };
}

describe("rollups with an identity map", () => {
  it("builds as before without a map, then rebuilds only the days a late map covers", async () => {
    const lakeDir = await lakeWith([
      event("web_1", 1, "signup"),
      event("app_1", 3, "signup"),
      event("app_1", 4),
      event("web_1", 6),
      event("solo", 2),
    ]);
    const first = await run(lakeDir);
    expect(first.identityKeys).toEqual(["none", "none"]);
    expect(first.state).toEqual({ app_1: "2026-03-03", solo: null, web_1: "2026-03-01" });

    // The map arrives: web_1 is person app_1 from 5 March (local) on.
    await writeLake(lakeDir, { identities: [mapping("web_1", "app_1", "2026-03-04T16:00:00Z")] });
    const second = await run(lakeDir);
    // Only the days with data from 5 March on are rebuilt; 8 March has none.
    expect(second.stale).toEqual(["2026-03-05", "2026-03-06", "2026-03-07"]);
    expect(second.userDays).toEqual([
      "2026-03-01 web_1",
      "2026-03-02 solo",
      "2026-03-03 app_1",
      "2026-03-04 app_1",
      "2026-03-06 app_1",
    ]);
    expect(second.identityKeys[0]).toBe("none");
    expect(second.identityKeys[1]).toMatch(/^1:/);
    // web_1's signup on 1 March was before the mapping: it stays web_1's own.
    expect(second.state).toEqual({ app_1: "2026-03-03", solo: null, web_1: "2026-03-01" });

    // Nothing changed: nothing rebuilt.
    expect((await run(lakeDir)).stale).toEqual([]);
  });

  it("merges by the earliest first signup, and a valid_to split gives each side its own", async () => {
    const lakeDir = await lakeWith([
      event("web_2", 1, "signup"),
      event("app_2", 3, "signup"),
      event("web_2", 7, "signup"),
    ]);
    await run(lakeDir);
    // A merge since long before: web_2's first signup (1 March) is app_2's.
    await writeLake(
      lakeDir,
      { identities: [mapping("web_2", "app_2", "2026-01-01T00:00:00Z")] },
      { overwrite: true },
    );
    const merged = await run(lakeDir);
    expect(merged.state).toEqual({ app_2: "2026-03-01" });
    expect(merged.userDays).toEqual(["2026-03-01 app_2", "2026-03-03 app_2", "2026-03-07 app_2"]);

    // The mapping ends before 1 March (local): web_2's records are its own again, so app_2
    // first signed up on 3 March and web_2 on 1 March. The state moves app_2's first signup
    // later, which no fold (a minimum) could do: it is made again.
    await writeLake(
      lakeDir,
      {
        identities: [mapping("web_2", "app_2", "2026-01-01T00:00:00Z", "2026-02-28T16:00:00Z")],
      },
      { overwrite: true },
    );
    const split = await run(lakeDir);
    // The changed row covers every day with data, before and after its new valid_to
    // (5 and 6 March have none).
    expect(split.stale).toEqual([
      "2026-03-01",
      "2026-03-02",
      "2026-03-03",
      "2026-03-04",
      "2026-03-07",
      "2026-03-08",
    ]);
    expect(split.state).toEqual({ app_2: "2026-03-03", web_2: "2026-03-01" });
  });
});
