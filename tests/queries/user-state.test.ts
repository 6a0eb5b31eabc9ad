/**
 * The per-user state (functions/lib/rollups/user-state.ts, queries/rollup_user_state.sql):
 * folded day by day it equals a rebuild from scratch, late data only moves its facts
 * earlier, a day whose user_day partition is rebuilt is folded again, and a re-run of a
 * past day gives what that day's first run gave after later days were folded in.
 */

import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { periodContaining } from "../../functions/lib/kpi/windows.ts";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { parseQueryFile } from "../../functions/lib/query/query-file.ts";
import { usersModule } from "../../functions/lib/report/modules/users.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import * as rows from "../support/rows.ts";
import { seedUserState } from "../support/user-state.ts";

const ZONE = "Asia/Shanghai";
const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const catalog = new QueryCatalog();
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Shanghai local time. */
const local = (dateTime: string) => `${dateTime}+08:00`;
const signup = (id: string, user: string, at: string) =>
  rows.event(id, local(at), user, { event_type: "signup" });
const visit = (id: string, user: string, at: string) => rows.event(id, local(at), user);

const EVENTS = [
  // u1 signs up on 1 Feb, and again 40 days later (13 Mar): first signup 1 Feb.
  signup("a1", "u1", "2026-02-01T10:00:00"),
  signup("a2", "u1", "2026-03-13T10:00:00"),
  // u2 visits on 5 Feb and signs up on 20 Feb (first active before its signup).
  visit("b1", "u2", "2026-02-05T23:59:59"),
  signup("b2", "u2", "2026-02-20T00:00:00"),
  // u3 never signs up.
  visit("c1", "u3", "2026-03-01T12:00:00"),
  // An unknown event type is no activity: u4 is not in the state.
  { ...visit("d1", "u4", "2026-02-10T12:00:00"), event_type: "teleport" },
];

const stateQuery = parseQueryFile(
  "state_rows",
  "select user_id, first_signup_time, cast(first_signup_date as varchar) as first_signup_date, cast(first_active_date as varchar) as first_active_date from user_state order by user_id",
);
const stateOf = async (engine: QueryEngine) => (await engine.run(stateQuery, {})).rows;

async function lakeWith(name: string, events = EVENTS) {
  const lakeDir = join(root, name);
  await writeLake(lakeDir, { events, orders: [] });
  return lakeDir;
}

