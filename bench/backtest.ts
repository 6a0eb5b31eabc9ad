/**
 * `npm run backtest`: measures the anomaly bands and their drivers (issue 23) on incidents
 * whose truth is known, and writes `bench/backtest.json` and `bench/backtest.md`.
 *
 * Two sample lakes of the same seed are generated: one with incidents injected at random
 * days (`generate --incidents`, functions/lib/lake/incidents.ts, listed in its truth file)
 * and one without, so the two differ exactly by the incidents. On each, the daily report
 * runs for every day (the same use case as `opspulse run daily`, with the users, content,
 * campaign-joins and efficiency modules, storing snapshots, sending nothing): the first
 * weeks only give the bands their history, the rest are judged. Then:
 *
 * - recall: of the injected incidents, those for which one of the truth's metrics is
 *   `anomaly` on one of the incident's days;
 * - false alarms: on the lake without incidents, the days each watched metric is flagged,
 *   per 30 judged days;
 * - drivers: of the detected incidents, those whose first driver (of the detecting metric)
 *   is the injected segment.
 *
 * Options: `--days N` (lake days, default 300; the last 100 are judged), `--users N`
 * (signups in the lake, default 300 000: about 1 000 a day, 15 000 daily users and 1 000
 * paid orders a day at the end), `--seed N` (default 3),
 * `--per-kind N` (incidents of each kind, default 2), `--regenerate` (rebuild the cached
 * lakes in bench/cache/backtest/).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDuckDbEngine } from "../functions/lib/adapters/duckdb.ts";
import { createFsStores } from "../functions/lib/adapters/fs-store.ts";
import { loadConfig } from "../functions/lib/config/load.ts";
import { type AnomalyFinding, defaultBaselineSettings } from "../functions/lib/kpi/anomaly.ts";
import type { Driver } from "../functions/lib/kpi/drivers.ts";
import { addDays, daysBetween } from "../functions/lib/kpi/windows.ts";
import { generateIncidentLake } from "../functions/lib/lake/incident-lake.ts";
import {
  DEFAULT_INCIDENT_OPTIONS,
  type Incident,
  type IncidentTruth,
  injectedElements,
  readIncidentTruth,
} from "../functions/lib/lake/incidents.ts";
import { loadSources, QueryCatalog } from "../functions/lib/query/catalog.ts";
import { campaignJoinsModule } from "../functions/lib/report/modules/campaign-joins.ts";
import { contentModule } from "../functions/lib/report/modules/content.ts";
import { efficiencyModule } from "../functions/lib/report/modules/efficiency.ts";
import { usersModule } from "../functions/lib/report/modules/users.ts";
import { runReport } from "../functions/lib/report/run-report.ts";
import type { ReportSnapshot } from "../functions/lib/report/snapshot.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CACHE = join(ROOT, "bench", "cache", "backtest");
const ZONE = "Asia/Shanghai";
/** The lake's last UTC day. */
const END_DATE = "2026-06-30";
/**
 * Daily runs before the first judged day store the history the bands need: 8 weeks, and the
 * 7 days before the oldest of them for the level adjustment.
 */
const HISTORY_DAYS = 8 * 7 + 7;
/**
 * Days judged at the end of the lake, where the incidents are placed. The sample world
 * settles first: its customers (whose repeat orders are likelier) and its active base
 * accumulate over the first months, a ramp no weekly band should be asked to follow.
 */
const JUDGED_DAYS = 100;

/** The goals of issue 23. */
const GOALS = { recall: 0.9, falseAlarmsPer30Days: 1, topDriver: 0.8 } as const;

interface Options {
  readonly days: number;
  readonly users: number;
  readonly seed: number;
  readonly perKind: number;
  readonly regenerate: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    if (i === -1) return fallback;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`--${name} "${argv[i + 1]}" is not a whole number ≥ 1\n`);
      process.exit(2);
    }
    return n;
  };
  return {
    days: value("days", 300),
    users: value("users", 300_000),
    seed: value("seed", 3),
    perKind: value("per-kind", 2),
    regenerate: argv.includes("--regenerate"),
  };
}

/** One judged day of one metric, as the run stored it. */
interface MetricDay {
  readonly status: string;
  readonly anomaly?: AnomalyFinding;
  readonly drivers?: readonly Driver[];
}

