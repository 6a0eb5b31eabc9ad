/**
 * The pulse tests' lakes, generated once and cached in the temp folder (keyed by their
 * options), so that the test files sharing one do not generate it twice: a plain sample
 * lake, and the same lake with the app channel's events stopped from 10:00 to 13:00 local
 * on its incident day (lake/incidents.ts `channel_events_stop`).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateIncidentLake } from "../../functions/lib/lake/incident-lake.ts";
import type { PlannedIncident } from "../../functions/lib/lake/incidents.ts";

export const PULSE_LAKE = { seed: 17, days: 60, endDate: "2026-03-10", users: 3000 } as const;
/** The incident day of the stall lake (a Tuesday), 10:00–13:00 local in Asia/Shanghai. */
export const STALL_DAY = "2026-03-10";

/** A cached lake: generated on first use (atomically: built aside, then renamed). */
export async function cachedPulseLake(kind: "plain" | "stall"): Promise<string> {
  const planned: PlannedIncident[] =
    kind === "stall" ? [{ kind: "channel_events_stop", start: STALL_DAY }] : [];
  const key = `opspulse-pulse-lake-v1-${kind}-${PULSE_LAKE.seed}-${PULSE_LAKE.days}-${PULSE_LAKE.endDate}-${PULSE_LAKE.users}`;
  const dir = join(tmpdir(), key);
  if (existsSync(join(dir, "events"))) return dir;
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  await generateIncidentLake(
    { ...PULSE_LAKE, lakeDir: building },
    kind === "stall" ? { planned, cleanStartDays: 0, cleanEndDays: 0 } : undefined,
  );
  try {
    renameSync(building, dir);
  } catch {
    // Another test file built it meanwhile: use theirs.
    rmSync(building, { recursive: true, force: true });
  }
  return dir;
}
