/**
 * Seeds a lake's per-user state as a deployment whose runs kept the rollups since the
 * lake's first day would have it: `user_day` built for every day of a range, then folded
 * into `user_state` (what `opspulse rollup rebuild --only user_day` does).
 */
import { dateRange, type IsoDate } from "../../functions/lib/kpi/windows.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import type { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { DEFAULT_KPI_SETTINGS } from "../../functions/lib/report/modules.ts";
import { refreshRollup, refreshState } from "../../functions/lib/rollups/refresh.ts";
import type { UserStateRefresh } from "../../functions/lib/rollups/user-state.ts";

export async function seedUserState(
  engine: QueryEngine,
  catalog: QueryCatalog,
  from: IsoDate,
  to: IsoDate,
  timeZone: string,
): Promise<UserStateRefresh> {
  const storage = engine.rollups;
  if (!storage) throw new Error("seedUserState needs an engine with rollup storage");
  const context = { engine, catalog, timeZone, settings: DEFAULT_KPI_SETTINGS, now: new Date(0) };
  await refreshRollup(storage, context, "user_day", { from, to });
  return refreshState(storage, context, dateRange(from, to));
}
