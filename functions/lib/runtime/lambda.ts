/**
 * What the Lambda handlers share: the use case's dependencies built once per container from
 * the environment (AWS adapters only), and the mapping of a run to a compact summary,
 * metrics and log lines.
 */

import { Logger } from "@aws-lambda-powertools/logger";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { S3Client } from "@aws-sdk/client-s3";
import { createS3ArtifactStore } from "../adapters/s3-artifacts.ts";
import { assertConditionalWrites } from "../adapters/s3-conditional-probe.ts";
import { createS3PulseStore } from "../adapters/s3-pulse-store.ts";
import { createCompletenessGate } from "../alerts/completeness-check.ts";
import { requireSomeData } from "../alerts/no-data.ts";
import type { OnCallDeps } from "../alerts/on-call.ts";
import { runReportWithAlerts } from "../alerts/on-call.ts";
import { loadAlertTemplate } from "../alerts/render.ts";
import { type ChartRasterizer, createResvgRasterizer } from "../charts/raster.ts";
import { createChatReportHook } from "../chat/channel.ts";
import type { SecretSource } from "../chat/secrets.ts";
import { loadDeploymentConfig } from "../config/load.ts";
import type { ReportName } from "../config/schema.ts";
import {
  createDashboardHook,
  DEFAULT_LINK_SECONDS,
  type PublishedDashboard,
} from "../dashboard/publish.ts";
import { type Clock, systemClock } from "../ports.ts";
import { pulseReportHooks } from "../pulse/report-hooks.ts";
import { QueryCatalog } from "../query/catalog.ts";
import { loadReportTemplates } from "../report/email/render.ts";
import type { ReportKind, RunReportSummary } from "../report/run-report.ts";
import type { RecheckScheduler } from "../waiting/rechecks.ts";
import { type AwsClients, awsAdapterFactories } from "./aws-adapters.ts";
import { alertChannels } from "./chat.ts";
import {
  type DashboardLinkEnv,
  dashboardLinkStore,
  readDashboardLinkEnv,
} from "./dashboard-links.ts";
import { createAdapters } from "./deps.ts";
import { type EnvSource, type RuntimeEnv, readRuntimeEnv } from "./env.ts";
import { REPORT_KINDS } from "./events.ts";
import { assertPeriodInLake } from "./lake-range.ts";
import { openRuntimeChat } from "./open-chat.ts";
import { depsWithDeadline } from "./run-deadline.ts";
import { periodDueAt } from "./scheduled-period.ts";
import { type RecheckFire, runScheduledCheck } from "./scheduled-wait.ts";

/** Options of {@link openLambdaDeps}. */
export interface LambdaDepsOptions {
  /** SDK clients to use instead of new ones. */
  readonly clients?: AwsClients;
  /** Where `ssm:` / `secretsmanager:` references are read (default: the runtime's SDK clients). */
  readonly chatSecrets?: SecretSource;
  /** Wraps each new SDK client (the handlers pass the tracer's `captureAWSv3Client`). */
  readonly instrument?: <T>(client: T) => T;
  readonly clock?: Clock;
  /**
   * Where a warning goes (charts that cannot be drawn); default: a Powertools logger of the
   * function's `POWERTOOLS_SERVICE_NAME`.
   */
  readonly logger?: WarningLogger;
  /** The dashboard's CloudFront distribution: links valid for its days (else S3 pre-signed). */
  readonly dashboardLinks?: DashboardLinkEnv & { readonly sessionToken?: string };
  /** Reads the links' PEM private key (default: Secrets Manager through the Lambda extension). */
  readonly dashboardPrivateKey?: () => Promise<string>;
}

/** Takes a warning and its details (a Powertools `Logger` does). */
export interface WarningLogger {
  warn(message: string, details: Record<string, unknown>): void;
}

/**
 * The report use case's dependencies in a Lambda: config, queries and compiled templates
 * from the folders copied beside the bundle, and the AWS adapters the environment selects.
 */
