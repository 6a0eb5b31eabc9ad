import { join } from "node:path";
import { type Command, Option } from "commander";
import { createFsArtifactStore } from "../../lib/adapters/fs-artifacts.ts";
import { createFsSnapshotStore } from "../../lib/adapters/fs-store.ts";
import { defaultConfig } from "../../lib/config/load.ts";
import { LOCALES } from "../../lib/config/schema.ts";
import { publishDashboard } from "../../lib/dashboard/publish.ts";
import type { Locale } from "../../lib/kpi/registry.ts";
import { systemClock } from "../../lib/ports.ts";
import { DEFAULT_OUT_DIR } from "../defaults.ts";
import { UserError } from "../errors.ts";
import { dateOption, loadUserConfig } from "./run.ts";

interface DashboardOptions {
  readonly out?: string;
  readonly config?: string;
  readonly from?: string;
  readonly to?: string;
  readonly locale: Locale;
}

/**
 * `opspulse dashboard [--out DIR] [--from D --to D]`: builds the static dashboard page from
 * the snapshots under `<out>/snapshots` and writes `<out>/dashboard/index.html` (and a copy
 * under `pages/`). `opspulse run` and the demo do the same after each delivered report.
 */
export function registerDashboard(program: Command): void {
  program
    .command("dashboard")
    .description("build the static dashboard (KPI trends, ROI board, RFM) from stored snapshots")
    .option(
      "--out <dir>",
      `output folder holding snapshots/ (default: $OPSPULSE_OUT_DIR or ${DEFAULT_OUT_DIR})`,
    )
    .option("--config <dir>", "config folder, for the currency (default: built-in defaults)")
    .option("--from <date>", "first day (default: 90 days before --to)")
    .option("--to <date>", "last day (default: the newest daily snapshot)")
    .addOption(
      new Option("--locale <locale>", "language of the page").choices(LOCALES).default("en"),
    )
    .action(async (opts: DashboardOptions) => {
      const from = opts.from === undefined ? undefined : dateOption("--from", opts.from);
      const to = opts.to === undefined ? undefined : dateOption("--to", opts.to);
      if (from && to && from > to)
        throw new UserError(`--from ${from} is after --to ${to}: swap them`);
      const outDir = opts.out ?? process.env.OPSPULSE_OUT_DIR ?? DEFAULT_OUT_DIR;
      const config = opts.config ? loadUserConfig(opts.config) : defaultConfig();
      const now = systemClock.now();
      const published = await publishDashboard({
        snapshots: createFsSnapshotStore({ dir: join(outDir, "snapshots") }),
        artifacts: createFsArtifactStore({ dir: join(outDir, "dashboard") }),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        locale: opts.locale,
        // A page per language, with a switch between them (--locale: the plain index.html).
        locales: LOCALES,
        currency: config.kpi.currency,
        madeBy: `dashboard-${now
          .toISOString()
          .replaceAll(/[-:]/g, "")
          .replace(/\.\d+Z$/, "Z")}`,
        now,
      });
      if (!published) {
        throw new UserError(
          `no daily snapshot under ${join(outDir, "snapshots")}: run "npm run demo" or "opspulse run daily --date D" first, or pass --to`,
        );
      }
      const others = Object.entries(published.pages)
        .filter(([locale]) => locale !== opts.locale)
        .map(([locale, page]) => `\n  ${page?.indexLocation} (${locale})`)
        .join("");
      process.stdout.write(
        `dashboard ${published.from} … ${published.to} (${Math.round(published.bytes / 1024)} KB)\n  ${published.indexLocation}\n  ${published.pageLocation}${others}\n`,
      );
    });
}
