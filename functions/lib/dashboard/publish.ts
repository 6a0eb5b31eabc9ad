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
import { DASHBOARD_FIRST_LOCALE, dashboardIndexKey } from "./keys.ts";
import { renderDashboardPage } from "./page.ts";

export { DASHBOARD_INDEX_KEY } from "./keys.ts";

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
  /** The page's language; with `locales`, the first page's (its keys carry no locale). */
  readonly locale: Locale;
  /** Every language to publish a page in, with a switch between them; default: `locale`. */
  readonly locales?: readonly Locale[];
  readonly currency: string;
  /** What made the page (a run id): names its file. */
  readonly madeBy: string;
  readonly now: Date;
  /** How long the language switch's links work where links expire (S3, CloudFront). */
  readonly linkSeconds?: number;
}

/** The pages of one language. */
export interface PublishedLocalePage {
  readonly pageKey: string;
  readonly pageLocation: string;
  readonly indexKey: string;
  readonly indexLocation: string;
}

/** What was published. */
export interface PublishedDashboard {
  /** The pages of the first language (`locale`). */
  readonly pageKey: string;
  readonly pageLocation: string;
  readonly indexLocation: string;
  /** Every language's pages. */
  readonly pages: Readonly<Partial<Record<Locale, PublishedLocalePage>>>;
  readonly from: IsoDate;
  readonly to: IsoDate;
  readonly bytes: number;
}

/** The language names the switch shows (each in its own language). */
const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: "English", "zh-CN": "中文" };

/** `pages/<id>.html` and `index.html` for the first language, `….zh-CN.html` for others. */
function keysOf(madeBy: string, locale: Locale, first: Locale) {
  const suffix = locale === first ? "" : `.${locale}`;
  return {
    pageKey: `pages/${madeBy.replaceAll(/[^A-Za-z0-9._-]+/g, "_")}${suffix}.html`,
    indexKey: dashboardIndexKey(locale, first),
  };
}

/**
 * Renders the dashboard in each language and writes each page and its index (one per
 * language, the first under the plain keys); undefined when nothing is stored. Each page
 * links to the same page in the other languages.
 */
export async function publishDashboard(
  input: PublishDashboardInput,
): Promise<PublishedDashboard | undefined> {
  const range = await dashboardRange(input.snapshots, {
    ...(input.from ? { from: input.from } : {}),
    ...(input.to ? { to: input.to } : {}),
  });
  if (!range) return undefined;
  const data = await loadDashboardData(input.snapshots, range);
  const locales = [...new Set([input.locale, ...(input.locales ?? [])])];
  const keys = new Map(
    locales.map((locale) => [locale, keysOf(input.madeBy, locale, input.locale)]),
  );
  const seconds = input.linkSeconds ?? DEFAULT_LINK_SECONDS;
  // The switch of a page: the latest page (index) of each other language, by a link of the
  // store (a file: URL locally, a signed URL in AWS), so that the page and the index are the
  // same document.
  const alternates =
    locales.length > 1
      ? await Promise.all(
          locales.map(async (other) => ({
            locale: other,
            label: LOCALE_NAMES[other],
            href: (await input.artifacts.link(keys.get(other)?.indexKey ?? "", seconds)) ?? "",
          })),
        )
      : undefined;
  const pages: Partial<Record<Locale, PublishedLocalePage>> = {};
  let bytes = 0;
  for (const locale of locales) {
    const { pageKey, indexKey } = keys.get(locale) ?? keysOf(input.madeBy, locale, input.locale);
    const html = await renderDashboardPage(data, {
      locale,
      currency: input.currency,
      generatedAt: input.now,
      madeBy: input.madeBy,
      ...(alternates
        ? { alternates: alternates.map((a) => (a.locale === locale ? { ...a, href: "" } : a)) }
        : {}),
    });
    const page = await input.artifacts.put(pageKey, html, HTML);
    const index = await input.artifacts.put(indexKey, html, HTML);
    pages[locale] = {
      pageKey,
      pageLocation: page.location,
      indexKey,
      indexLocation: index.location,
    };
    if (locale === input.locale) bytes = Buffer.byteLength(html);
  }
  const first = pages[input.locale] as PublishedLocalePage;
  return {
    pageKey: first.pageKey,
    pageLocation: first.pageLocation,
    indexLocation: first.indexLocation,
    pages,
    ...range,
    bytes,
  };
}

/** Options of the dashboard hook. */
export interface DashboardHookOptions {
  readonly snapshots: SnapshotStore;
  readonly artifacts: ArtifactStore;
  /** The first language (its pages have the plain keys); default English. */
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
      const seconds = options.linkSeconds ?? DEFAULT_LINK_SECONDS;
      try {
        // A page in every language a recipient list reads (English first: the plain keys).
        const listLocales = Object.values(context.config.recipients).flatMap((lists) =>
          (lists ?? []).map((list) => list.locale),
        );
        const locales = [...new Set<Locale>([DASHBOARD_FIRST_LOCALE, ...listLocales])];
        const published = await publishDashboard({
          snapshots: options.snapshots,
          artifacts: options.artifacts,
          to: context.period.end,
          locale: options.locale ?? DASHBOARD_FIRST_LOCALE,
          locales,
          currency: context.config.kpi.currency,
          madeBy: context.runId,
          now: context.now,
          linkSeconds: seconds,
        });
        if (!published) return undefined;
        options.onPublished?.(published);
        const urls: Partial<Record<Locale, string>> = {};
        try {
          for (const [locale, page] of Object.entries(published.pages)) {
            const url = page ? await options.artifacts.link(page.pageKey, seconds) : undefined;
            if (url) urls[locale as Locale] = url;
          }
        } catch (error) {
          return {
            warnings: [`the dashboard was published, but no link to it: ${message(error)}`],
          };
        }
        const url =
          urls[published.pages.en ? "en" : (locales[0] ?? "en")] ?? Object.values(urls)[0];
        return url ? { links: [{ label: LINK_LABEL, url, urls }] } : undefined;
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
