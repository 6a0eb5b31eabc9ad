import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { createFsArtifactStore } from "../../lib/adapters/fs-artifacts.ts";
import { createFsPulseStore } from "../../lib/adapters/fs-pulse-store.ts";
import { createFsSnapshotStore } from "../../lib/adapters/fs-store.ts";
import { type OnCallDeps, runReportWithAlerts } from "../../lib/alerts/on-call.ts";
import { loadAlertTemplate } from "../../lib/alerts/render.ts";
import { createResvgRasterizer } from "../../lib/charts/raster.ts";
import { type ChatChannel, createChatReportHook } from "../../lib/chat/channel.ts";
import { ContactPointError } from "../../lib/chat/secrets.ts";
import { ConfigError, loadConfig, loadDeploymentConfig } from "../../lib/config/load.ts";
import { LOCALES } from "../../lib/config/schema.ts";
import { createDashboardHook, type PublishedDashboard } from "../../lib/dashboard/publish.ts";
import type { Locale } from "../../lib/kpi/registry.ts";
import {
  InvalidPeriodError,
  parseIsoDate,
  parseTimeZone,
  periodContaining,
  periodWindow,
} from "../../lib/kpi/windows.ts";
import { pulseReportHooks } from "../../lib/pulse/report-hooks.ts";
import { QueryCatalog } from "../../lib/query/catalog.ts";
import { loadReportTemplates, TemplatesMissingError } from "../../lib/report/email/render.ts";
import {
  periodKindOf,
  type ReportKind,
  ReportRunError,
  type RunReportRequest,
  type RunReportSummary,
} from "../../lib/report/run-report.ts";
import { reportPeriodKey } from "../../lib/report/snapshot.ts";
import { describeStatusCounts } from "../../lib/report/status-counts.ts";
import { alertChannels } from "../../lib/runtime/chat.ts";
import { type AdapterFactories, type Adapters, createAdapters } from "../../lib/runtime/deps.ts";
import { EnvError, type RuntimeEnv, readRuntimeEnv } from "../../lib/runtime/env.ts";
import { localAdapterFactories } from "../../lib/runtime/local-adapters.ts";
import { openRuntimeChat } from "../../lib/runtime/open-chat.ts";
import { DEFAULT_CONFIG_DIR, DEFAULT_LAKE_DIR, DEFAULT_OUT_DIR } from "../defaults.ts";
import { UserError } from "../errors.ts";
import { assertLakeHasData, previewNotice, previewsByDefault } from "../run-guards.ts";
import { runWaitingCommand, waitPolicyOption } from "./run-wait.ts";

/** Folder options shared by run, backfill and demo (flags win over OPSPULSE_* variables). */
export interface FolderOptions {
  readonly lake?: string;
  readonly out?: string;
  readonly config?: string;
}

/** What a report command works with: the use case's deps and where things go locally. */
export interface ReportRuntime {
  readonly deps: OnCallDeps;
  readonly env: RuntimeEnv;
  /** Local output folder (previews; the stores and outbox when local). */
  readonly outDir: string;
  /** Where a stored snapshot can be found, for people. */
  snapshotLocation(report: string, periodKey: string, revision: number): string;
  /** The local dashboard folder, and the page the last run published there. */
  readonly dashboard: { readonly dir: string; last: PublishedDashboard | undefined };
  close(): Promise<void>;
}

/**
 * Opens the adapters the environment selects (DuckDB, files and the outbox by default;
 * `OPSPULSE_RUNTIME=aws` or `OPSPULSE_MAILER=ses`… for AWS), and loads config, queries and
 * templates. Errors a person can fix become {@link UserError}s.
 */
