/**
 * The "why" of an alert: the breakdown the registry declares for its metric (`breakdownsOf`),
 * drawn from what the run can afford — activity or orders by channel (one query,
 * `queries/alert_breakdown.sql`, run once per run whatever the number of alerts), the cost
 * components of the ops cost ratio (from the snapshots' details, no query). A metric whose
 * breakdowns none of these can draw gets no breakdown, never an unrelated one.
 */
import {
  type ChannelActivity,
  measureFor,
  queryChannelActivity,
  rankChannels,
} from "../alerts/breakdown.ts";
import { ALERT_STRINGS } from "../alerts/strings.ts";
import { isDeadlineExceeded } from "../deadline.ts";
import type { AlertNotification } from "../kpi/alerts.ts";
import { DEFAULT_DRIVER_OPTIONS, type Driver } from "../kpi/drivers.ts";
import { type Breakdown, breakdownsOf, type Locale } from "../kpi/registry.ts";
import type { Period } from "../kpi/windows.ts";
import type { QueryEngine, QueryStats } from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import { driverText, valueFormatter } from "../report/email/i18n.ts";
import { streakKey } from "./policy.ts";
import type { NoticeDriver } from "./ports.ts";

const BY_CHANNEL: Readonly<Record<Locale, { activity: string; orders: string }>> = {
  en: { activity: "by channel", orders: "orders by channel" },
  "zh-CN": { activity: "分渠道", orders: "分渠道订单" },
};

/** The breakdowns this module can draw. */
const DRAWN: readonly Breakdown[] = ["channel", "order_channel", "cost_component"];

/** The cost parts of the ops cost ratio in a snapshot's details (`details.efficiency.costs`). */
interface CostParts {
  readonly campaigns: number;
  readonly content: number;
  readonly team: number;
}

/** What the drivers are drawn from. */
export interface DriverSources {
  readonly engine: QueryEngine;
  readonly catalog: QueryCatalog;
  readonly period: Period;
  /** The run's details and the previous period's (cost components). */
  readonly details: Readonly<Record<string, unknown>>;
  readonly previousDetails?: Readonly<Record<string, unknown>>;
}

/** The breakdown an alert of `metricId` shows, if any can be drawn. */
export function driverBreakdown(metricId: string): Breakdown | undefined {
  return breakdownsOf(metricId).find((b) => DRAWN.includes(b));
}

/**
 * The driver of each start and reminder, by `metric/scope`, in `locale`. A failed query
 * leaves the alerts without their channel breakdown rather than unsent.
 */
export async function explainAlerts(
  notifications: readonly AlertNotification[],
  sources: DriverSources,
  locale: Locale,
  currency: string,
  stats: QueryStats[],
): Promise<Map<string, NoticeDriver>> {
  const drivers = new Map<string, NoticeDriver>();
  let activity: ChannelActivity[] | null | undefined;
  for (const n of notifications) {
    if (n.kind !== "start" && n.kind !== "reminder") continue;
    const breakdown = driverBreakdown(n.metric);
    if (!breakdown) continue;
    if (breakdown === "cost_component") {
      const driver = costDriver(sources, locale, currency);
      if (driver) drivers.set(streakKey(n.metric, n.scope), driver);
      continue;
    }
    if (activity === undefined) {
      try {
        const result = await queryChannelActivity(sources.engine, sources.catalog, sources.period);
        stats.push(result.stats);
        activity = result.rows;
      } catch (error) {
        // Past the run's deadline nothing more is sent: the claim is released and the run
        // fails with one failure notice, so that a re-run sends the message whole.
        if (isDeadlineExceeded(error)) throw error;
        activity = null; // the message goes out without this breakdown rather than not at all
      }
    }
    if (activity)
      drivers.set(
        streakKey(n.metric, n.scope),
        channelDriver(activity, n.metric, breakdown, locale, currency),
      );
  }
  return drivers;
}

function channelDriver(
  activity: readonly ChannelActivity[],
  metricId: string,
  breakdown: Breakdown,
  locale: Locale,
  currency: string,
): NoticeDriver {
  const measure = measureFor(metricId);
  const ranked = rankChannels(activity, measure);
  const format = valueFormatter(locale, currency);
  const show = (v: number) => (measure === "gmv" ? format.value("money", v) : format.number(v));
  return {
    dimension: breakdown,
    title: `${ALERT_STRINGS[locale].measures[measure]} · ${BY_CHANNEL[locale][breakdown === "order_channel" ? "orders" : "activity"]}`,
    rows: ranked.channels.slice(0, 3).map((c) => ({
      name: c.channel,
      value: c.current,
      previous: c.previous,
      change: c.change,
      text: `${c.channel} ${show(c.previous)} → ${show(c.current)}${c.relative === null ? "" : ` (${format.signedPercent(c.relative)})`}`,
    })),
  };
}

function costDriver(
  sources: DriverSources,
  locale: Locale,
  currency: string,
): NoticeDriver | undefined {
  const now = costParts(sources.details);
  if (!now) return undefined;
  const before = sources.previousDetails ? costParts(sources.previousDetails) : undefined;
  const format = valueFormatter(locale, currency);
  const rows = (["campaigns", "content", "team"] as const).map((part) => {
    const previous = before ? before[part] : null;
    const change = previous === null ? null : now[part] - previous;
    return {
      name: part,
      value: now[part],
      previous,
      change,
      text: `${part} ${previous === null ? "" : `${format.value("money", previous)} → `}${format.value("money", now[part])}`,
    };
  });
  rows.sort((a, b) => Math.abs(b.change ?? b.value) - Math.abs(a.change ?? a.value));
  return {
    dimension: "cost_component",
    title: locale === "en" ? "Operations cost by component" : "运营成本构成",
    rows,
  };
}

function costParts(details: Readonly<Record<string, unknown>>): CostParts | undefined {
  const costs = (details.efficiency as { costs?: Partial<CostParts> } | undefined)?.costs;
  if (
    !costs ||
    typeof costs.campaigns !== "number" ||
    typeof costs.content !== "number" ||
    typeof costs.team !== "number"
  ) {
    return undefined;
  }
  return { campaigns: costs.campaigns, content: costs.content, team: costs.team };
}

const ADTRIBUTOR_TITLE: Readonly<Record<Locale, string>> = {
  en: "What drove it",
  "zh-CN": "主要影响因素",
};

/**
 * The run's own drivers of each flagged metric (Adtributor over the registry's dimensions,
 * stored in the snapshot, `kpi/drivers.ts`) as the alert's driver, by `metric/scope`: they
 * replace the channel breakdown for the metrics that have them.
 */
export function snapshotDrivers(
  drivers: Readonly<Record<string, readonly Driver[]>> | undefined,
  locale: Locale,
  currency: string,
): Map<string, NoticeDriver> {
  const format = valueFormatter(locale, currency);
  const found = new Map<string, NoticeDriver>();
  for (const [metricId, list] of Object.entries(drivers ?? {})) {
    const top = list.slice(0, DEFAULT_DRIVER_OPTIONS.limit);
    if (top.length === 0) continue;
    found.set(streakKey(metricId), {
      dimension: "drivers",
      title: ADTRIBUTOR_TITLE[locale],
      rows: top.map((d) => ({
        name: `${d.dimension}=${d.element}`,
        value: d.actual,
        previous: d.forecast,
        change: d.actual - d.forecast,
        text: driverText(d, locale, format),
      })),
    });
  }
  return found;
}
