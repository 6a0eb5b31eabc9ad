/**
 * Freezes the peer (bench/lib/peer.ts): runs the rollups-off daily report of the bench's day
 * on a lake and writes every statement the engine received to `bench/peer/daily/`.
 *
 * Run once, from a checkout of the commit being frozen (the peer stays what it was then):
 * `node bench/peer/freeze.ts <lake dir> <out dir> <commit>`.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import type { QueryFile, QueryParams } from "../../functions/lib/query/query-file.ts";
import { writePeer } from "../lib/peer.ts";
import { openBenchRuntime } from "../lib/runtime.ts";

const [lakeDir, outDir, commit] = process.argv.slice(2);
if (!lakeDir || !outDir || !commit) {
  throw new Error("usage: node bench/peer/freeze.ts <lake dir> <out dir> <commit>");
}
const DAILY_DATE = "2026-11-21";
const RUN_AT = new Date("2026-11-22T23:30:00Z");
const repo = fileURLToPath(new URL("../../", import.meta.url));
const work = join(outDir, "..", ".freeze-work");
rmSync(work, { recursive: true, force: true });
const runtime = await openBenchRuntime({
  lakeDir,
  outDir: work,
  configDir: join(repo, "config"),
  clock: { now: () => new Date(RUN_AT) },
  rollups: false,
});
const received: { query: QueryFile; params: QueryParams }[] = [];
const deps = runtime.deps as { engine: QueryEngine };
const engine = deps.engine;
deps.engine = {
  ...engine,
  run: (query, params) => {
    received.push({ query, params });
    return engine.run(query, params);
  },
};
try {
  const run = await runtime.run({ report: "daily", date: DAILY_DATE, dryRun: true });
  if (run.summary.outcome === "failed") throw new Error(run.summary.error ?? "run failed");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  writePeer(outDir, { frozenFrom: commit, report: "daily", date: DAILY_DATE }, received);
  process.stderr.write(
    `froze ${received.length} statements in ${outDir} (${run.ms.toFixed(0)} ms)\n`,
  );
} finally {
  await runtime.close();
  rmSync(work, { recursive: true, force: true });
}