export async function openReportRuntime(folders: FolderOptions): Promise<ReportRuntime> {
  const { source, env } = reportEnv(folders);
  const config = loadUserConfig(env.configDir, { deployment: true });
  let templates: ReturnType<typeof loadReportTemplates>;
  let alertTemplate: ReturnType<typeof loadAlertTemplate>;
  try {
    templates = loadReportTemplates(env.templatesDir);
    alertTemplate = loadAlertTemplate(env.templatesDir);
  } catch (error) {
    if (error instanceof TemplatesMissingError)
      throw new UserError(error.message, { cause: error });
    throw error;
  }
  const chat = await openCliChat(config, source);
  const catalog = new QueryCatalog(env.queriesDir);
  const factories: AdapterFactories[] = [localAdapterFactories()];
  if (env.engine.kind === "athena" || env.store.kind === "s3" || env.mailer.kind === "ses") {
    // Loaded only when selected: the AWS SDK clients are not needed for a local run.
    const { awsAdapterFactories } = await import("../../lib/runtime/aws-adapters.ts");
    factories.push(awsAdapterFactories());
  }
  let adapters: Adapters;
  try {
    adapters = await createAdapters(env, factories);
  } catch (error) {
    if (error instanceof EnvError) throw new UserError(error.message, { cause: error });
    throw error;
  }
  const outDir =
    env.store.kind === "fs" ? env.store.outDir : (source.OPSPULSE_OUT_DIR ?? DEFAULT_OUT_DIR);
  const localSnapshots = createFsSnapshotStore({ dir: join(outDir, "snapshots") });
  const dashboard: ReportRuntime["dashboard"] = { dir: join(outDir, "dashboard"), last: undefined };
  const charts = await createResvgRasterizer().catch((error: unknown) => {
    process.stderr.write(`notice: the emails go without charts: ${(error as Error).message}\n`);
    return undefined;
  });
  return {
    deps: {
      engine: adapters.engine,
      catalog,
      snapshots: adapters.snapshots,
      mailer: adapters.mailer,
      deliveries: adapters.deliveries,
      runLog: adapters.runLog,
      clock: adapters.clock,
      config,
      templates,
      alertState: adapters.alertState,
      alertTemplate,
      ...(charts ? { charts } : {}),
      afterSnapshot: [
        createDashboardHook({
          snapshots: adapters.snapshots,
          artifacts: createFsArtifactStore({ dir: dashboard.dir }),
          onPublished: (published) => {
            dashboard.last = published;
          },
        }),
        ...(chat ? [createChatReportHook({ ...adapters, config }, chat)] : []),
        // "Yesterday's stalls" from the pulses stored locally (opspulse pulse).
        ...pulseReportHooks({
          engine: adapters.engine,
          catalog,
          pulses: createFsPulseStore({ dir: outDir }),
        }),
      ],
      ...optionalChannels(alertChannels({ ...adapters, config }, alertTemplate, chat)),
    },
    dashboard,
    env,
    outDir,
    snapshotLocation: (report, periodKey, revision) =>
      env.store.kind === "fs"
        ? localSnapshots.pathOf(report, periodKey, revision)
        : `${report}/${periodKey} revision ${revision} (S3 bucket ${env.store.bucket})`,
    close: () => adapters.close(),
  };
}

/**
 * The runtime environment of a report command (flags win over OPSPULSE_* variables), with
 * the local lake checked; errors a person can fix become {@link UserError}s.
 */
export function reportEnv(folders: FolderOptions): {
  readonly source: Record<string, string | undefined>;
  readonly env: RuntimeEnv;
} {
  const source = {
    ...process.env,
    ...(folders.lake ? { OPSPULSE_LAKE_DIR: folders.lake } : {}),
    ...(folders.out ? { OPSPULSE_OUT_DIR: folders.out } : {}),
    ...(folders.config ? { OPSPULSE_CONFIG_DIR: folders.config } : {}),
  };
  let env: RuntimeEnv;
  try {
    env = readRuntimeEnv(source, {
      lakeDir: DEFAULT_LAKE_DIR,
      outDir: DEFAULT_OUT_DIR,
      configDir: DEFAULT_CONFIG_DIR,
    });
  } catch (error) {
    if (error instanceof EnvError) throw new UserError(error.message, { cause: error });
    throw error;
  }
  if (env.engine.kind === "duckdb" && !existsSync(join(env.engine.lakeDir, "events"))) {
    throw new UserError(
      `no lake at ${env.engine.lakeDir}: run "npm run demo" (or "opspulse generate --lake ${env.engine.lakeDir}") first, or pass --lake DIR`,
    );
  }
  return { source, env };
}

/** The chat channel of the config's contact points; a reference that fails is a UserError. */
async function openCliChat(
  config: ReturnType<typeof loadConfig>,
  source: Record<string, string | undefined>,
): Promise<ChatChannel | undefined> {
  try {
    return await openRuntimeChat(config, { env: source });
  } catch (error) {
    if (error instanceof ContactPointError) throw new UserError(error.message, { cause: error });
    throw error;
  }
}

function optionalChannels<T>(channels: T | undefined): { channels?: T } {
  return channels ? { channels } : {};
}

/**
 * Loads config; an invalid one is a UserError naming the first problem. A `deployment`
 * (what runs and delivers reports) must also name its audience (`loadDeploymentConfig`).
 */
