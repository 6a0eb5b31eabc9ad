-- Order quality day rollup: the data-quality counts of efficiency_orders.sql for each
-- report-zone local day, so that the efficiency module of a period already over reads them
-- (efficiency_orders_days.sql) instead of the period's raw orders.
--
-- Grain: one row per local day of :cal with order records (order_time in the day), and per
-- updated_at at or after the day's end held by some of them (late updates, refunds, device
-- clocks a year ahead): the null row holds the records updated within the day or before (or
-- without updated_at), which no run after the day's end finds in the future; the others keep
-- their exact updated_at, so a reader compares it with its run's time (`future`).
--
-- The counts are those of efficiency_orders.sql over a period that is one local day, for a
-- run after the day's end (a period not over is read raw): a record is a duplicate when it
-- repeats the (order_id, updated_at) of another; a key passes when one of its copies is
-- otherwise valid (a user, a known status, no negative paid amount, an updated_at not after
-- the run). Every copy of a key shares its updated_at (a key) and order_time (at-least-once
-- delivery repeats the record), so the rows' counts add up to a period's.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param orders_dts varchar_list every dt partition of orders those days overlap
-- @param order_statuses varchar_list the known order statuses of the data contract
-- @partitions orders :orders_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   late_updated_at    the records' updated_at when at or after the day's end, else null
--   records, passing_keys   the records, the (order_id, updated_at) keys passing
--   missing_id, null_user, negative_amount, unknown_status, duplicate   failures by reason
--   local_date         the local day, YYYY-MM-DD (the partition)

with

day_orders as (
  select
    cal.local_date,
    cal.day_end,
    o.order_id,
    o.user_id,
    o.updated_at,
    o.amount,
    o.status
  from orders as o
  join :cal as cal (local_date, dt, day_start, day_end)
    on o.dt = cal.dt
  where o.dt in :orders_dts
    and o.order_time >= cal.day_start
    and o.order_time < cal.day_end
),

record_keys as (
  select
    local_date,
    order_id,
    updated_at,
    case when updated_at >= max(day_end) then updated_at end as late_updated_at,
    count(*) as records,
    count(case when user_id is null then 1 end) as null_user,
    count(case when status = 'paid' and amount < 0 then 1 end) as negative_amount,
    count(case when status is null or status not in :order_statuses then 1 end)
      as unknown_status,
    max(case
      when user_id is not null
        and not (status = 'paid' and amount < 0)
        and status in :order_statuses
        and updated_at is not null then 1
      else 0
    end) as has_valid_record
  from day_orders
  group by local_date, order_id, updated_at
),

final as (
  select
    late_updated_at,
    cast(sum(records) as bigint) as records,
    count(case when order_id is not null and has_valid_record = 1 then 1 end) as passing_keys,
    cast(sum(case when order_id is null then records else 0 end) as bigint) as missing_id,
    cast(sum(null_user) as bigint) as null_user,
    cast(sum(negative_amount) as bigint) as negative_amount,
    cast(sum(unknown_status) as bigint) as unknown_status,
    cast(sum(case when order_id is not null and records > 1 then records - 1 else 0 end) as bigint)
      as duplicate,
    cast(local_date as varchar) as local_date
  from record_keys
  group by local_date, late_updated_at
)

select * from final