describe("user_state", () => {
  it("folded in pieces equals the state rebuilt from scratch, with each fact's first occurrence", async () => {
    const lakeDir = await lakeWith("pieces");
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      // Three runs, each bringing its own days up to date (out of order, overlapping).
      await seedUserState(engine, catalog, "2026-02-15", "2026-03-05", ZONE);
      await seedUserState(engine, catalog, "2026-03-06", "2026-03-20", ZONE);
      await seedUserState(engine, catalog, "2026-01-25", "2026-02-16", ZONE);
      const incremental = await stateOf(engine);
      expect(incremental).toEqual([
        {
          user_id: "u1",
          first_signup_time: "2026-02-01T02:00:00Z",
          first_signup_date: "2026-02-01",
          first_active_date: "2026-02-01",
        },
        {
          user_id: "u2",
          first_signup_time: "2026-02-19T16:00:00Z",
          first_signup_date: "2026-02-20",
          first_active_date: "2026-02-05",
        },
        {
          user_id: "u3",
          first_signup_time: null,
          first_signup_date: null,
          first_active_date: "2026-03-01",
        },
      ]);

      // From scratch: the same lake's raw data, no rollups yet, one build of every day.
      const scratchDir = join(root, "pieces-scratch");
      cpSync(join(lakeDir, "events"), join(scratchDir, "events"), { recursive: true });
      const scratch = await createDuckDbEngine({ lakeDir: scratchDir, threads: 1 });
      try {
        await seedUserState(scratch, catalog, "2026-01-25", "2026-03-20", ZONE);
        expect(await stateOf(scratch)).toEqual(incremental);
      } finally {
        await scratch.close();
      }
    } finally {
      await engine.close();
    }
  });

  it("moves a fact earlier on late data, never later, and folds only the rebuilt days", async () => {
    const lakeDir = await lakeWith("late");
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      await seedUserState(engine, catalog, "2026-01-25", "2026-03-20", ZONE);
      // Late: u2 signed up on 8 Feb already; u1 signed up again on 3 Mar (later: no change).
      await writeLake(
        lakeDir,
        {
          events: [
            signup("late1", "u2", "2026-02-08T08:00:00"),
            signup("late2", "u1", "2026-03-03T08:00:00"),
          ],
        },
        { fileStem: "late-{i}" },
      );
      const refresh = await seedUserState(engine, catalog, "2026-01-25", "2026-03-20", ZONE);
      // The late files' dt partitions (7 Feb, 3 Mar UTC) each overlap two Shanghai days:
      // user_day rebuilds those four, and only those are folded again.
      expect(refresh.folded).toEqual(["2026-02-08", "2026-02-09", "2026-03-03", "2026-03-04"]);
      expect(refresh.fromScratch).toBe(false);
      expect(await seedUserState(engine, catalog, "2026-01-25", "2026-03-20", ZONE)).toMatchObject({
        folded: [],
      });
      const state = await stateOf(engine);
      expect(state.find((row) => row.user_id === "u2")).toMatchObject({
        first_signup_time: "2026-02-08T00:00:00Z",
        first_signup_date: "2026-02-08",
        first_active_date: "2026-02-05",
      });
      expect(state.find((row) => row.user_id === "u1")).toMatchObject({
        first_signup_date: "2026-02-01",
      });
    } finally {
      await engine.close();
    }
  });

  it("a fold of a new day reads no raw events (its signups come from user_day)", async () => {
    // u3 also visits on 28 Feb: the UTC partition before the folded day's staged read.
    const lakeDir = await lakeWith("fold-reads", [
      ...EVENTS,
      visit("c0", "u3", "2026-02-28T12:00:00"),
    ]);
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      await seedUserState(engine, catalog, "2026-02-15", "2026-03-01", ZONE);
      // The day before the folded day (1 March: dt 28 Feb and 1 Mar) has raw files; the run
      // holds 1 Mar from its staged read, and 28 Feb's file stays shut.
      const fold = await seedUserState(engine, catalog, "2026-03-02", "2026-03-02", ZONE);
      const build = fold.stats.find((s) => s.query === "rollup_user_state");
      expect(build).toBeDefined();
      expect(build?.partitionsRead?.events ?? 0).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it("an engine opened before another one folded the state reads that state", async () => {
    const lakeDir = await lakeWith("two-engines");
    // Both engines open while the lake has no state yet (the two processes of one
    // `opspulse kpis` call per period, started together).
    const first = await createDuckDbEngine({ lakeDir, threads: 1 });
    const second = await createDuckDbEngine({ lakeDir, threads: 1 });
    try {
      await seedUserState(first, catalog, "2026-01-25", "2026-03-20", ZONE);
      // Every day of its window is folded already: nothing to fold, the state to read.
      const refresh = await seedUserState(second, catalog, "2026-02-01", "2026-03-01", ZONE);
      expect(refresh.folded).toEqual([]);
      expect(await stateOf(second)).toEqual(await stateOf(first));
      expect((await stateOf(second)).length).toBe(3);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("a re-run of a past day gives what its first run gave, after later days were folded in", async () => {
    const lakeDir = await lakeWith("rerun", [
      ...EVENTS,
      // u5 signs up for the first time on 14 Mar, after the day re-run below.
      signup("e1", "u5", "2026-03-14T09:00:00"),
    ]);
    const engine = await createDuckDbEngine({ lakeDir, threads: 1 });
    const day = (date: string) =>
      usersModule.compute({
        engine,
        catalog,
        period: periodContaining("day", date, ZONE),
        settings: { ...DEFAULT_KPI_SETTINGS, minSample: 1 },
        now: new Date("2026-03-25T00:00:00Z"),
      });
    try {
      await seedUserState(engine, catalog, "2026-01-25", "2026-02-28", ZONE);
      const first = (await day("2026-03-03")).values;
      // Later runs fold 13 and 14 March: u1's second signup, u5's first one.
      await day("2026-03-14");
      const again = (await day("2026-03-03")).values;
      expect(again).toEqual(first);
      expect(first.retention_d30?.denominator).toBe(1); // u1, signed up on 1 Feb
      // 13 March: u1 signed up again (first signup 40 days before): no new user. 14 March: u5.
      expect((await day("2026-03-13")).values.new_users?.value).toBe(0);
      expect((await day("2026-03-14")).values.new_users?.value).toBe(1);
    } finally {
      await engine.close();
    }
  });
});