export function loadUserConfig(
  dir: string,
  options: { readonly deployment?: boolean } = {},
): ReturnType<typeof loadConfig> {
  try {
    return options.deployment ? loadDeploymentConfig(dir) : loadConfig(dir);
  } catch (error) {
    if (error instanceof ConfigError) {
      const more =
        error.problems.length > 1
          ? ` (and ${error.problems.length - 1} more: run "opspulse validate --config ${dir}")`
          : "";
      throw new UserError(`${error.problems[0] ?? "invalid config"}${more}`, { cause: error });
    }
    throw error;
  }
}

/**
 * Runs the use case with on-call alerting (a failed run sends one failure notice), turning
 * a wrong date or zone into a UserError.
 */
export async function runReportCommand(
  runtime: ReportRuntime,
  request: RunReportRequest,
): Promise<RunReportSummary> {
  try {
    return await runReportWithAlerts(runtime.deps, request);
  } catch (error) {
    if (error instanceof ReportRunError && error.cause instanceof InvalidPeriodError) {
      throw new UserError(error.cause.message, { cause: error });
    }
    throw error;
  }
}

/**
 * Writes the rendered emails of a dry run to `<out>/preview/<runId>/`; returns their paths.
 * A browser cannot resolve the email's `cid:` images, so each inline image is written beside
 * the preview (`<list>.<file name>`) and the preview's HTML points at that file.
 */
export function writePreviews(outDir: string, summary: RunReportSummary): string[] {
  const folder = join(outDir, "preview", summary.runId);
  const paths: string[] = [];
  for (const email of summary.emails) {
    if (!email.rendered) continue;
    mkdirSync(folder, { recursive: true });
    const base = join(folder, email.list);
    let html = email.rendered.html;
    for (const attachment of email.rendered.attachments ?? []) {
      const file = `${email.list}.${attachment.filename}`;
      writeFileSync(join(folder, file), attachment.content);
      if (attachment.cid) html = html.replaceAll(`cid:${attachment.cid}`, encodeURI(file));
    }
    writeFileSync(`${base}.html`, html);
    writeFileSync(`${base}.txt`, `Subject: ${email.rendered.subject}\n\n${email.rendered.text}`);
    paths.push(`${base}.html`);
  }
  return paths;
}

/** The summary without rendered bodies, for `--json`. */
export function jsonSummary(summary: RunReportSummary): unknown {
  return { ...summary, emails: summary.emails.map(({ rendered: _rendered, ...email }) => email) };
}

/** A few lines a person reads after a run. */
export function describeRun(
  summary: RunReportSummary,
  runtime: Pick<ReportRuntime, "snapshotLocation">,
  previews: readonly string[] = [],
): string[] {
  const judged = describeStatusCounts(summary.statusCounts);
  const lines = [
    `${summary.report} report ${summary.periodKey} (${summary.period.timeZone}): ${summary.outcome.replaceAll("_", " ")} · run ${summary.runId}`,
  ];
  if (judged) lines.push(`  ${judged}`);
  if (summary.snapshot) {
    lines.push(
      `  snapshot  ${runtime.snapshotLocation(summary.report, summary.snapshot.periodKey, summary.snapshot.revision)}`,
    );
  }
  const width = Math.max(8, ...summary.emails.map((e) => e.list.length));
  for (const email of summary.emails) {
    if (email.status === "preview") continue; // listed below, with the preview paths
    const status = email.status.replaceAll("_", " ");
    const where = email.location ?? email.error ?? "";
    lines.push(`  ${email.list.padEnd(width)}  ${status.padEnd(17)} ${where}`);
  }
  for (const path of previews) lines.push(`  preview   ${path}`);
  if (summary.emails.some((e) => e.status === "already_delivered")) {
    lines.push(
      "  already delivered: add --resend to send it again as a marked correction (a new snapshot revision, once per revision)",
    );
  }
  if (summary.emails.some((e) => e.location?.endsWith(".eml"))) {
    lines.push("  open the .html beside each .eml in a browser, or the .eml in a mail client");
  }
  return lines;
}

/** `--locale` with its choices. */
export function localeOption(): Option {
  return new Option(
    "--locale <locale>",
    "language of every email of the run (default: each list's)",
  ).choices(LOCALES);
}

/** Validates `--date`-like options. */
export function dateOption(flag: string, value: string): string {
  try {
    return parseIsoDate(value);
  } catch (error) {
    throw new UserError(`${flag}: ${(error as Error).message}`, { cause: error });
  }
}

