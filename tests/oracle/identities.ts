/**
 * The identity map as shared/kpi-spec.md ("Identity") states it, for the oracles: "A
 * record's id maps to the person whose mapping was valid at the record's own time
 * (`event_time`, `order_time`); an id with no valid mapping is its own person", each mapping
 * valid from `valid_from` (inclusive) to `valid_to` (exclusive; open when null).
 *
 * The oracles apply it to the rows before computing anything, so every user-level
 * definition counts persons. Shares no code with the SQL or functions/lib.
 */

export type OracleIdentity = {
  readonly source: string;
  readonly source_user_id: string;
  readonly user_id: string;
  readonly valid_from: Date;
  readonly valid_to: Date | null;
};

/** The person `id` stands for at `time` (itself when no mapping holds then). */
export function personAt(
  identities: readonly OracleIdentity[],
  id: string | null,
  time: Date,
): string | null {
  if (id === null) return null;
  for (const mapping of identities) {
    if (mapping.source_user_id !== id) continue;
    if (time.getTime() < mapping.valid_from.getTime()) continue;
    if (mapping.valid_to !== null && time.getTime() >= mapping.valid_to.getTime()) continue;
    return mapping.user_id;
  }
  return id;
}

/** Events with `user_id` replaced by the person at their `event_time`. */
export function mapEvents<T extends { readonly user_id: string | null; readonly event_time: Date }>(
  events: readonly T[],
  identities: readonly OracleIdentity[],
): T[] {
  return events.map((event) => ({
    ...event,
    user_id: personAt(identities, event.user_id, event.event_time),
  }));
}

/** Order records with `user_id` replaced by the person at their `order_time`. */
export function mapOrders<T extends { readonly user_id: string | null; readonly order_time: Date }>(
  orders: readonly T[],
  identities: readonly OracleIdentity[],
): T[] {
  return orders.map((order) => ({
    ...order,
    user_id: personAt(identities, order.user_id, order.order_time),
  }));
}