export async function openLambdaDeps(
  env: RuntimeEnv,
  options: LambdaDepsOptions = {},
): Promise<OnCallDeps> {
  const clock = options.clock ?? systemClock;
  const config = loadDeploymentConfig(env.configDir);
  // The SDK clients come from the Lambda runtime, not the bundle: make sure its S3 client
  // sends the conditional writes the delivery log and the alert state rely on.
  if (env.store.kind === "s3") await assertConditionalWrites();
  const adapters = await createAdapters(env, [awsAdapterFactories(options.clients)], {
    clock,
    ...(options.instrument ? { instrument: options.instrument } : {}),
  });
  // Chat contact points: their URLs and secrets read from SSM / Secrets Manager, once.
  const chat = await openRuntimeChat(config, {
    ...(options.instrument ? { instrument: options.instrument } : {}),
    ...(options.chatSecrets ? { aws: options.chatSecrets } : {}),
  });
  // The dashboard goes to the state bucket (private) under dashboard/, linked from the emails
  // (and the chat cards) by a pre-signed URL.
  const dashboardPrefix =
    env.store.kind === "s3"
      ? [env.store.prefix.replace(/\/+$/, ""), "dashboard"].filter(Boolean).join("/")
      : "";
  const links = options.dashboardLinks;
  let published: PublishedDashboard | undefined;
  const artifacts =
    env.store.kind === "s3"
      ? dashboardLinkStore(
          createS3ArtifactStore({
            client:
              options.clients?.s3 ??
              (options.instrument ?? ((client) => client))(
                new S3Client({ forcePathStyle: env.s3PathStyle }),
              ),
            bucket: env.store.bucket,
            prefix: dashboardPrefix,
          }),
          links,
          () => clock.now(),
          options.dashboardPrivateKey,
        )
      : undefined;
  const linkSeconds = links?.linkSeconds ?? DEFAULT_LINK_SECONDS;
  const dashboard = artifacts
    ? createDashboardHook({
        snapshots: adapters.snapshots,
        artifacts,
        ...(links ? { linkSeconds: links.linkSeconds } : {}),
        onPublished: (page) => {
          published = page;
        },
      })
    : undefined;
  const chatHook = chat
    ? createChatReportHook({ ...adapters, config }, chat, {
        // The page this run's dashboard hook published (taken, so that a later run whose
        // dashboard failed links nothing rather than an older page).
        dashboardLink: async () => {
          const page = published;
          published = undefined;
          return page && artifacts ? artifacts.link(page.pageKey, linkSeconds) : undefined;
        },
      })
    : undefined;
  const catalog = new QueryCatalog(env.queriesDir);
  const charts = await openChartRasterizer(env, options.logger ?? new Logger());
  const alertTemplate = loadAlertTemplate(env.templatesDir);
  const channels = alertChannels({ ...adapters, config }, alertTemplate, chat);
  return {
    engine: adapters.engine,
    catalog,
    snapshots: adapters.snapshots,
    mailer: adapters.mailer,
    deliveries: adapters.deliveries,
    runLog: adapters.runLog,
    alertState: adapters.alertState,
    clock,
    config,
    templates: loadReportTemplates(env.templatesDir),
    alertTemplate,
    afterSnapshot: [
      ...(dashboard ? [dashboard] : []),
      ...(chatHook ? [chatHook] : []),
      // "Yesterday's stalls" from the pulses stored in the state bucket.
      ...(env.store.kind === "s3"
        ? pulseReportHooks({
            engine: adapters.engine,
            catalog,
            pulses: createS3PulseStore({
              client: options.clients?.s3 ?? new S3Client({ forcePathStyle: env.s3PathStyle }),
              bucket: env.store.bucket,
              prefix: env.store.prefix,
            }),
          })
        : []),
    ],
    ...(channels ? { channels } : {}),
    ...(charts ? { charts } : {}),
  };
}