/** The request fields of `--tz` (validated), `--locale` and `--no-email` (run, backfill). */
export function runRequestOptions(
  timeZone: string | undefined,
  opts: { readonly locale?: Locale | undefined; readonly email: boolean },
): Pick<RunReportRequest, "timeZone" | "locale" | "deliver"> {
  return {
    ...(timeZone ? { timeZone } : {}),
    ...(opts.locale ? { locale: opts.locale } : {}),
    ...(opts.email ? {} : { deliver: false }),
  };
}

/** Validates `--from` and `--to` of a range; `--to` before `--from` is a UserError. */
export function dateRangeOptions(opts: { readonly from: string; readonly to: string }): {
  from: string;
  to: string;
} {
  const from = dateOption("--from", opts.from);
  const to = dateOption("--to", opts.to);
  if (to < from) throw new UserError(`--to ${to} is before --from ${from}: swap them`);
  return { from, to };
}

/** Validates `--tz`. */
export function timeZoneOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return parseTimeZone(value);
  } catch (error) {
    throw new UserError(`--tz: ${(error as Error).message}`, { cause: error });
  }
}

/** Validates the report argument. */
export function reportArgument(value: string): ReportKind {
  if (value === "daily" || value === "weekly" || value === "campaigns") return value;
  throw new UserError(`unknown report "${value}": use daily, weekly or campaigns`);
}

const FOLDER_HELP = {
  lake: `local lake folder (default: $OPSPULSE_LAKE_DIR or ${DEFAULT_LAKE_DIR})`,
  out: `output folder: snapshots, outbox, runs (default: $OPSPULSE_OUT_DIR or ${DEFAULT_OUT_DIR})`,
  config: `config folder (default: $OPSPULSE_CONFIG_DIR or ${DEFAULT_CONFIG_DIR})`,
};

/** Adds --lake, --out and --config. */
export function withFolders(command: Command): Command {
  return command
    .option("--lake <dir>", FOLDER_HELP.lake)
    .option("--out <dir>", FOLDER_HELP.out)
    .option("--config <dir>", FOLDER_HELP.config);
}

interface RunOptions extends FolderOptions {
  readonly date: string;
  readonly locale?: Locale;
  readonly tz?: string;
  readonly dryRun?: boolean;
  readonly send?: boolean;
  readonly to?: string;
  readonly resend?: boolean;
  readonly force?: boolean;
  readonly email: boolean;
  readonly allowIncomplete?: boolean;
  readonly check?: boolean;
  readonly json?: boolean;
  readonly wait?: boolean;
  readonly waitInterval?: string;
  readonly waitDeadline?: string;
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** A period, or the reason it is none as a UserError. */
function periodOrUserError<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof InvalidPeriodError) throw new UserError(error.message, { cause: error });
    throw error;
  }
}

/** What the options ask for, as the manual-run safe default reads it. */
function runIntent(opts: RunOptions, resend: boolean) {
  return {
    dryRun: opts.dryRun === true,
    send: opts.send === true,
    to: opts.to !== undefined,
    resend,
    email: opts.email,
  };
}

/**
 * `opspulse run daily|weekly|campaigns --date D`: computes, evaluates, stores and delivers
 * one report; a report already delivered for the period is not run again. A period other
 * than the latest one due only previews unless `--send` (or `--to`); a period the local lake
 * holds no data for stops in one line unless `--allow-incomplete`. After late data,
 * `--no-email` stores a new snapshot revision and sends nothing; `--resend` also sends it,
 * marked as a correction, under a delivery key of its own revision (so once).
 * `--check` validates the arguments, config and lake and runs nothing.
 */
