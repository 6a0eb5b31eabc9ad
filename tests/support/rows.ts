/**
 * Rows of the data contract (`functions/lib/contract/schema.ts`) for hand-written fixture
 * lakes: each builder takes what a test is about and fills every other column with a
 * neutral default, typed as the contract's row so that a misspelt column or value fails to
 * compile. A test that needs a row breaking the contract spreads one and overrides the
 * column: `{ ...order("o1", at, "1.00"), amount: "-1.00" }`.
 */
import type { ContentRow, EventRow, OrderRow } from "../../functions/lib/contract/schema.ts";

/** An instant as an ISO 8601 string (`2026-03-01T16:00:00Z`) or a Date. */
export type Instant = string | Date;

function instant(at: Instant): Date {
  return at instanceof Date ? at : new Date(at);
}

/** An event of `user` at `at`: a page view in the app unless `fields` say otherwise. */
export function event(
  id: string,
  at: Instant,
  user: string,
  fields: Partial<EventRow> = {},
): EventRow {
  return {
    event_id: id,
    event_time: instant(at),
    user_id: user,
    event_type: "page_view",
    channel: "app",
    content_id: null,
    campaign_id: null,
    referrer_user_id: null,
    automated: null,
    ...fields,
  };
}

/** An order record placed at `at`: paid by `u1` in CNY, updated when placed, no channel. */
export function order(
  id: string,
  at: Instant,
  amount: string,
  fields: Omit<Partial<OrderRow>, "updated_at"> & { readonly updated_at?: Instant } = {},
): OrderRow {
  const { updated_at: updatedAt, ...rest } = fields;
  return {
    order_id: id,
    user_id: "u1",
    order_time: instant(at),
    updated_at: instant(updatedAt ?? at),
    amount,
    currency: "CNY",
    status: "paid",
    channel: null,
    campaign_id: null,
    content_id: null,
    ...rest,
  };
}

/** A content item published at `at`: an article in the app without a production cost. */
export function content(id: string, at: Instant, fields: Partial<ContentRow> = {}): ContentRow {
  return {
    id,
    title: `Item ${id}`,
    format: "article",
    channel: "app",
    published_at: instant(at),
    production_cost: null,
    ...fields,
  };
}
