/**
 * `opspulse rollup status` and `opspulse rollup rebuild`: the rollup tables of the local lake
 * by hand (functions/lib/rollups/). Report runs keep them fresh themselves; these commands
 * show which local days are fresh, stale (and why) or missing, and rebuild a range of days
 * from the raw data, e.g. after correcting data in a way that keeps file names and sizes.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { createDuckDbEngine } from "../../lib/adapters/duckdb.ts";
import {
  addDays,
  daysBetween,
  InvalidPeriodError,
  localDateOf,
  parseIsoDate,
  parseTimeZone,
} from "../../lib/kpi/windows.ts";
import { QueryCatalog } from "../../lib/query/catalog.ts";
import {
  type RollupDayState,
  type RollupWindow,
  refreshRollup,
  refreshState,
  rollupStatus,
  windowDays,
} from "../../lib/rollups/refresh.ts";
import { ROLLUPS, type RollupName } from "../../lib/rollups/schema.ts";
import { USER_STATE } from "../../lib/rollups/user-state.ts";
import { readConfigOrDefaults } from "../config.ts";
import { DEFAULT_CONFIG_DIR, DEFAULT_LAKE_DIR } from "../defaults.ts";
import { UserError } from "../errors.ts";

interface RollupOptions {
  from?: string;
  to?: string;
  lake: string;
  tz?: string;
  config?: string;
  only?: RollupName;
  json?: boolean;
}

/** Days `rollup status` shows when no range is given: the 90 days ending yesterday. */
const DEFAULT_STATUS_DAYS = 90;
/** Longest range one command takes (a year and a bit, like the longest KPI window). */
const MAX_RANGE_DAYS = 400;

export function registerRollup(program: Command): void {
  const rollup = program
    .command("rollup")
    .description("show or rebuild the rollup tables of the local lake (per-day summaries)");
  const common = (command: Command) =>
    command
      .option("--lake <dir>", "local lake folder", DEFAULT_LAKE_DIR)
      .option("--tz <Area/City>", "report time zone (default: from config, Asia/Shanghai)")
      .option("--config <dir>", `config folder (default: ${DEFAULT_CONFIG_DIR} when present)`)
      .addOption(
        new Option("--only <rollup>", "one rollup instead of all").choices(Object.keys(ROLLUPS)),
      );

  common(
    rollup
      .command("status")
      .description("fresh, stale (and why) or missing, per rollup and local day")
      .option("--from <YYYY-MM-DD>", `first local day (default: ${DEFAULT_STATUS_DAYS} days back)`)
      .option("--to <YYYY-MM-DD>", "last local day (default: yesterday in the time zone)")
      .option("--json", "print one JSON object per day that is missing or stale"),
  ).action(async (opts: RollupOptions) => {
    await withEngine(opts, async (setup) => {
      const lines: string[] = [];
      for (const name of setup.rollups) {
        const states = await rollupStatus(setup.storage, setup.context, name, setup.window);
        if (opts.json) {
          for (const state of states.filter(
            (s) => s.status === "missing" || s.status === "stale",
          )) {
            lines.push(JSON.stringify(jsonState(state)));
          }
        } else {
          lines.push(...statusLines(name, states));
        }
      }
      if (!opts.json && setup.rollups.includes("user_day")) {
        const state = await setup.storage.stateManifest(USER_STATE);
        lines.push(
          state
            ? `${USER_STATE}: ${Object.keys(state.folded).length} days of user_day folded (last fold ${state.builtAt})`
            : `${USER_STATE}: not built yet (the next run that reads user_day folds its days)`,
        );
      }
      process.stdout.write(lines.length ? `${lines.join("\n")}\n` : "");
    });
  });

  common(
    rollup
      .command("rebuild")
      .description("build the rollups of a range of local days again from the raw data")
      .requiredOption("--from <YYYY-MM-DD>", "first local day")
      .requiredOption("--to <YYYY-MM-DD>", "last local day"),
  ).action(async (opts: RollupOptions) => {
    await withEngine(opts, async (setup) => {
      for (const name of setup.rollups) {
        const refresh = await refreshRollup(setup.storage, setup.context, name, setup.window, {
          force: true,
        });
        const read = refresh.stats.reduce(
          (sum, s) => sum + (s.partitionsRead?.[ROLLUPS[name].rawTable] ?? 0),
          0,
        );
        const bytes = refresh.stats.reduce((sum, s) => sum + (s.bytesScanned ?? 0), 0);
        process.stdout.write(
          `${name}: rebuilt ${refresh.built.length} days (${setup.window.from} … ${setup.window.to}) in ${refresh.stats.length} ${refresh.stats.length === 1 ? "query" : "queries"}, reading ${read} ${ROLLUPS[name].rawTable} partitions (${formatBytes(bytes)})\n`,
        );
        if (name === "user_day") {
          // The per-user state follows user_day: the rebuilt days are folded in again.
          const state = await refreshState(setup.storage, setup.context, windowDays(setup.window));
          process.stdout.write(
            `user_state: folded ${state.folded.length} days of user_day${state.fromScratch ? " (rebuilt from scratch)" : ""}\n`,
          );
        }
      }
    });
  });
}

