/**
 * `bench/report.md`: the figures of `bench/report.json` for people.
 */

import type { RunEstimate } from "./athena-estimate.ts";
import type { BenchLake } from "./lakes.ts";
import { type PulseResults, pulseMarkdown } from "./pulse.ts";
import type { RunTableTotals } from "./reads.ts";
import {
  formatBytes,
  formatMs,
  formatSummary,
  type GoalCheck,
  type RatioSummary,
  type Summary,
} from "./stats.ts";

/** The parts of the report this page shows (all optional: `--only` runs some sections). */
export interface ReportForMarkdown {
  readonly generatedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
    readonly loadAverageBefore: readonly number[];
    readonly loadAverageAfter: readonly number[];
    readonly peakLoadAverage?: number;
  };
  readonly settings: {
    readonly repetitions: number;
    readonly dailyDate: string;
    readonly weeklyDate: string;
    readonly backfillDays: number;
  };
  readonly lakes: {
    readonly short: BenchLake;
    readonly long: BenchLake;
    readonly generatedInMs?: number;
  };
  readonly measuredMs: number;
  readonly goals: readonly GoalCheck[];
  readonly results: Readonly<Record<string, unknown>>;
}

interface RunsResults {
  readonly cpu?: {
    readonly daily400: Summary;
    readonly daily800: Summary;
    readonly weekly400: Summary;
    readonly weekly800: Summary;
    readonly floor: Summary;
    readonly ratios: Readonly<Record<"vsFloor" | "historyDaily" | "historyWeekly", RatioSummary>>;
  };
  readonly dailyVsFloor?: {
    readonly daily: Summary;
    readonly floor: Summary;
    readonly ratio: RatioSummary;
    readonly stages: Readonly<Record<string, number>>;
  };
  readonly history?: {
    readonly daily: {
      readonly days400: Summary;
      readonly days800: Summary;
      readonly ratio: RatioSummary;
    };
    readonly weekly: {
      readonly days400: Summary;
      readonly days800: Summary;
      readonly ratio: RatioSummary;
    };
  };
  readonly queries?: Readonly<Record<"daily" | "weekly", QueriesResult>>;
  readonly peer?: {
    readonly frozenFrom: string;
    readonly statements: number;
    readonly run: Summary;
    readonly cpu: Summary;
    readonly ratio: RatioSummary;
    readonly cpuRatio: RatioSummary;
    readonly tables: readonly RunTableTotals[];
    readonly athena: readonly RunEstimate[];
  };
  readonly html?: {
    readonly daily: readonly HtmlSize[];
    readonly weekly: readonly HtmlSize[];
    readonly limitBytes: number;
  };
  readonly athena?: {
    readonly lakeDau: number;
    readonly partitionSizes?: {
      readonly days: number;
      readonly through: string;
      readonly tables: Readonly<
        Record<string, { readonly bytesPerDay: number; readonly bytesPerDauDay: number }>
      >;
    };
    readonly daily: readonly RunEstimate[];
    readonly weekly: readonly RunEstimate[];
  };
  readonly backfill?: {
    readonly days: number;
    readonly from: string;
    readonly to: string;
    readonly singleRun: Summary;
    readonly singlesTotalMs: number;
    readonly singlesTotalCpuMs: number;
    readonly backfillRepetitions: number;
    readonly backfill: Summary;
    readonly backfillCpu: Summary;
    readonly backfillDay: Summary;
    readonly ratio: RatioSummary;
    readonly cpuRatio: number;
  };
  readonly withoutRollups?: {
    readonly dailyMs: number;
    readonly tables: readonly RunTableTotals[];
  };
  readonly lambdas?: {
    readonly missing: readonly string[];
    readonly bundles: readonly {
      readonly name: string;
      readonly entry: string;
      readonly bundleBytes: number;
      readonly sourceMapBytes: number;
      readonly assetBytes: number;
      readonly coldStart: Readonly<
        Record<"totalMs" | "bootMs" | "importMs" | "filesMs" | "cpuMs" | "spawnMs", Summary>
      >;
    }[];
  };
  readonly memory?: { readonly dailyRunPeakRssBytes: Summary; readonly dailyRunWallMs: Summary };
  readonly lateData?: {
    readonly lateDt: string;
    readonly lateUsers: number;
    readonly before: LateRun;
    readonly after: LateRun;
    readonly restored: LateRun;
  };
}

