/**
 * Times the weekly segments queries (RFM and lifecycle layers) on one lake: wall and CPU
 * time of each repetition, and the load average, for issue 25's weekly goal.
 *
 *   node bench/rfm-time.ts --lake bench/cache/lake-400d --date 2026-11-22 --reps 3
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createDuckDbEngine } from "../functions/lib/adapters/duckdb.ts";
import { periodContaining } from "../functions/lib/kpi/windows.ts";
import { QueryCatalog } from "../functions/lib/query/catalog.ts";
import { lifecycleRow, rfmRows } from "../functions/lib/report/modules/segments.ts";
import { DEFAULT_KPI_SETTINGS } from "../functions/lib/report/modules.ts";

const { values } = parseArgs({
  options: {
    lake: { type: "string", default: "bench/cache/lake-400d" },
    date: { type: "string", default: "2026-11-22" },
    reps: { type: "string", default: "3" },
    only: { type: "string", default: "rfm,lifecycle" },
  },
});
const engine = await createDuckDbEngine({ lakeDir: values.lake as string });
const catalog = new QueryCatalog();
const period = periodContaining("week", values.date as string, "Asia/Shanghai");
const context = { engine, catalog, period, settings: DEFAULT_KPI_SETTINGS, now: new Date() };
const only = (values.only as string).split(",");

async function timed(
  label: string,
  run: () => Promise<{ readonly stats: readonly { query: string; elapsedMs: number }[] }>,
): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { stats } = await run();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  console.log(
    `${label}: wall ${ms.toFixed(0)} ms, cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, load ${load} (${cpus().length} cores)`,
  );
  const queries = stats.map((s) => `${s.query} ${s.elapsedMs.toFixed(0)} ms`).join(", ");
  console.log(`  queries: ${queries}`);
}

try {
  for (let rep = 0; rep < Number(values.reps); rep++) {
    if (only.includes("rfm")) await timed(`rfm #${rep + 1}`, () => rfmRows(context));
    if (only.includes("lifecycle"))
      await timed(`lifecycle #${rep + 1}`, () => lifecycleRow(context));
  }
} finally {
  await engine.close();
}
