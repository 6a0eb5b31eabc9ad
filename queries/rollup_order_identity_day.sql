-- Order identity day rollup: per report-zone local day, the paid orders placed that day and
-- those whose buyer id the identity map resolved at the order's time, so that identity
-- coverage (identity_coverage_days.sql) reads the period's days of it instead of the
-- period's raw orders.
--
-- Grain: one row per local day of :cal with valid order records. Paid order: the latest
-- valid record of the order among the day's (queries/_fragments/latest_order_records.sql)
-- is paid; mapped: that record's id had a mapping valid at order_time
-- (queries/_fragments/mapped_orders.sql). Records of one order carry its order_time, so
-- they share its local day, and the days' counts add up to a period's.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param orders_dts varchar_list every dt partition of orders those days overlap
-- @partitions orders :orders_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   paid_orders          paid orders placed that day
--   mapped_paid_orders   of those, the orders whose buyer id was mapped at order_time
--   local_date           the local day, YYYY-MM-DD (the partition)

with

-- @include mapped_orders

order_records as (
  select
    o.order_id,
    o.user_id,
    o.status,
    o.updated_at,
    o.amount,
    o.is_mapped,
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

final as (
  select
    count(case when is_paid = 1 then 1 end) as paid_orders,
    count(case when is_paid = 1 and is_mapped = 1 then 1 end) as mapped_paid_orders,
    cast(local_date as varchar) as local_date
  from latest_order_records
  group by local_date
)

select * from final
