/**
 * A metric's current breach streak read from its stored statuses: the first breached period
 * of the run of breaches that ends with the latest period, and its length. Periods that are
 * not judged (insufficient data, no target, tracking, data incomplete, or no snapshot)
 * neither count nor break the streak, as in the alert state machine. Pure.
 */

const UNJUDGED = new Set(["insufficient_data", "no_target", "tracking", "data_incomplete"]);

/** The trailing breach streak of `points` (oldest first); undefined when the last judged is not a breach. */
export function trailingBreachStreak(
  points: readonly { readonly periodKey: string; readonly status: string | null }[],
): { readonly start: string; readonly length: number } | undefined {
  let start: string | undefined;
  let length = 0;
  for (let i = points.length - 1; i >= 0; i--) {
    const point = points[i];
    if (!point || point.status === null || UNJUDGED.has(point.status)) continue;
    if (point.status !== "breach") break;
    start = point.periodKey;
    length++;
  }
  return start ? { start, length } : undefined;
}
