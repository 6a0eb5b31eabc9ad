-- Order rollup: the final record of each order, by the report-zone local day it was placed.
--
-- Grain: one row per order_id and local day of :cal holding a record of it; the record is
-- the order's latest (by updated_at; on a tie a non-paid record wins, then the smaller
-- amount), so `status` is the order's final status and a paid order is a row with 'paid'.
-- Records of one order carry its order_time, so they share a dt partition: a late refund of
-- an order placed days ago lands in that day's partition, changes its fingerprint, and the
-- next run rebuilds that day (functions/lib/rollups/refresh.ts). Readers that span several
-- days still take the latest row per order_id, which costs nothing and keeps them right
-- should an order's records disagree on its order_time. Records that fail validation are
-- left out before the latest is chosen, as in every KPI query: no order id, no user, or a
-- negative amount.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param orders_dts varchar_list every dt partition of orders those days overlap
-- @partitions orders :orders_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   order_id, user_id, order_time, updated_at, amount, currency, status, channel,
--   campaign_id, content_id   of the order's final record
--   records                   records of the order that day (duplicates and updates)
--   local_date                the local day of order_time, YYYY-MM-DD (the partition)

with

order_records as (
  select
    o.order_id,
    o.user_id,
    o.order_time,
    o.updated_at,
    o.amount,
    o.currency,
    o.status,
    o.channel,
    o.campaign_id,
    o.content_id,
    cal.local_date
  from orders as o
  join :cal as cal (local_date, dt, day_start, day_end)
    on o.dt = cal.dt
  where o.dt in :orders_dts
    and o.order_time >= cal.day_start
    and o.order_time < cal.day_end
    and o.order_id is not null
    and o.user_id is not null
    and o.amount >= 0
),

order_records_latest_first as (
  select
    order_id,
    user_id,
    order_time,
    updated_at,
    amount,
    currency,
    status,
    channel,
    campaign_id,
    content_id,
    local_date,
    count(*) over (partition by local_date, order_id) as records,
    row_number() over (
      partition by local_date, order_id
      order by updated_at desc, case when status = 'paid' then 1 else 0 end, amount
    ) as recency_rank
  from order_records
),

final as (
  select
    order_id,
    user_id,
    order_time,
    updated_at,
    amount,
    currency,
    status,
    channel,
    campaign_id,
    content_id,
    records,
    cast(local_date as varchar) as local_date
  from order_records_latest_first
  where recency_rank = 1
)

select * from final