export function registerRun(program: Command): void {
  withFolders(
    program
      .command("run")
      .description(
        "run the daily, weekly or campaigns report for one period and deliver it once (a past period: preview unless --send)",
      )
      .argument("<report>", "daily, weekly or campaigns")
      .requiredOption(
        "--date <date>",
        "a day of the period, YYYY-MM-DD (weekly: any day of the ISO week)",
      ),
  )
    .addOption(localeOption())
    .option("--tz <zone>", "IANA time zone of the period (default: the schedule's in config)")
    .option("--dry-run", "compute and render, write a preview; store and send nothing")
    .option(
      "--send",
      "deliver a period other than the latest one due (without it such a run only previews)",
    )
    .option("--to <address>", "send only to this address (for testing), under its own delivery key")
    .option(
      "--resend",
      "already delivered (late data)? store a new snapshot revision and send it again, marked as a correction, once per revision",
    )
    .option("--force", "the same as --resend")
    .option("--no-email", "store a new snapshot revision (e.g. after late data); send nothing")
    .option(
      "--allow-incomplete",
      "run a period the local lake holds no data for (its report shows no data)",
    )
    .option(
      "--check",
      "check the arguments, config and lake, print the period the run covers; run nothing",
    )
    .option("--json", "print the run summary as JSON")
    .option(
      "--wait",
      "data incomplete? hold the report, re-check until complete, or send at the deadline",
    )
    .option(
      "--wait-interval <duration>",
      "with --wait: time between checks, e.g. 10s, 15m (default: config, else 15m)",
    )
    .option(
      "--wait-deadline <duration>",
      "with --wait: send anyway this long after the start, e.g. 2h (default: config, else 2h)",
    )
    .action(async (reportName: string, opts: RunOptions) => {
      const report = reportArgument(reportName);
      const date = dateOption("--date", opts.date);
      const timeZone = timeZoneOption(opts.tz);
      if (opts.to !== undefined && !ADDRESS.test(opts.to)) {
        throw new UserError(
          `--to "${opts.to}" is not an email address: write e.g. --to you@example.com`,
        );
      }
      const resend = opts.resend === true || opts.force === true;
      if (resend && !opts.email) {
        throw new UserError("--resend sends the report again, --no-email sends nothing: use one");
      }
      if (opts.check) {
        const { env } = reportEnv(opts);
        const config = loadUserConfig(env.configDir, { deployment: true });
        const period = periodContaining(
          periodKindOf(report),
          date,
          timeZone ?? config.schedules[report].timeZone,
        );
        const window = periodWindow(period);
        const lists = opts.to ? ["direct"] : config.recipients[report].map((list) => list.name);
        if (env.engine.kind === "duckdb" && !opts.allowIncomplete)
          assertLakeHasData(report, period, env.engine.lakeDir);
        const now = new Date();
        const preview = previewsByDefault(report, period, now, runIntent(opts, resend));
        process.stdout.write(
          `${report} report ${reportPeriodKey(period, config.schedules[report].timeZone)} (${period.timeZone}): UTC ${window.fromUtc.toISOString()} .. ${window.toUtc.toISOString()}, partitions ${window.partitions.join(", ")}; lists ${lists.join(", ") || "none"}${preview ? `; preview only: ${previewNotice(report, period, now)}` : ""}; nothing was run\n`,
        );
        return;
      }
      waitPolicyOption(opts, undefined); // flags checked before anything is opened
      const runtime = await openReportRuntime(opts);
      try {
        const period = periodOrUserError(() =>
          periodContaining(
            periodKindOf(report),
            date,
            timeZone ?? runtime.deps.config.schedules[report].timeZone,
          ),
        );
        if (runtime.env.engine.kind === "duckdb" && !opts.allowIncomplete)
          assertLakeHasData(report, period, runtime.env.engine.lakeDir);
        const now = runtime.deps.clock.now();
        const preview = previewsByDefault(report, period, now, runIntent(opts, resend));
        if (preview && opts.wait) {
          throw new UserError(
            `--wait holds a run that delivers, but ${previewNotice(report, period, now)}`,
          );
        }
        if (preview && !opts.json) process.stdout.write(`${previewNotice(report, period, now)}\n`);
        let summary: RunReportSummary;
        try {
          const request: RunReportRequest = {
            report,
            date,
            ...runRequestOptions(timeZone, opts),
            ...(opts.dryRun || preview ? { dryRun: true } : {}),
            ...(opts.to ? { to: opts.to } : {}),
            ...(resend ? { force: true } : {}),
          };
          const wait = waitPolicyOption(
            opts,
            runtime.deps.config.schedules[report].waitForCompleteData,
          );
          summary = wait
            ? await runWaitingCommand(runtime, request, wait, process.stderr)
            : await runReportCommand(runtime, request);
        } catch (error) {
          if (opts.json && error instanceof ReportRunError) {
            process.stdout.write(`${JSON.stringify(jsonSummary(error.summary), null, 2)}\n`);
          }
          throw error;
        }
        const previews = writePreviews(runtime.outDir, summary);
        if (opts.json) {
          const json = { ...(jsonSummary(summary) as object), previews };
          process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        } else {
          process.stdout.write(`${describeRun(summary, runtime, previews).join("\n")}\n`);
          if (runtime.dashboard.last) {
            process.stdout.write(`  dashboard ${runtime.dashboard.last.indexLocation}\n`);
          }
        }
      } finally {
        await runtime.close();
      }
    });
}