/** Raw partitions read per query: `rollup_user_day: events 3; content_items: events 3, orders 2`. */
export function formatRawReads(rawReads: LateRun["rawReads"]): string {
  return rawReads
    .map(
      (q) =>
        `${q.query}: ${Object.entries(q.partitions)
          .map(([table, count]) => `${table} ${count}`)
          .join(", ")}`,
    )
    .join("; ");
}

interface LateRun {
  readonly mau: number;
  readonly ms: number;
  readonly rawReads: readonly {
    readonly query: string;
    readonly partitions: Readonly<Record<string, number>>;
  }[];
}

interface QueriesResult {
  readonly count: number;
  readonly wallMs: number;
  readonly perQuery: readonly {
    readonly query: string;
    readonly elapsedMs: number;
    readonly partitionsRead: Readonly<Record<string, number>>;
    readonly bytesScanned: number;
  }[];
  readonly tables: readonly RunTableTotals[];
}

interface HtmlSize {
  readonly list: string;
  readonly locale: string;
  readonly htmlBytes: number;
}

const n = (value: number) => value.toLocaleString("en-US");
const x = (value: number) => `${value.toFixed(2)}×`;
const usd = (value: number) => (value < 0.01 ? `$${value.toFixed(5)}` : `$${value.toFixed(3)}`);

