/**
 * What the pulse adds to the daily report runs, as `afterSnapshot` hooks:
 *
 * - the hourly rollups (`event_hour`, `order_hour`) of the report's day are built with the
 *   run's other rollups, so the pulses of the weeks after find their baseline days ready
 *   (a pulse builds a missing or stale baseline day itself too);
 * - "yesterday's stalls": the stalls the day's pulses raised, as a notice in every email.
 */
import { sameZone } from "../kpi/windows.ts";
import type { QueryEngine, QueryStats } from "../ports.ts";
import type { QueryCatalog } from "../query/catalog.ts";
import type { AfterSnapshotHook } from "../report/run-hooks.ts";
import { refreshRollup } from "../rollups/refresh.ts";
import type { PulseStore } from "./store.ts";
import { createYesterdayStallsHook } from "./yesterday-stalls.ts";

/** Builds the report day's hourly rollups (with rollup storage, in the lake's own zone). */
export function createHourlyRollupsHook(deps: {
  readonly engine: QueryEngine;
  readonly catalog: QueryCatalog;
}): AfterSnapshotHook {
  return {
    name: "hourly-rollups",
    async run(context) {
      const storage = deps.engine.rollups;
      if (
        !storage ||
        context.dryRun ||
        context.period.kind !== "day" ||
        !sameZone(context.period.timeZone, context.config.timeZone)
      ) {
        return undefined;
      }
      const stats: QueryStats[] = [];
      for (const rollup of ["event_hour", "order_hour"] as const) {
        const refresh = await refreshRollup(
          storage,
          {
            engine: deps.engine,
            catalog: deps.catalog,
            timeZone: context.config.timeZone,
            settings: context.config.kpi,
            now: context.now,
          },
          rollup,
          { from: context.period.start, to: context.period.end },
        );
        stats.push(...refresh.stats);
      }
      return { stats };
    },
  };
}

/** The pulse's hooks of a daily report run. */
export function pulseReportHooks(deps: {
  readonly engine: QueryEngine;
  readonly catalog: QueryCatalog;
  readonly pulses: PulseStore;
}): AfterSnapshotHook[] {
  return [createHourlyRollupsHook(deps), createYesterdayStallsHook(deps.pulses)];
}
