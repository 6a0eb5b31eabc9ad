/**
 * The seam between the report pipeline and the KPI modules.
 *
 * A module (users, segments, content, campaigns, efficiency) runs its query files on the
 * engine — as few as possible, ideally one per table — and turns the rows into metric values
 * with pure functions from `functions/lib/kpi/`. The pipeline runs every module that has
 * metrics for the period, then evaluates, stores, renders and delivers.
 */
import type { TableSpec } from "../contract/schema.ts";
import type { ReadWindows } from "../kpi/read-windows.ts";
import type { KpiSettings, MetricValue } from "../kpi/values.ts";
import type { Period } from "../kpi/windows.ts";
import type { QueryEngine, QueryStats } from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";

export {
  amount,
  DEFAULT_KPI_SETTINGS,
  type KpiSettings,
  type MetricValue,
  minSampleFor,
  ratio,
} from "../kpi/values.ts";

/** What a module gets: the engine, the queries, the period and the settings. */
export interface ModuleContext {
  readonly engine: QueryEngine;
  readonly catalog: QueryCatalog;
  readonly period: Period;
  readonly settings: KpiSettings;
  /** The time of the run; injected, never read from the clock here. */
  readonly now: Date;
  /**
   * The instant the data freshness is measured at (default `now`): for a re-run of a past
   * period, that period's scheduled run time, so that the re-run reproduces the value the
   * scheduled run gave instead of reading the clock (`kpi/run-time.ts`).
   */
  readonly asOf?: Date;
  /**
   * Values of the modules that ran before this one in the same run (set by `computeKpis`),
   * so that a module can reuse a value instead of scanning again (efficiency reads `mau`).
   */
  readonly computed?: Readonly<Record<string, MetricValue>>;
}

/** What a module returns. */
export interface ModuleResult {
  /** Values by metric id (ids from the registry). */
  readonly values: Readonly<Record<string, MetricValue>>;
  /** Per-campaign values: campaign id → metric id → value. */
  readonly scoped?: Readonly<Record<string, Readonly<Record<string, MetricValue>>>>;
  /** What people call each scope (campaign id → campaign name); the id when absent. */
  readonly scopeNames?: Readonly<Record<string, string>>;
  /** Tables the report shows beside the metrics (RFM matrix, top content, breakdowns). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Cost of each query run. */
  readonly stats: readonly QueryStats[];
}

/** A logical table of `queries/_sources.yaml`. */
export type LakeTable = TableSpec["name"];

export interface KpiModule {
  readonly id: string;
  readonly periods: readonly Period["kind"][];
  /**
   * The tables the module's queries read. The data-completeness gate marks every metric of
   * the module "data incomplete" when one of these failed it; a module that declares none
   * is taken to read every table (never judged on data the gate found incomplete).
   */
  readonly reads?: readonly LakeTable[];
  /**
   * The local days of the fact tables each metric reads (functions/lib/kpi/read-windows.ts):
   * the completeness gate checks every partition inside them, and a missing or thin one
   * makes only the metrics whose windows cover it "data incomplete". Without it, a module's
   * metrics are taken to read the period's partitions only.
   */
  readWindows?(period: Period): ReadWindows;
  compute(context: ModuleContext): Promise<ModuleResult>;
}
