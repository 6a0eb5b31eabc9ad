import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { createDuckDbEngine } from "../../lib/adapters/duckdb.ts";
import type { OpsConfig } from "../../lib/config/load.ts";
import { isMetricId, METRICS, metric } from "../../lib/kpi/registry.ts";
import {
  InvalidPeriodError,
  isoWeekLabel,
  type Period,
  parseIsoDate,
  parseTimeZone,
  periodContaining,
} from "../../lib/kpi/windows.ts";
import { QueryCatalog } from "../../lib/query/catalog.ts";
import { computeKpis } from "../../lib/report/compute.ts";
import { valueFormatter } from "../../lib/report/email/i18n.ts";
import type { MetricValue } from "../../lib/report/modules.ts";
import { engineForZone } from "../../lib/report/run-report.ts";
import { readConfigOrDefaults } from "../config.ts";
import { DEFAULT_CONFIG_DIR, DEFAULT_LAKE_DIR } from "../defaults.ts";
import { UserError } from "../errors.ts";

interface KpisOptions {
  period: Period["kind"];
  date: string;
  tz?: string;
  lake: string;
  config?: string;
  json?: boolean;
  minSample?: string;
}

/**
 * `opspulse kpis --period day|week --date D`: computes every KPI of the period on the local
 * lake (all registered modules) and prints them, without storing or sending anything.
 */
export function registerKpis(program: Command): void {
  program
    .command("kpis")
    .description("compute the KPIs of a day or ISO week on the local lake and print them")
    .addOption(
      new Option("--period <kind>", "day, or week (the ISO week containing --date)")
        .choices(["day", "week"])
        .makeOptionMandatory(),
    )
    .requiredOption("--date <YYYY-MM-DD>", "the day, or any day of the week")
    .option("--tz <Area/City>", "report time zone (default: from config, Asia/Shanghai)")
    .option("--lake <dir>", "local lake folder", DEFAULT_LAKE_DIR)
    .option("--config <dir>", `config folder (default: ${DEFAULT_CONFIG_DIR} when present)`)
    .option("--json", "print one JSON object: metric id → number, or null for insufficient data")
    .option("--min-sample <n>", "smallest denominator of a ratio (default: from config, 100)")
    .action(async (opts: KpisOptions) => {
      const config = readConfigOrDefaults(opts.config);
      const period = parsePeriod(opts, config);
      const minSample = parseMinSample(opts.minSample, config.kpi.minSample);
      if (!existsSync(join(opts.lake, "events")) && !existsSync(join(opts.lake, "orders"))) {
        throw new UserError(
          `no lake at ${opts.lake}: run "opspulse generate --lake ${opts.lake}" or "opspulse import" first, or pass --lake DIR`,
        );
      }
      const engine = await createDuckDbEngine({ lakeDir: opts.lake });
      try {
        const {
          values: reportWide,
          scoped,
          scopeNames,
        } = await computeKpis({
          // Rollups are kept in the config's zone; a --tz of another zone reads them inlined.
          engine: engineForZone(engine, period.timeZone, config),
          catalog: new QueryCatalog(),
          period,
          settings: { ...config.kpi, minSample },
          now: new Date(),
        });
        const values = { ...reportWide, ...scopedValues(scoped) };
        process.stdout.write(
          opts.json
            ? `${JSON.stringify(jsonObject(values))}\n`
            : table(period, values, config.kpi.currency, minSample, scopeNames),
        );
      } finally {
        await engine.close();
      }
    });
}

function parsePeriod(opts: KpisOptions, config: OpsConfig): Period {
  try {
    return periodContaining(
      opts.period,
      parseIsoDate(opts.date),
      parseTimeZone(opts.tz ?? config.timeZone),
    );
  } catch (error) {
    if (error instanceof InvalidPeriodError) throw new UserError(error.message, { cause: error });
    throw error;
  }
}

function parseMinSample(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new UserError(
      `--min-sample "${text}" is not a whole number: write e.g. --min-sample 100`,
    );
  }
  return n;
}

/**
 * Per-campaign values as `<metric id>@<campaign id>` keys (e.g. `campaign_roi@cmp_0014`), so
 * that every value of the output stays a number or null.
 */
function scopedValues(
  scoped: Readonly<Record<string, Readonly<Record<string, MetricValue>>>>,
): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const [scope, metrics] of Object.entries(scoped)) {
    for (const [id, value] of Object.entries(metrics)) out[`${id}@${scope}`] = value;
  }
  return out;
}

/** Metric ids in registry order (ids the registry does not know go last). */
function orderedIds(values: Readonly<Record<string, MetricValue>>): string[] {
  const known = METRICS.map((m) => m.id).filter((id) => id in values);
  const scoped = Object.keys(values)
    .filter((id) => id.includes("@"))
    .sort((a, b) => scopeOf(a).localeCompare(scopeOf(b)) || metricOrder(a) - metricOrder(b));
  const unknown = Object.keys(values).filter((id) => !isMetricId(id) && !id.includes("@"));
  return [...known, ...scoped, ...unknown];
}

const scopeOf = (id: string) => id.slice(id.indexOf("@") + 1);
const baseOf = (id: string) => id.split("@")[0] ?? id;
const metricOrder = (id: string) => METRICS.findIndex((m) => m.id === baseOf(id));

function jsonObject(values: Readonly<Record<string, MetricValue>>): Record<string, number | null> {
  return Object.fromEntries(orderedIds(values).map((id) => [id, values[id]?.value ?? null]));
}

function table(
  period: Period,
  values: Readonly<Record<string, MetricValue>>,
  currency: string,
  minSample: number,
  scopeNames: Readonly<Record<string, string>> = {},
): string {
  const format = valueFormatter("en", currency);
  const rows = orderedIds(values).map((id) => {
    const value = values[id];
    const base = baseOf(id);
    const scope = id.includes("@") ? scopeOf(id) : undefined;
    const name = isMetricId(base) ? metric(base).label.en : base;
    const label = scope ? `${name} · ${scopeNames[scope] ?? scope}` : name;
    let shown: string;
    if (value?.value != null) {
      shown = isMetricId(base) ? format.value(metric(base).unit, value.value) : String(value.value);
    } else if (value?.reason === "insufficient_sample") {
      shown = `insufficient data (n=${value.sample ?? 0})`;
    } else {
      shown = "no data";
    }
    return [label, shown] as const;
  });
  const width = Math.max(...rows.map(([label]) => label.length), 6);
  const title =
    period.kind === "day"
      ? `KPIs of ${period.start} (${period.timeZone})`
      : `KPIs of ${isoWeekLabel(period.start)}, ${period.start} … ${period.end} (${period.timeZone})`;
  const lines = rows.map(([label, shown]) => `${label.padEnd(width)}  ${shown}`);
  const note = `Ratios with a denominator below ${minSample} are shown as insufficient data.`;
  return `${title}\n\n${"Metric".padEnd(width)}  Value\n${lines.join("\n")}\n\n${note}\n`;
}
