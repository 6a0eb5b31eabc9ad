-- Fragment: the raw order records with `user_id` mapped to the person by the record's
-- `order_time` (shared/kpi-spec.md, "Identity"; the same rule as mapped_events.sql: the
-- mapping valid at that instant, an unmapped id is its own person). The order rollup builds
-- read this instead of `orders`, so the mapping is applied once, where rollups are built.
-- The including query declares :orders_dts (varchar_list) and scopes orders by it.
--
-- Defines:
--   mapped_orders   every column of `orders`, user_id mapped, plus source_user_id and
--                   is_mapped (1: a mapping row matched)

mapped_orders as (
  select
    o.order_id,
    coalesce(i.user_id, o.user_id) as user_id,
    o.order_time,
    o.updated_at,
    o.amount,
    o.currency,
    o.status,
    o.channel,
    o.campaign_id,
    o.content_id,
    o.dt,
    o.user_id as source_user_id,
    case when i.user_id is null then 0 else 1 end as is_mapped
  from orders as o
  -- Only rows that can match; the filter keeps the map the hashed side (mapped_events.sql).
  left join (select * from identities where source_user_id is not null) as i
    on i.source_user_id = o.user_id
    and o.order_time >= i.valid_from
    -- coalesce, not "valid_to is null or …": an OR turns the hash join into a nested loop.
    and o.order_time < coalesce(i.valid_to, timestamp '9999-12-31 00:00:00')
  where o.dt in :orders_dts
),
