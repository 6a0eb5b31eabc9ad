/**
 * Runs the KPI modules of a period and merges what they return.
 */
import type { TableDays } from "../kpi/read-windows.ts";
import type { QueryStats } from "../ports.ts";
import { ALL_MODULES } from "./modules/index.ts";
import type { KpiModule, LakeTable, MetricValue, ModuleContext } from "./modules.ts";

export interface ComputedKpis {
  readonly values: Readonly<Record<string, MetricValue>>;
  readonly scoped: Readonly<Record<string, Readonly<Record<string, MetricValue>>>>;
  /** Display names of scopes (campaign id → campaign name), from the modules. */
  readonly scopeNames: Readonly<Record<string, string>>;
  /**
   * The tables each metric id was computed from (its module's `reads`); absent when the
   * module declared none.
   */
  readonly inputs: Readonly<Record<string, readonly LakeTable[]>>;
  /**
   * The local days of the fact tables each metric id reads (its module's `readWindows`);
   * absent when the module declared none.
   */
  readonly windows: Readonly<Record<string, TableDays>>;
  readonly details: Readonly<Record<string, unknown>>;
  readonly stats: readonly QueryStats[];
}

/** Runs every module that reports for the period's kind, one after the other. */
export async function computeKpis(
  context: ModuleContext,
  modules: readonly KpiModule[] = ALL_MODULES,
): Promise<ComputedKpis> {
  const values: Record<string, MetricValue> = {};
  const scoped: Record<string, Record<string, MetricValue>> = {};
  const scopeNames: Record<string, string> = {};
  const inputs: Record<string, readonly LakeTable[]> = {};
  const windows: Record<string, TableDays> = {};
  const details: Record<string, unknown> = {};
  const stats: QueryStats[] = [];
  for (const module of modules) {
    if (!module.periods.includes(context.period.kind)) continue;
    const result = await module.compute({ ...context, computed: { ...values } });
    Object.assign(values, result.values);
    for (const [scope, scopeValues] of Object.entries(result.scoped ?? {})) {
      scoped[scope] = { ...scoped[scope], ...scopeValues };
    }
    Object.assign(scopeNames, result.scopeNames);
    if (module.reads) {
      const ids = [
        ...Object.keys(result.values),
        ...Object.values(result.scoped ?? {}).flatMap((v) => Object.keys(v)),
      ];
      for (const id of ids) inputs[id] = module.reads;
    }
    const declared = module.readWindows?.(context.period);
    if (declared) {
      const ids = [
        ...Object.keys(result.values),
        ...Object.values(result.scoped ?? {}).flatMap((v) => Object.keys(v)),
      ];
      for (const id of ids) {
        const days = declared.metrics?.[id] ?? declared.all;
        if (days) windows[id] = days;
      }
    }
    Object.assign(details, result.details);
    stats.push(...result.stats);
  }
  return { values, scoped, scopeNames, inputs, windows, details, stats };
}
