/**
 * Issue 24's Done-when on real DuckDB over generated Parquet: the app channel's events stop
 * from 10:00 (the generator's `channel_events_stop` incident); the pulse at 10:45 pages
 * on-call once (stall, the channel as driver), 11:00 and 12:00 send nothing new, the pulse
 * after the data returns resolves it; a pulse at 00:30 sends nothing.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { createFsAlertStateStore } from "../../functions/lib/adapters/fs-alert-state.ts";
import { createFsArtifactStore } from "../../functions/lib/adapters/fs-artifacts.ts";
import { createFsPulseStore } from "../../functions/lib/adapters/fs-pulse-store.ts";
import { createFsStores } from "../../functions/lib/adapters/fs-store.ts";
import { createFsLakeArrivals } from "../../functions/lib/adapters/lake-arrivals.ts";
import { createOutboxMailer } from "../../functions/lib/adapters/outbox-mailer.ts";
import { parseConfig } from "../../functions/lib/config/load.ts";
import { localMidnightUtc } from "../../functions/lib/kpi/windows.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { type PulseDeps, runPulse } from "../../functions/lib/pulse/run-pulse.ts";
import { stallsOfDay } from "../../functions/lib/pulse/store.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { cachedPulseLake, STALL_DAY } from "../support/pulse-lake.ts";

const RECIPIENTS = `sender: OpsPulse <reports@example.com>
reports:
  daily: [{ name: managers, to: [boss@example.com] }]
  weekly: [{ name: managers, to: [boss@example.com] }]
on_call: { to: [oncall@example.com] }
owners:
  data_operations: { to: [data@example.com] }
`;
const config = parseConfig([{ file: "recipients.yaml", text: RECIPIENTS }], "config");
const root = mkdtempSync(join(tmpdir(), "opspulse-pulse-"));
let lakeDir: string;
let engine: QueryEngine;

beforeAll(async () => {
  const cached = await cachedPulseLake("stall");
  lakeDir = join(root, "lake");
  // A copy: the pulses build hourly rollups into it.
  cpSync(cached, lakeDir, { recursive: true });
  engine = await createDuckDbEngine({ lakeDir, threads: 2 });
});
afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Local time of the stall day in Shanghai. */
const local = (hhmm: string, day = STALL_DAY) => {
  const [h, m] = hhmm.split(":").map(Number);
  return new Date(
    localMidnightUtc(day, "Asia/Shanghai").getTime() + ((h ?? 0) * 60 + (m ?? 0)) * 60_000,
  );
};

function depsOn(outDir: string, at: () => Date): PulseDeps {
  const clock = { now: at };
  const stores = createFsStores(outDir);
  return {
    engine,
    catalog: new QueryCatalog(),
    config,
    clock,
    alertState: createFsAlertStateStore({ dir: join(outDir, "alerts", "state") }),
    deliveries: stores.deliveries,
    runLog: stores.runLog,
    mailer: createOutboxMailer({ dir: join(outDir, "outbox"), clock }),
    pulses: createFsPulseStore({ dir: outDir }),
    arrivals: createFsLakeArrivals({ lakeDir }),
    artifacts: createFsArtifactStore({ dir: outDir }),
  };
}

function outbox(outDir: string): string[] {
  try {
    return readdirSync(join(outDir, "outbox"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".eml"));
  } catch {
    return [];
  }
}

describe("a stall of the app channel's events from 10:00", () => {
  const outDir = join(root, "out-stall");
  const sent: Record<string, string[]> = {};

  it("pages once at 10:45 (stall, driver channel app), nothing new at 11:00 and 12:00, resolves after", async () => {
    let now = local("10:45");
    const deps = depsOn(outDir, () => now);
    for (const time of ["09:00", "10:00", "10:45", "11:00", "12:00", "14:00"]) {
      now = local(time);
      const before = outbox(outDir).length;
      const summary = await runPulse(deps, { at: now });
      sent[time] = outbox(outDir).slice(before);
      if (time === "10:45") {
        const stall = summary.result.findings.filter((f) => f.status === "breach");
        expect(stall.map((f) => `${f.rule}/${f.table}/${f.scope}`)).toEqual([
          "stall/events/channel:app",
        ]);
        expect(summary.notifications.map((n) => n.kind)).toEqual(["start"]);
        expect(summary.messages.map((m) => [m.audience, m.status])).toEqual([["on-call", "sent"]]);
      }
      if (time === "14:00") {
        expect(summary.notifications.map((n) => n.kind)).toEqual(["resolved"]);
      }
    }
    expect(sent["09:00"]).toEqual([]);
    expect(sent["10:00"]).toEqual([]);
    expect(sent["10:45"]).toHaveLength(1);
    const email = readFileSync(join(outDir, "outbox", sent["10:45"]?.[0] ?? ""), "utf8");
    expect(email).toContain("To: oncall@example.com");
    expect(email).toMatch(/Driver: channel app/);
    expect(sent["11:00"]).toEqual([]);
    expect(sent["12:00"]).toEqual([]);
    expect(sent["14:00"]).toHaveLength(1);
    // Stored per day, and yesterday's-stalls reads the episode back.
    const day = await createFsPulseStore({ dir: outDir }).day(STALL_DAY);
    expect(day).toHaveLength(6);
    expect(stallsOfDay(day)).toEqual([
      {
        table: "events",
        scope: "channel:app",
        from: local("10:45").toISOString(),
        to: local("14:00").toISOString(),
      },
    ]);
    // The today page is rewritten by each pulse, in both languages.
    const page = readFileSync(join(outDir, "dashboard", "today.html"), "utf8");
    expect(page).toContain(`${STALL_DAY} 14:00`);
    expect(readFileSync(join(outDir, "dashboard", "today.zh-CN.html"), "utf8")).toContain("今日");
  });

  it("sends nothing at 00:30", async () => {
    const out = join(root, "out-midnight");
    const at = local("00:30");
    const summary = await runPulse(
      depsOn(out, () => at),
      { at },
    );
    expect(summary.notifications).toEqual([]);
    expect(outbox(out)).toEqual([]);
    expect(summary.result.findings.filter((f) => f.status === "breach")).toEqual([]);
  });
});
