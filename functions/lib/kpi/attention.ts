/**
 * The contract's one "needs attention" order (kpi-spec "Needs attention order"), the same in
 * emails, alerts, chat and the dashboard: new before ongoing; then breach, anomaly,
 * warning; then by distance — from the target as a share of the target for breaches and
 * warnings, in band widths for anomalies — largest first. An ended campaign appears only on
 * its final-snapshot day. Pure.
 */

/** What the order reads of an item. */
export interface AttentionFacts {
  /** `breach`, `anomaly` or `warning` need attention; any other status does not. */
  readonly status: string;
  /** First breached period today ("new today"); false for an ongoing streak. */
  readonly isNew: boolean;
  /** The number compared with the target, and the target (breaches and warnings). */
  readonly measured?: number | null;
  readonly threshold?: number | null;
  /** For anomalies: how far outside the expected band, in band widths. */
  readonly bandWidths?: number | null;
  /**
   * For a campaign's metric: whether the campaign has ended, and whether this is its final
   * snapshot. An ended campaign needs attention only in its final snapshot.
   */
  readonly campaign?: { readonly ended: boolean; readonly final: boolean };
  /** Tie-breaker, for a stable order (metric id and scope). */
  readonly id?: string;
}

const SEVERITY_RANK: Readonly<Record<string, number>> = { breach: 0, anomaly: 1, warning: 2 };

/** Whether an item belongs in "needs attention" at all. */
export function needsAttention(facts: AttentionFacts): boolean {
  if (!(facts.status in SEVERITY_RANK)) return false;
  if (facts.campaign?.ended && !facts.campaign.final) return false;
  return true;
}

/**
 * How far an item is from where it should be: |measured − target| / |target| for breaches
 * and warnings (0 when unknown, or when the target is 0), band widths for anomalies.
 */
export function attentionDistance(facts: AttentionFacts): number {
  if (facts.status === "anomaly") return Math.abs(facts.bandWidths ?? 0);
  return targetDistance(facts.measured, facts.threshold) ?? 0;
}

/** |measured − target| / |target|; null when either is unknown or the target is 0. */
export function targetDistance(
  measured: number | null | undefined,
  threshold: number | null | undefined,
): number | null {
  if (measured === null || measured === undefined || threshold === null || threshold === undefined)
    return null;
  if (threshold === 0 || !Number.isFinite(measured) || !Number.isFinite(threshold)) return null;
  return Math.abs(measured - threshold) / Math.abs(threshold);
}

/** Compares two items in the contract's order (negative: `a` first). */
export function compareAttention(a: AttentionFacts, b: AttentionFacts): number {
  return (
    Number(b.isNew) - Number(a.isNew) ||
    (SEVERITY_RANK[a.status] ?? 9) - (SEVERITY_RANK[b.status] ?? 9) ||
    attentionDistance(b) - attentionDistance(a) ||
    (a.id ?? "").localeCompare(b.id ?? "")
  );
}

/** The items that need attention, in the contract's order. */
export function orderNeedsAttention<T>(
  items: readonly T[],
  factsOf: (item: T) => AttentionFacts,
): T[] {
  return items
    .map((item) => ({ item, facts: factsOf(item) }))
    .filter(({ facts }) => needsAttention(facts))
    .sort((a, b) => compareAttention(a.facts, b.facts))
    .map(({ item }) => item);
}