export function renderMarkdown(report: ReportForMarkdown): string {
  const r = report.results as RunsResults;
  const lines: string[] = [];
  const { short, long } = report.lakes;
  lines.push(
    "# opspulse benchmark",
    "",
    `Generated by \`npm run bench\` on ${report.generatedAt} — ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}; load average ${report.machine.loadAverageBefore.join(" / ")} before, ${report.machine.loadAverageAfter.join(" / ")} after${report.machine.peakLoadAverage !== undefined ? `, up to ${report.machine.peakLoadAverage} during the run` : ""}. Measured part: ${formatMs(report.measuredMs)}.`,
    "",
    `Every figure is min / median / max over ${report.settings.repetitions} repetitions (more where noted) within this one run; goals compare medians. Time ratios are judged on wall time, or on CPU time (this process and its DuckDB threads) when other processes kept the machine busy (load average above its cores + 1, the benchmark's own threads included): CPU time hardly moves with other load, wall time does. Machine data: \`bench/report.json\`.`,
    "",
    "## Lakes",
    "",
    "| lake | days | events | orders | bytes (events / orders) |",
    "|---|---:|---:|---:|---:|",
    ...[short, long].map(
      (lake) =>
        `| ${lake.days} days, ${lake.firstDate} … ${lake.endDate} | ${lake.days} | ${n(lake.rows.events)} | ${n(lake.rows.orders)} | ${formatBytes(lake.bytes.events)} / ${formatBytes(lake.bytes.orders)} |`,
    ),
    "",
    `The ${short.days}-day lake is hard links to the last ${short.days} days of the ${long.days}-day one (and its dimensions): the same recent bytes, half the history.${report.lakes.generatedInMs ? ` Generating the ${long.days}-day lake took ${formatMs(report.lakes.generatedInMs)} (once, cached in \`bench/cache/\`).` : ""}`,
    "",
    "## Goals",
    "",
    "| goal | measured | limit | met |",
    "|---|---:|---:|:---:|",
    ...report.goals.map(
      (goal) =>
        `| ${goal.goal}${goal.note ? ` — ${goal.note}` : ""} | ${formatGoalValue(goal.measured, goal.unit)} | ${formatGoalValue(goal.limit, goal.unit)} | ${goal.met ? "yes" : "**no**"} |`,
    ),
    "",
  );
  const unexplained = report.goals.filter((goal) => !goal.met);
  if (unexplained.length > 0) {
    lines.push(
      "### Not met, and why",
      "",
      ...unexplained.map(
        (goal) => `- **${goal.id}**: ${goal.reason ?? "no reason worked out for this goal."}`,
      ),
      "",
    );
  }

  if (r.dailyVsFloor) {
    const d = r.dailyVsFloor;
    lines.push(
      `## 1. Daily report vs the physical floor (${report.settings.dailyDate}, ${short.days}-day lake)`,
      "",
      "| | min / median / max |",
      "|---|---:|",
      `| daily report run (compute, compare, evaluate, hooks, render) | ${formatSummary(d.daily, formatMs)} |`,
      `| one scan per table of the same files and columns | ${formatSummary(d.floor, formatMs)} |`,
      `| ratio | ${x(d.ratio.median)} (${x(d.ratio.low)} … ${x(d.ratio.high)}) |`,
      ...(r.cpu
        ? [
            `| CPU time: run / floor | ${formatSummary(r.cpu.daily400, formatMs)} / ${formatSummary(r.cpu.floor, formatMs)} = ${x(r.cpu.ratios.vsFloor.median)} |`,
          ]
        : []),
      "",
      `Stages of one run: ${Object.entries(d.stages)
        .map(([stage, value]) => `${stage} ${formatMs(value)}`)
        .join(", ")}.`,
      "",
    );
  }
  if (r.peer && r.dailyVsFloor) {
    const p = r.peer;
    lines.push(
      "## 1b. The peer: the same KPIs in plain SQL over the raw lake",
      "",
      `The rollups-off path as it was at commit ${p.frozenFrom} (before issue 25): its ${p.statements} statements for the daily report of ${report.settings.dailyDate}, frozen in \`bench/peer/daily/\` and run as they are, on an engine without rollups, after each repetition's two measured daily runs (bench/lib/peer.ts).`,
      "",
      "| | min / median / max |",
      "|---|---:|",
      `| peer (plain SQL over the raw windows) | ${formatSummary(p.run, formatMs)} |`,
      `| product's daily run | ${formatSummary(r.dailyVsFloor.daily, formatMs)} |`,
      `| peer / product | ${x(p.ratio.median)} (${x(p.ratio.low)} … ${x(p.ratio.high)}); CPU time ${x(p.cpuRatio.median)} |`,
      "",
      "What the peer reads:",
      "",
      ...tablesTable(p.tables),
      "",
      `On Athena at ${p.athena.map((e) => `${n(e.dailyActiveUsers)} daily active users it would scan ${formatBytes(e.bytes)} a run (${usd(e.usd)})`).join("; at ")}.`,
      "",
    );
  }
  if (r.history) {
    const h = r.history;
    lines.push(
      "## 2. History length: 800 vs 400 days",
      "",
      "Each repetition runs as a steady-state week ends in production: the daily run of Saturday (measured; its day rollups dropped first, so it builds them as the first run of a day does, and its daily activity state carried from Friday's, built by the warm-up as yesterday's run), then Monday's daily run of Sunday at 08:00 (not measured), then the weekly run at 08:30 (measured), whose RFM and activity states are carried from the week before's (built by the warm-up, as last Monday's run).",
      "",
      "| report | 400 days | 800 days | ratio (median) | ratio in CPU time |",
      "|---|---:|---:|---:|---:|",
      `| daily | ${formatSummary(h.daily.days400, formatMs)} | ${formatSummary(h.daily.days800, formatMs)} | ${x(h.daily.ratio.median)} | ${r.cpu ? x(r.cpu.ratios.historyDaily.median) : "—"} |`,
      `| weekly | ${formatSummary(h.weekly.days400, formatMs)} | ${formatSummary(h.weekly.days800, formatMs)} | ${x(h.weekly.ratio.median)} | ${r.cpu ? x(r.cpu.ratios.historyWeekly.median) : "—"} |`,
      "",
    );
  }
  if (r.queries) {
    lines.push("## 3. Queries and reads per run", "");
    for (const kind of ["daily", "weekly"] as const) {
      const q = r.queries[kind];
      lines.push(
        `### ${kind} (${q.count} queries, ${formatMs(q.wallMs)})`,
        "",
        "| query | time | partitions read | bytes |",
        "|---|---:|---|---:|",
        ...q.perQuery.map(
          (query) =>
            `| ${query.query} | ${formatMs(query.elapsedMs)} | ${
              Object.entries(query.partitionsRead)
                .filter(([, count]) => count > 0)
                .map(([table, count]) => `${table} ${count}`)
                .join(", ") || "—"
            } | ${formatBytes(query.bytesScanned)} |`,
        ),
        "",
        ...tablesTable(q.tables),
        "",
      );
    }
  }
  if (r.backfill) {
    const b = r.backfill;
    lines.push(
      `## 4. Backfill of ${b.days} days vs ${b.days} single-day runs (${b.from} … ${b.to})`,
      "",
      "| | min / median / max |",
      "|---|---:|",
      `| one single-day run (no shared state; every fifth day of the ${b.days}, one run each) | ${formatSummary(b.singleRun, formatMs)} |`,
      `| ${b.days} single-day runs, in all (the sampled runs' mean × ${b.days}) | ${formatMs(b.singlesTotalMs)} (CPU ${formatMs(b.singlesTotalCpuMs)}) |`,
      `| one day of the backfill (its ${b.days * b.backfillRepetitions} days) | ${formatSummary(b.backfillDay, formatMs)} |`,
      `| backfill of the ${b.days} days from a lake without rollups (${b.backfillRepetitions}×) | ${formatSummary(b.backfill, formatMs)} (CPU ${formatMs(b.backfillCpu.median)}) |`,
      `| ratio | ${x(b.ratio.median)}; in CPU time ${x(b.cpuRatio)} |`,
      "",
    );
  }
  if (r.withoutRollups) {
    lines.push(
      `Without rollups (every run reads its raw windows), the daily run of ${report.settings.dailyDate} took ${formatMs(r.withoutRollups.dailyMs)} and read:`,
      "",
      ...tablesTable(r.withoutRollups.tables),
      "",
    );
  }
  if (r.lambdas) {
    lines.push(
      "## 5. Lambda bundles and cold init",
      "",
      "Bundled with esbuild with the stack's options (infra/constructs/report-functions.ts); cold init is a fresh `node` process importing the bundle and reading its templates and config, with the stack's environment (`--enable-source-maps`).",
      "",
      "| handler | index.mjs | source map | asset folder | cold init (total) | of which import | CPU time |",
      "|---|---:|---:|---:|---:|---:|---:|",
      ...r.lambdas.bundles.map(
        (b) =>
          `| ${b.entry} | ${formatBytes(b.bundleBytes)} | ${formatBytes(b.sourceMapBytes)} | ${formatBytes(b.assetBytes)} | ${formatSummary(b.coldStart.totalMs, formatMs)} | ${formatSummary(b.coldStart.importMs, formatMs)} | ${formatSummary(b.coldStart.cpuMs, formatMs)} |`,
      ),
      "",
      ...(r.lambdas.missing.length
        ? [`Not built (no entry file yet): ${r.lambdas.missing.join(", ")}.`, ""]
        : []),
    );
  }
  if (r.html) {
    lines.push(
      "## 6. Email HTML size",
      "",
      "| report | list | locale | HTML |",
      "|---|---|---|---:|",
      ...(["daily", "weekly"] as const).flatMap((kind) =>
        (r.html?.[kind] ?? []).map(
          (email) =>
            `| ${kind} | ${email.list} | ${email.locale} | ${formatBytes(email.htmlBytes)} |`,
        ),
      ),
      "",
      `Gmail clips a message whose HTML exceeds ${formatBytes(r.html.limitBytes)}.`,
      "",
    );
  }
  if (r.memory) {
    lines.push(
      "## 7. Peak memory of a daily run",
      "",
      `\`opspulse run daily --date ${report.settings.dailyDate}\` on the ${short.days}-day lake, under \`/usr/bin/time\`: peak RSS ${formatSummary(r.memory.dailyRunPeakRssBytes, formatBytes)}, wall time ${formatSummary(r.memory.dailyRunWallMs, formatMs)} (process start to exit).`,
      "",
    );
  }
  if (r.lateData) {
    const l = r.lateData;
    const reads = (run: LateRun) => formatRawReads(run.rawReads) || "none";
    lines.push(
      "## 8. Late data",
      "",
      `A file of ${n(l.lateUsers)} new users' events is added to \`events/dt=${l.lateDt}\` (inside the 30-day MAU window), the daily report of ${report.settings.dailyDate} runs again, then the file is removed and it runs once more.`,
      "",
      "| run | MAU | time | raw dt partitions read, per query |",
      "|---|---:|---:|---|",
      `| before | ${n(l.before.mau)} | ${formatMs(l.before.ms)} | ${reads(l.before)} |`,
      `| with the late file | ${n(l.after.mau)} | ${formatMs(l.after.ms)} | ${reads(l.after)} |`,
      `| file removed | ${n(l.restored.mau)} | ${formatMs(l.restored.ms)} | ${reads(l.restored)} |`,
      "",
    );
  }
  if (r.athena) {
    const a = r.athena;
    lines.push(
      "## Athena estimate",
      "",
      `From what each query read on the ${short.days}-day lake (the compressed column chunks of the columns it reads, in the files it opened), scaled from the lake's ${n(Math.round(a.lakeDau))} daily active users to the target (fact tables and rollups scale, dimensions do not), billed as Athena does: whole MB, at least 10 MB per query, $5 per TB.`,
      "",
      ...(a.partitionSizes
        ? [
            `Measured partition sizes (mean of the ${a.partitionSizes.days} days through ${a.partitionSizes.through}): ${Object.entries(
              a.partitionSizes.tables,
            )
              .map(
                ([table, size]) =>
                  `${table} ${formatBytes(size.bytesPerDay)} a day, ${size.bytesPerDauDay.toFixed(0)} bytes per daily active user`,
              )
              .join("; ")}.`,
            "",
          ]
        : []),
      "| run | daily active users | queries | bytes scanned | billed | cost per run | cost per year |",
      "|---|---:|---:|---:|---:|---:|---:|",
      ...(["daily", "weekly"] as const).flatMap((kind) =>
        a[kind].map(
          (e) =>
            `| ${kind} | ${n(e.dailyActiveUsers)} | ${e.queries.length} | ${formatBytes(e.bytes)} | ${formatBytes(e.billedBytes)} | ${usd(e.usd)} | ${usd(e.usd * (kind === "daily" ? 365 : 52))} |`,
        ),
      ),
      "",
    );
  }
  lines.push(...pulseMarkdown((report.results as { pulse?: PulseResults["pulse"] }).pulse));
  return `${lines.join("\n")}\n`;
}

function tablesTable(tables: readonly RunTableTotals[]): string[] {
  return [
    "| table | queries reading it | partitions read (distinct) | bytes read (distinct files) | read amplification | column bytes (Athena) |",
    "|---|---:|---:|---:|---:|---:|",
    ...tables.map(
      (t) =>
        `| ${t.table} | ${t.queries} | ${t.partitionReads} (${t.partitions}) | ${formatBytes(t.bytesRead)} (${formatBytes(t.distinctBytes)}) | ${x(t.readAmplification)} | ${formatBytes(t.columnBytes)} |`,
    ),
  ];
}

function formatGoalValue(value: number, unit: string): string {
  if (unit === "ms") return formatMs(value);
  if (unit === "bytes") return formatBytes(value);
  if (unit === "×") return x(value);
  return `${value} ${unit}`;
}
