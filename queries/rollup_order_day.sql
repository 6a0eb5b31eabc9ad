-- Order rollup: the final record of each order, by the report-zone local day it was placed.
--
-- Grain: one row per order_id and local day of :cal holding a valid record of it; the row
-- is the order's latest record (queries/_fragments/latest_order_records.sql, the one place
-- that rule lives), so `status` is the order's final status, and a paid order is a row with
-- `status = 'paid'` and a non-negative amount. Records of one order carry its order_time,
-- so they share a dt partition: a late refund of an order placed days ago lands in that
-- day's partition, changes its fingerprint, and the next run rebuilds that day
-- (functions/lib/rollups/refresh.ts). So an order has one row, in the local day of its
-- order_time (docs/data-contract.md), and a reader over any days takes the rows as they
-- are, with the paid-order rule's verdict in `is_paid`: ranking every order of a 90-day
-- window again cost the daily user KPIs 0.3 s on the bench lake. Records without an order id, user,
-- status or updated_at never reach it; a refund or cancellation with a negative amount does
-- (many sources record refunds so), and so does a paid record with a negative amount (an
-- invalid one: no reader counts it as paid; data quality counts it).
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param orders_dts varchar_list every dt partition of orders those days overlap
-- @partitions orders :orders_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   order_id, user_id, order_time, updated_at, amount, currency, status, channel,
--   campaign_id, content_id   of the order's final record
--   is_paid                   1: a paid order (the latest record is a valid paid one), else 0
--   records                   valid records of the order that day (duplicates and updates)
--   local_date                the local day of order_time, YYYY-MM-DD (the partition)

with

-- @include mapped_orders

-- Every record of the days with its local day; the output columns are named once, in final.
order_records as (
  select
    o.*,
    cal.local_date,
    cal.local_date as order_scope
  from mapped_orders as o
  join :cal as cal (local_date, dt, day_start, day_end)
    on o.dt = cal.dt
  where o.dt in :orders_dts
    and o.order_time >= cal.day_start
    and o.order_time < cal.day_end
),

-- @include latest_order_records

record_counts as (
  select
    local_date,
    order_id,
    count(*) as records
  from valid_order_records_ranked
  group by local_date, order_id
),

final as (
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
    cast(o.is_paid as bigint) as is_paid,
    c.records,
    cast(o.local_date as varchar) as local_date
  from latest_order_records as o
  join record_counts as c
    on o.local_date = c.local_date
    and o.order_id = c.order_id
)

select * from final