/**
 * The emails' chart rasterizer, with the fonts the environment names (the bundle's copy in a
 * Lambda). When it cannot be opened, or a chart cannot be drawn, the reports still go out
 * without charts (the run records why in its warnings) and a warning is logged: a missing
 * chart shows in the logs, not only in the inbox.
 */
export async function openChartRasterizer(
  env: Pick<RuntimeEnv, "fontsDir">,
  logger: WarningLogger,
): Promise<ChartRasterizer | undefined> {
  let charts: ChartRasterizer;
  try {
    charts = await createResvgRasterizer(env.fontsDir ? { fontsDir: env.fontsDir } : {});
  } catch (error) {
    logger.warn("charts cannot be drawn: the report emails go out without them", {
      error: error instanceof Error ? error.message : String(error),
      ...(env.fontsDir ? { fontsDir: env.fontsDir } : {}),
    });
    return undefined;
  }
  return {
    async toPng(svg, options) {
      try {
        return await charts.toPng(svg, options);
      } catch (error) {
        logger.warn("a chart cannot be drawn: the report email goes out without charts", {
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
    },
  };
}

/**
 * Reads the environment and opens the dependencies on first use, then hands out the same
 * ones to every later invocation of the container. A failure (a missing variable, a bad
 * config) is not remembered: the next invocation tries again, and fails the same clear way.
 */
export function lazyLambdaDeps(
  source: EnvSource,
  options: LambdaDepsOptions = {},
): () => Promise<OnCallDeps> {
  let opened: Promise<OnCallDeps> | undefined;
  return () => {
    const dashboardLinks = readDashboardLinkEnv(source);
    const withLinks: LambdaDepsOptions = dashboardLinks
      ? {
          ...options,
          dashboardLinks: {
            ...dashboardLinks,
            ...(source.AWS_SESSION_TOKEN ? { sessionToken: source.AWS_SESSION_TOKEN } : {}),
          },
        }
      : options;
    opened ??= openLambdaDeps(readRuntimeEnv(source), withLinks).catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
}

/** When a schedule fired and in which zone; both default (to the clock, to the config). */
export interface ScheduledFire {
  readonly timeZone?: string | undefined;
  /** `<aws.scheduler.scheduled-time>` of EventBridge Scheduler. */
  readonly scheduledTime?: string | undefined;
  /** `time` of an EventBridge rule's event. */
  readonly time?: string | undefined;
  /** A re-check of a report waiting for complete data (`scheduled-wait.ts`). */
  readonly recheck?: RecheckFire | undefined;
}

/** The report `report` cannot be run by the use case (yet); nothing was run. */
export class UnsupportedReportError extends Error {
  override name = "UnsupportedReportError";
}

/**
 * Runs `report` for the period that closed when the schedule fired (see
 * `scheduled-period.ts`), with on-call alerting. A duplicate or retried event names the same
 * period, so the delivery log sends nothing twice.
 */
export async function runScheduledReport(
  openDeps: () => Promise<OnCallDeps>,
  report: ReportName,
  fire: ScheduledFire,
  clock: Clock,
  deadline?: Date,
  rechecks?: RecheckScheduler,
): Promise<RunReportSummary> {
  const kind = reportKind(report);
  const deps = await openDeps();
  const fireTime = new Date(fire.scheduledTime ?? fire.time ?? clock.now().toISOString());
  const timeZone = fire.timeZone ?? deps.config.schedules[report].timeZone;
  const period = periodDueAt(report, fireTime, timeZone);
  assertPeriodInLake(deps.engine, { report: kind, date: period.start, timeZone }, deps.config);
  const request = { report: kind, date: period.start, timeZone, ...(deadline ? { deadline } : {}) };
  const gate = deps.completenessGate ?? createCompletenessGate(deps);
  const policy = deps.config.schedules[report].waitForCompleteData;
  if (policy && rechecks) {
    // Waiting: a period without any data is held like any incomplete one, until the deadline.
    return runScheduledCheck(
      depsWithDeadline({ ...deps, completenessGate: gate }, deadline),
      request,
      {
        policy,
        scheduledAt: fireTime,
        recheck: fire.recheck,
        rechecks,
        atDeadline: requireSomeData,
      },
    );
  }
  // A period without any data pages on-call (the run fails) instead of mailing zeros.
  return runReportWithAlerts(
    depsWithDeadline({ ...deps, completenessGate: requireSomeData(gate) }, deadline),
    request,
  );
}

/** The use case's name of a configured report, or a clear error when it makes no such report. */
export function reportKind(report: ReportName): ReportKind {
  const kind = REPORT_KINDS.find((k) => k === report);
  if (!kind) {
    throw new UnsupportedReportError(
      `The ${report} report is configured but the report use case does not make it yet (it makes ${REPORT_KINDS.join(" and ")}); nothing was run.`,
    );
  }
  return kind;
}

/** What a handler returns and logs about one run: no email bodies, no row data. */
export interface RunSummaryView {
  readonly runId: string;
  readonly report: string;
  readonly periodKey: string;
  readonly period: RunReportSummary["period"];
  readonly outcome: RunReportSummary["outcome"];
  readonly statusCounts: RunReportSummary["statusCounts"];
  /** What the run's summary card shows (a chat command's reply is that card). */
  readonly card?: RunReportSummary["card"];
  readonly snapshot: RunReportSummary["snapshot"];
  readonly emails: readonly {
    readonly list: string;
    readonly status: string;
    readonly to: readonly string[];
    readonly subject?: string;
    readonly htmlBytes?: number;
    readonly messageId?: string;
    readonly location?: string;
    readonly error?: string;
  }[];
  readonly queries: number;
  readonly bytesScanned: number;
  readonly error?: string;
  /** What went wrong without failing the run (e.g. charts that could not be drawn). */
  readonly warnings?: readonly string[];
}

/** The compact view of a run summary. */
export function summaryView(summary: RunReportSummary): RunSummaryView {
  return {
    runId: summary.runId,
    report: summary.report,
    periodKey: summary.periodKey,
    period: summary.period,
    outcome: summary.outcome,
    statusCounts: summary.statusCounts,
    ...(summary.card ? { card: summary.card } : {}),
    snapshot: summary.snapshot,
    emails: summary.emails.map(
      ({ rendered: _rendered, idempotencyKey: _key, locale: _l, ...email }) => email,
    ),
    queries: summary.queries.length,
    bytesScanned: summary.queries.reduce((sum, query) => sum + (query.bytesScanned ?? 0), 0),
    ...(summary.error ? { error: summary.error } : {}),
    ...(summary.warnings?.length ? { warnings: summary.warnings } : {}),
  };
}

/** Adds the metrics of one run (flushed by the handler's metrics middleware). */
export function recordRunMetrics(metrics: Metrics, summary: RunReportSummary): void {
  const sent = summary.emails.filter((email) => email.status === "sent").length;
  const failed = summary.emails.filter((email) => email.status === "failed").length;
  metrics.addDimension("report", summary.report);
  metrics.addMetric(
    summary.outcome === "failed" ? "ReportRunsFailed" : "ReportRuns",
    MetricUnit.Count,
    1,
  );
  metrics.addMetric("EmailsSent", MetricUnit.Count, sent);
  if (failed > 0) metrics.addMetric("EmailsFailed", MetricUnit.Count, failed);
  metrics.addMetric(
    "BytesScanned",
    MetricUnit.Bytes,
    summary.queries.reduce((sum, query) => sum + (query.bytesScanned ?? 0), 0),
  );
  metrics.addMetric("Breaches", MetricUnit.Count, summary.statusCounts.breach ?? 0);
}