/** What the daily runs of one lake judged: date → metric id → its day. */
type Judged = Map<string, Map<string, MetricDay>>;

async function ensureLake(name: string, options: Options, incidents: boolean): Promise<string> {
  const lakeDir = join(CACHE, name, "lake");
  const stamp = join(CACHE, name, "options.json");
  const wanted = JSON.stringify({ ...options, regenerate: undefined, incidents, END_DATE });
  if (!options.regenerate && existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) {
    return lakeDir;
  }
  rmSync(join(CACHE, name), { recursive: true, force: true });
  mkdirSync(lakeDir, { recursive: true });
  const started = performance.now();
  await generateIncidentLake(
    {
      seed: options.seed,
      days: options.days,
      endDate: END_DATE,
      users: options.users,
      lakeDir,
    },
    incidents
      ? { perKind: options.perKind, timeZone: ZONE, cleanStartDays: options.days - JUDGED_DAYS }
      : undefined,
  );
  say(`  generated ${name} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  writeFileSync(stamp, wanted);
  return lakeDir;
}

/** Runs the daily report for every day of `days` on one lake; returns what it judged. */
async function judgeLake(name: string, lakeDir: string, days: readonly string[]): Promise<Judged> {
  const outDir = join(CACHE, name, "out");
  rmSync(outDir, { recursive: true, force: true });
  rmSync(join(lakeDir, "rollups"), { recursive: true, force: true });
  const engine = await createDuckDbEngine({ lakeDir, sources: loadSources() });
  const stores = createFsStores(outDir);
  const config = loadConfig(join(ROOT, "config"));
  const judged: Judged = new Map();
  const started = performance.now();
  try {
    for (const [i, date] of days.entries()) {
      const summary = await runReport(
        {
          engine,
          catalog: new QueryCatalog(),
          snapshots: stores.snapshots,
          deliveries: stores.deliveries,
          runLog: stores.runLog,
          mailer: { send: () => Promise.reject(new Error("the backtest sends nothing")) },
          clock: { now: () => new Date(`${addDays(date, 1)}T01:00:00Z`) },
          config,
          modules: [usersModule, contentModule, campaignJoinsModule, efficiencyModule],
        },
        { report: "daily", date, timeZone: ZONE, deliver: false, runId: `backtest-${date}` },
      );
      if (summary.outcome !== "ok") throw new Error(`${date}: ${summary.error ?? summary.outcome}`);
      const doc = (await stores.snapshots.latest("daily", date)) as ReportSnapshot | undefined;
      const metrics = new Map<string, MetricDay>();
      for (const [id, m] of Object.entries(doc?.metrics ?? {})) {
        metrics.set(id, {
          status: m.status,
          ...(m.anomaly ? { anomaly: m.anomaly } : {}),
          ...(doc?.drivers?.[id] ? { drivers: doc.drivers[id] } : {}),
        });
      }
      judged.set(date, metrics);
      if ((i + 1) % 20 === 0 || i === days.length - 1) {
        const seconds = (performance.now() - started) / 1000;
        say(`  ${name}: ${i + 1}/${days.length} days (${seconds.toFixed(0)} s)`);
      }
    }
  } finally {
    await engine.close();
  }
  return judged;
}

/** Whether a metric's day counts as flagged: an anomaly on its watched side. */
function flagged(day: MetricDay | undefined): boolean {
  return day?.anomaly !== undefined;
}

interface IncidentResult {
  readonly incident: Incident;
  readonly detected: boolean;
  readonly detectedBy?: { readonly date: string; readonly metric: string };
  readonly topDriver?: string;
  readonly drivers?: readonly string[];
  readonly topDriverIsInjected: boolean;
  /** The first driver is the one element the truth names (app for an outage). */
  readonly topDriverIsNamed: boolean;
}

function scoreIncidents(truth: IncidentTruth, judged: Judged): IncidentResult[] {
  return truth.incidents.map((incident) => {
    for (const date of incident.days) {
      for (const metric of incident.metrics) {
        const day = judged.get(date)?.get(metric);
        if (!flagged(day)) continue;
        const drivers = (day?.drivers ?? []).map((d) => `${d.dimension}=${d.element}`);
        const named = `${incident.driver.dimension}=${incident.driver.element}`;
        const injected = injectedElements(incident).map((e) => `${incident.driver.dimension}=${e}`);
        return {
          incident,
          detected: true,
          detectedBy: { date, metric },
          ...(drivers[0] ? { topDriver: drivers[0] } : {}),
          drivers,
          topDriverIsInjected: drivers[0] !== undefined && injected.includes(drivers[0]),
          topDriverIsNamed: drivers[0] === named,
        };
      }
    }
    return { incident, detected: false, topDriverIsInjected: false, topDriverIsNamed: false };
  });
}

interface FalseAlarms {
  readonly metric: string;
  readonly days: number;
  readonly alarms: number;
  readonly dates: readonly string[];
  readonly per30Days: number;
}

function falseAlarms(judged: Judged, skip: ReadonlySet<string>): FalseAlarms[] {
  const byMetric = new Map<string, { days: number; dates: string[] }>();
  for (const [date, metrics] of judged) {
    if (skip.has(date)) continue;
    for (const [metric, day] of metrics) {
      // Only metrics that have a band that day can alarm (watched, with enough history).
      const entry = byMetric.get(metric) ?? { days: 0, dates: [] };
      entry.days++;
      if (flagged(day)) entry.dates.push(date);
      byMetric.set(metric, entry);
    }
  }
  return [...byMetric.entries()]
    .map(([metric, { days, dates }]) => ({
      metric,
      days,
      alarms: dates.length,
      dates,
      per30Days: days === 0 ? 0 : (dates.length / days) * 30,
    }))
    .sort((a, b) => b.per30Days - a.per30Days || (a.metric < b.metric ? -1 : 1));
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

const percent = (x: number) => `${(x * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  say(
    `backtest: ${options.days}-day lakes, ${options.users.toLocaleString("en-US")} users, seed ${options.seed}, ${options.perKind} incidents of each kind`,
  );
  const cleanLake = await ensureLake("clean", options, false);
  const incidentLake = await ensureLake("incidents", options, true);
  const truth = readIncidentTruth(incidentLake);
  if (!truth) throw new Error(`${incidentLake} has no incidents.json: run with --regenerate`);

  // Local days with the whole day in the lake: the first UTC day holds only part of the
  // first local day (UTC+8), and the last days of a lake are still filling in.
  const firstDay = addDays(addDays(END_DATE, -(options.days - 1)), 1);
  const lastDay = addDays(END_DATE, -DEFAULT_INCIDENT_OPTIONS.cleanEndDays + 1);
  const judgedFrom = addDays(firstDay, options.days - JUDGED_DAYS - 1);
  const historyFrom = addDays(judgedFrom, -HISTORY_DAYS);
  const runDays = Array.from({ length: daysBetween(historyFrom, lastDay) + 1 }, (_, i) =>
    addDays(historyFrom, i),
  );
  const isJudged = (date: string) => date >= judgedFrom;

  const clean = await judgeLake("clean", cleanLake, runDays);
  const withIncidents = await judgeLake("incidents", incidentLake, runDays);

  const results = scoreIncidents(truth, withIncidents);
  const detected = results.filter((r) => r.detected);
  const recall = detected.length / Math.max(1, results.length);
  const topDriver =
    detected.filter((r) => r.topDriverIsInjected).length / Math.max(1, detected.length);
  const topDriverNamed =
    detected.filter((r) => r.topDriverIsNamed).length / Math.max(1, detected.length);
  const history = new Set(runDays.filter((d) => !isJudged(d)));
  const cleanAlarms = falseAlarms(clean, history);
  const watched = cleanAlarms.filter((f) => defaultBaselineSettings(f.metric).enabled);
  const worst = watched[0];
  // On the lake with incidents: the judged days at least 3 days from any incident.
  const nearIncident = new Set(
    truth.incidents.flatMap((i) =>
      i.days.flatMap((d) => [-1, 0, 1, 2, 3].map((k) => addDays(d, k))),
    ),
  );
  const incidentLakeAlarms = falseAlarms(
    withIncidents,
    new Set([...history, ...nearIncident]),
  ).filter((f) => f.alarms > 0);
  const judgedDays = runDays.filter(isJudged).length;
  const totalAlarms = watched.reduce((s, f) => s + f.alarms, 0);

  const report = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg: loadavg().map((x) => Math.round(x * 100) / 100) },
    options: { ...options, regenerate: undefined, endDate: END_DATE, timeZone: ZONE },
    judgedDays: { from: judgedFrom, to: lastDay, days: judgedDays },
    goals: {
      recall: { value: recall, goal: GOALS.recall, met: recall >= GOALS.recall },
      falseAlarmsPer30Days: {
        value: worst?.per30Days ?? 0,
        metric: worst?.metric ?? null,
        goal: GOALS.falseAlarmsPer30Days,
        met: (worst?.per30Days ?? 0) <= GOALS.falseAlarmsPer30Days,
      },
      topDriver: {
        value: topDriver,
        goal: GOALS.topDriver,
        met: topDriver >= GOALS.topDriver,
        namedElementOnly: topDriverNamed,
      },
    },
    incidents: results.map((r) => ({
      id: r.incident.id,
      kind: r.incident.kind,
      days: r.incident.days,
      metrics: r.incident.metrics,
      expectedDriver: injectedElements(r.incident)
        .map((e) => `${r.incident.driver.dimension}=${e}`)
        .join(" or "),
      effect: r.incident.effect,
      detected: r.detected,
      detectedBy: r.detectedBy ?? null,
      drivers: r.drivers ?? [],
      topDriverIsInjected: r.topDriverIsInjected,
    })),
    falseAlarms: {
      totalOnCleanLake: totalAlarms,
      perMetric: watched.map((f) => ({
        metric: f.metric,
        judgedDays: f.days,
        alarms: f.alarms,
        per30Days: Math.round(f.per30Days * 100) / 100,
        dates: f.dates,
      })),
      incidentLakeAwayFromIncidents: incidentLakeAlarms.map((f) => ({
        metric: f.metric,
        alarms: f.alarms,
        dates: f.dates,
      })),
    },
    elapsedSeconds: Math.round((performance.now() - started) / 1000),
  };
  writeFileSync(join(ROOT, "bench", "backtest.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(ROOT, "bench", "backtest.md"), markdown(report));
  say(
    `recall ${percent(recall)} · worst false alarms ${(worst?.per30Days ?? 0).toFixed(2)} per 30 days (${worst?.metric ?? "-"}) · top driver ${percent(topDriver)} · ${report.elapsedSeconds} s`,
  );
  say("wrote bench/backtest.md and bench/backtest.json");
}

type Report = {
  generatedAt: string;
  machine: { cpus: number; loadavg: number[] };
  options: Record<string, unknown>;
  judgedDays: { from: string; to: string; days: number };
  goals: {
    recall: { value: number; goal: number; met: boolean };
    falseAlarmsPer30Days: { value: number; metric: string | null; goal: number; met: boolean };
    topDriver: { value: number; goal: number; met: boolean; namedElementOnly: number };
  };
  incidents: {
    id: string;
    kind: string;
    days: readonly string[];
    metrics: readonly string[];
    expectedDriver: string;
    effect: Record<string, number>;
    detected: boolean;
    detectedBy: { date: string; metric: string } | null;
    drivers: readonly string[];
    topDriverIsInjected: boolean;
  }[];
  falseAlarms: {
    totalOnCleanLake: number;
    perMetric: {
      metric: string;
      judgedDays: number;
      alarms: number;
      per30Days: number;
      dates: readonly string[];
    }[];
    incidentLakeAwayFromIncidents: { metric: string; alarms: number; dates: readonly string[] }[];
  };
  elapsedSeconds: number;
};

function markdown(report: Report): string {
  const g = report.goals;
  const yes = (met: boolean) => (met ? "yes" : "**no**");
  const o = report.options as { days: number; users: number; seed: number; perKind: number };
  const lines = [
    "# Anomaly backtest (issue 23)",
    "",
    `Generated by \`npm run backtest\` at ${report.generatedAt} in ${report.elapsedSeconds} s on ${report.machine.cpus} CPUs (load ${report.machine.loadavg.join(", ")}). Two ${o.days}-day sample lakes of seed ${o.seed} with ${o.users.toLocaleString("en-US")} signups, one with ${report.incidents.length} injected incidents (${o.perKind} of each kind, \`opspulse generate --incidents\`, truth in the lake's \`incidents.json\`), one without. The daily report ran for every day, storing its snapshot; the days from ${report.judgedDays.from} to ${report.judgedDays.to} (${report.judgedDays.days} days) are judged, the 9 weeks before them give the bands their history. Default settings (config/anomalies.yaml): the same weekday over 8 weeks, each scaled to the level of the last 7 days (the median of the 7 day-for-day ratios), median ± 3 · 1.4826 · MAD, never narrower than ± 2 %, than the past bands' median MAD or than the value's sampling noise (campaign joins: the previous 7 days, drops only; data quality: drops only). Orders, GMV, AOV, paying users and ARPU are campaign-aware: their level is learned from days of the same campaign state (a campaign runs, or none does; the campaigns dimension), and in the week after a campaign starts or the last one ends the band reaches up or down to that level.`,
    "",
    "| goal | measured | goal | met |",
    "|---|---|---|---|",
    `| recall on injected incidents | ${percent(g.recall.value)} (${report.incidents.filter((i) => i.detected).length} of ${report.incidents.length}) | ≥ ${percent(g.recall.goal)} | ${yes(g.recall.met)} |`,
    `| false alarms per metric per 30 incident-free days (worst metric${g.falseAlarmsPer30Days.metric ? `: ${g.falseAlarmsPer30Days.metric}` : ""}) | ${g.falseAlarmsPer30Days.value.toFixed(2)} | ≤ ${g.falseAlarmsPer30Days.goal} | ${yes(g.falseAlarmsPer30Days.met)} |`,
    `| injected segment first among the drivers, of detected incidents | ${percent(g.topDriver.value)} | ≥ ${percent(g.topDriver.goal)} | ${yes(g.topDriver.met)} |`,
    "",
    `The injected segment of a payment outage is its failing path, the order channels app and miniprogram (both fail at one rate); counting only the one element the truth file names (app), the first driver is the injected one in ${percent(g.topDriver.namedElementOnly)} of the detected incidents.`,
    "",
    "## Incidents",
    "",
    "| incident | days | metrics | detected by | expected driver | drivers found (best first) | first is injected |",
    "|---|---|---|---|---|---|---|",
    ...report.incidents.map(
      (i) =>
        `| ${i.id} | ${i.days.join(", ")} | ${i.metrics.join(", ")} | ${i.detectedBy ? `${i.detectedBy.metric} on ${i.detectedBy.date}` : "**not detected**"} | ${i.expectedDriver} | ${i.drivers.join("; ") || "–"} | ${i.detected ? (i.topDriverIsInjected ? "yes" : "**no**") : "–"} |`,
    ),
    "",
    "What each injection did (from the truth file):",
    "",
    ...report.incidents.map(
      (i) =>
        `- ${i.id}: ${Object.entries(i.effect)
          .map(([k, v]) => `${k.replaceAll("_", " ")} ${v.toLocaleString("en-US")}`)
          .join(", ")}`,
    ),
    "",
    "## False alarms on the lake without incidents",
    "",
    `${report.falseAlarms.totalOnCleanLake} alarms in total over ${report.judgedDays.days} judged days.`,
    "",
    "| metric | judged days | alarms | per 30 days | dates |",
    "|---|---|---|---|---|",
    ...report.falseAlarms.perMetric.map(
      (f) =>
        `| ${f.metric} | ${f.judgedDays} | ${f.alarms} | ${f.per30Days.toFixed(2)} | ${f.dates.join(", ") || "–"} |`,
    ),
    "",
    "On the lake with incidents, flags on judged days at least one day before and four days after every incident (for reference; an incident's users can move later days, e.g. the surge's one-day users lower the next day's D1 retention):",
    "",
    ...(report.falseAlarms.incidentLakeAwayFromIncidents.length === 0
      ? ["- none"]
      : report.falseAlarms.incidentLakeAwayFromIncidents.map(
          (f) => `- ${f.metric}: ${f.alarms} (${f.dates.join(", ")})`,
        )),
    "",
  ];
  return lines.join("\n");
}

await main();
