-- Order profile rollup: how many order records landed in each UTC quarter-hour of each
-- report-zone local day (by order_time), and the newest of them. The data-completeness gate
-- compares the same hours of past weeks from it instead of reading those weeks' raw orders.
--
-- Grain: one row per local day of :cal, dt partition and UTC quarter-hour (bucket_start)
-- holding order records of the day; plus, per dt partition, one row with a null
-- bucket_start for its records whose order_time is missing or not on the partition's UTC
-- date (filed under the local day that holds the partition's first instant), so that the
-- rows of a partition add up to its record count over the local days it overlaps.
--
-- Every record counts (invalid ones, duplicates and updates too: the gate counts what
-- landed). See rollup_event_profile.sql for why quarter-hours suffice.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param orders_dts varchar_list every dt partition of orders those days overlap
-- @partitions orders :orders_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   dt             the raw partition of the records, YYYY-MM-DD
--   bucket_start   the UTC quarter-hour their order_time is in (null: see the grain)
--   records        order records
--   newest_time    newest order_time among them
--   local_date     the local day, YYYY-MM-DD (the partition)

with

-- Where each record is counted: at its time when that is on the partition's UTC date, else
-- (a stray) at the partition's first instant. One placement time, so the calendar join is an
-- equality on dt and a range on it (an OR of the two cases made it a filter over every
-- record paired with every local day of its partition: twice the CPU of the whole build).
placed as (
  select
    o.dt,
    o.order_time,
    case
      when cast(o.order_time as date) = cast(o.dt as date) then o.order_time
      else cast(cast(o.dt as date) as timestamp)
    end as placed_at,
    case
      when cast(o.order_time as date) = cast(o.dt as date) then
        extract(hour from o.order_time) * 4
        + case
          when extract(minute from o.order_time) < 15 then 0
          when extract(minute from o.order_time) < 30 then 1
          when extract(minute from o.order_time) < 45 then 2
          else 3
        end
    end as quarter_of_dt
  from orders as o
  where o.dt in :orders_dts
),

orders_of_days as (
  select
    cal.local_date,
    p.dt,
    p.order_time,
    p.quarter_of_dt
  from placed as p
  join :cal as cal (local_date, dt, day_start, day_end)
    on p.dt = cal.dt
  where p.placed_at >= cal.day_start
    and p.placed_at < cal.day_end
),

final as (
  select
    dt,
    cast(cast(dt as date) as timestamp) + interval '15' minute * quarter_of_dt as bucket_start,
    count(*) as records,
    max(order_time) as newest_time,
    cast(local_date as varchar) as local_date
  from orders_of_days
  group by local_date, dt, quarter_of_dt
)

select * from final
