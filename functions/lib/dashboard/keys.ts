/**
 * Where the published dashboard's index pages live: `index.html` for the first language,
 * `index.<locale>.html` for the others. Apart from the publisher so that a function that
 * only links to the dashboard (the chat reply) does not carry its renderer.
 */
import type { Locale } from "../kpi/registry.ts";

/** Key of the latest page. */
export const DASHBOARD_INDEX_KEY = "index.html";

/** The first language of the dashboard the report runs publish (others get a suffix). */
export const DASHBOARD_FIRST_LOCALE: Locale = "en";

/** The index key of `locale` in a dashboard whose first language is `first`. */
export function dashboardIndexKey(locale: Locale, first: Locale = DASHBOARD_FIRST_LOCALE): string {
  return locale === first ? DASHBOARD_INDEX_KEY : `index.${locale}.html`;
}