interface Setup {
  readonly storage: NonNullable<Awaited<ReturnType<typeof createDuckDbEngine>>["rollups"]>;
  readonly context: Parameters<typeof refreshRollup>[1];
  readonly window: RollupWindow;
  readonly rollups: readonly RollupName[];
}

async function withEngine(opts: RollupOptions, use: (setup: Setup) => Promise<void>) {
  const config = readConfigOrDefaults(opts.config);
  const timeZone = parse(() => parseTimeZone(opts.tz ?? config.timeZone));
  const window = rangeOf(opts, timeZone);
  if (!existsSync(join(opts.lake, "events")) && !existsSync(join(opts.lake, "orders"))) {
    throw new UserError(
      `no lake at ${opts.lake}: run "opspulse generate --lake ${opts.lake}" or "opspulse import" first, or pass --lake DIR`,
    );
  }
  const engine = await createDuckDbEngine({ lakeDir: opts.lake });
  try {
    const storage = engine.rollups;
    if (!storage) throw new Error("The DuckDB engine has no rollup storage.");
    await use({
      storage,
      context: {
        engine,
        catalog: new QueryCatalog(),
        timeZone,
        settings: config.kpi,
        now: new Date(),
      },
      window,
      rollups: opts.only ? [opts.only] : (Object.keys(ROLLUPS) as RollupName[]),
    });
  } finally {
    await engine.close();
  }
}

function rangeOf(opts: RollupOptions, timeZone: string): RollupWindow {
  const yesterday = addDays(localDateOf(new Date(), timeZone), -1);
  const to = opts.to ? parse(() => parseIsoDate(opts.to ?? "")) : yesterday;
  const from = opts.from
    ? parse(() => parseIsoDate(opts.from ?? ""))
    : addDays(to, 1 - DEFAULT_STATUS_DAYS);
  if (from > to) {
    throw new UserError(`--from ${from} is after --to ${to}: give the earlier day first`);
  }
  if (daysBetween(from, to) >= MAX_RANGE_DAYS) {
    throw new UserError(
      `${from} … ${to} is more than ${MAX_RANGE_DAYS} days: give a shorter range, e.g. --from ${addDays(to, 1 - MAX_RANGE_DAYS)}`,
    );
  }
  return { from, to };
}

/** One summary line per rollup, then the days that are not fresh (missing ones as ranges). */
function statusLines(name: RollupName, states: readonly RollupDayState[]): string[] {
  const count = (status: RollupDayState["status"]) =>
    states.filter((s) => s.status === status).length;
  const first = states[0]?.localDate ?? "";
  const last = states.at(-1)?.localDate ?? "";
  const noData = count("no_data") ? `, ${count("no_data")} without raw data` : "";
  const lines = [
    `${name} ${first} … ${last}: ${count("fresh")} fresh, ${count("stale")} stale, ${count("missing")} missing${noData}`,
  ];
  for (const range of missingRanges(states)) {
    lines.push(`  missing ${range.from === range.to ? range.from : `${range.from} … ${range.to}`}`);
  }
  for (const state of states.filter((s) => s.status === "stale")) {
    lines.push(`  stale   ${state.localDate}: ${state.reason ?? ""}`);
  }
  return lines;
}

function missingRanges(states: readonly RollupDayState[]): RollupWindow[] {
  const ranges: { from: string; to: string }[] = [];
  for (const state of states) {
    if (state.status !== "missing") continue;
    const open = ranges.at(-1);
    if (open && addDays(open.to, 1) === state.localDate) open.to = state.localDate;
    else ranges.push({ from: state.localDate, to: state.localDate });
  }
  return ranges;
}

function jsonState(state: RollupDayState): Record<string, unknown> {
  return {
    rollup: state.rollup,
    localDate: state.localDate,
    status: state.status,
    ...(state.reason ? { reason: state.reason } : {}),
    ...(state.manifest ? { builtAt: state.manifest.builtAt } : {}),
  };
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function parse<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof InvalidPeriodError) throw new UserError(error.message, { cause: error });
    throw error;
  }
}
