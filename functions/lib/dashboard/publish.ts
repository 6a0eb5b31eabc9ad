/**
 * Publishing the dashboard: the page of a date range, written to an `ArtifactStore` as
 * `pages/<id>.html` (one per run, never rewritten by another run) and as `index.html` (the
 * latest). After each report run an `afterSnapshot` hook publishes it and puts a link in the
 * emails' footer — a pre-signed URL in AWS, where the bucket is private.
 */
import type { Locale } from "../kpi/registry.ts";
import type { IsoDate } from "../kpi/windows.ts";
import type { ArtifactStore, SnapshotStore } from "../ports.ts";
import type { AfterSnapshotHook } from "../report/run-report.ts";
import { dashboardRange, loadDashboardData } from "./data.ts";
import { renderDashboardPage } from "./page.ts";

/** Key of the latest page. */
export const DASHBOARD_INDEX_KEY = "index.html";

/** How long an email's dashboard link works, by default: a week (S3's maximum). */
export const DEFAULT_LINK_SECONDS = 7 * 24 * 3600;

const HTML = "text/html; charset=utf-8";

/** What to publish. */
export interface PublishDashboardInput {
  readonly snapshots: SnapshotStore;
  readonly artifacts: ArtifactStore;
  /** Dates covered; default: the 90 days ending with the newest daily snapshot. */
  readonly from?: IsoDate;
  readonly to?: IsoDate;
  readonly locale: Locale;
  readonly currency: string;
  /** What made the page (a run id): names its file. */
  readonly madeBy: string;
  readonly now: Date;
}

/** What was published. */
export interface PublishedDashboard {
  readonly pageKey: string;
  readonly pageLocation: string;
  readonly indexLocation: string;
  readonly from: IsoDate;
  readonly to: IsoDate;
  readonly bytes: number;
}

/** Renders the dashboard and writes the page and the index; undefined when nothing is stored. */
export async function publishDashboard(
  input: PublishDashboardInput,
): Promise<PublishedDashboard | undefined> {
  const range = await dashboardRange(input.snapshots, {
    ...(input.from ? { from: input.from } : {}),
    ...(input.to ? { to: input.to } : {}),
  });
  if (!range) return undefined;
  const data = await loadDashboardData(input.snapshots, range);
  const html = await renderDashboardPage(data, {
    locale: input.locale,
    currency: input.currency,
    generatedAt: input.now,
    madeBy: input.madeBy,
  });
  const pageKey = `pages/${input.madeBy.replaceAll(/[^A-Za-z0-9._-]+/g, "_")}.html`;
  const page = await input.artifacts.put(pageKey, html, HTML);
  const index = await input.artifacts.put(DASHBOARD_INDEX_KEY, html, HTML);
  return {
    pageKey,
    pageLocation: page.location,
    indexLocation: index.location,
    ...range,
    bytes: Buffer.byteLength(html),
  };
}

/** Options of the dashboard hook. */
export interface DashboardHookOptions {
  readonly snapshots: SnapshotStore;
  readonly artifacts: ArtifactStore;
  /** Language of the page; default: that of the report's first recipient list. */
  readonly locale?: Locale;
  readonly linkSeconds?: number;
  /** Told where the page went (the CLI prints it). */
  readonly onPublished?: (published: PublishedDashboard) => void;
}

const LINK_LABEL = { en: "Open the dashboard", "zh-CN": "打开运营看板" } as const;

/**
 * The `afterSnapshot` hook that publishes the dashboard after each stored snapshot and links
 * it from the emails. A failure to publish does not fail the report: it becomes a warning
 * of the run.
 */
export function createDashboardHook(options: DashboardHookOptions): AfterSnapshotHook {
  return {
    name: "dashboard",
    async run(context) {
      // Nothing to show in a dry run; a history backfill (no email) would publish one page
      // per period: `opspulse dashboard` makes the page once it is done.
      if (context.dryRun || context.request.deliver === false) return undefined;
      try {
        const published = await publishDashboard({
          snapshots: options.snapshots,
          artifacts: options.artifacts,
          to: context.period.end,
          locale:
            options.locale ??
            context.config.recipients[context.request.report]?.[0]?.locale ??
            "en",
          currency: context.config.kpi.currency,
          madeBy: context.runId,
          now: context.now,
        });
        if (!published) return undefined;
        options.onPublished?.(published);
        let url: string | undefined;
        try {
          url = await options.artifacts.link(
            published.pageKey,
            options.linkSeconds ?? DEFAULT_LINK_SECONDS,
          );
        } catch (error) {
          return {
            warnings: [`the dashboard was published, but no link to it: ${message(error)}`],
          };
        }
        return url ? { links: [{ label: LINK_LABEL, url }] } : undefined;
      } catch (error) {
        return {
          warnings: [`the dashboard was not published: ${message(error)}`],
        };
      }
    },
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
