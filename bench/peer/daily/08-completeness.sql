-- Completeness facts for the data gate (functions/lib/kpi/completeness.ts).
-- Grain: one row per (table_name, baseline_of, dt): a slice of one dt partition of a fact
-- table, being either the part of a report partition inside the period (dt = baseline_of)
-- or the same hours on the same weekday 1 to 4 weeks earlier (a baseline of baseline_of).
-- Every slice comes back, with zero counts when it holds nothing.
-- The partitions of :raw_partitions are read from the raw tables; every other one from the
-- profile rollups (records per UTC quarter-hour of each local day), whose quarter-hours add
-- up to each slice (the slices of those partitions start and end on a quarter-hour) and,
-- over the local days a partition overlaps, to the partition's size
-- (completenessReads in functions/lib/kpi/completeness.ts decides which is which).
-- @param slices calendar  (baseline_of, dt, slice_start, slice_end): the slices, UTC bounds
-- @param raw_partitions varchar_list  the dt partitions read raw, for pruning
-- @param profile_days varchar_list  local days of the profiles holding the other partitions
-- @partitions events :raw_partitions
-- @partitions orders :raw_partitions
-- @partitions event_profile :profile_days
-- @partitions order_profile :profile_days
-- Output: table_name varchar, baseline_of date, dt varchar, slice_rows bigint (rows whose
--   time is in the slice), partition_rows bigint (rows in the whole dt partition),
--   newest_time timestamp (newest time in the slice, null when empty)
with

event_profile as (
-- Event profile rollup: how many event records landed in each UTC quarter-hour of each
-- report-zone local day, and the newest of them. The data-completeness gate compares the
-- same hours of past weeks from it, and the efficiency module's freshness looks a week back
-- through it, so that neither reads a week of raw events at every run.
--
-- Grain: one row per local day of :cal, dt partition and UTC quarter-hour (bucket_start)
-- holding event records of the day; plus, per dt partition, rows with a null bucket_start
-- for its records whose event_time is missing or not on the partition's UTC date (strays,
-- filed under the local day that holds the partition's first instant; one row per valid
-- time among them, one for the rest), so that the rows of a partition add up to its record
-- count over the local days it overlaps, and a stray's exact time stays known.
--
-- Every time-zone offset is a multiple of 15 minutes, so any span between local-day edges,
-- shifted by whole weeks, is a sum of quarter-hours. Every record counts (invalid ones and
-- duplicated deliveries too: the gate counts what landed); newest_valid_time only counts
-- the records every KPI keeps, those with a user and a type of :event_types.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events those days overlap
-- @param event_types varchar_list the known event types of the data contract
-- @partitions events :events_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   dt                   the raw partition of the records, YYYY-MM-DD
--   bucket_start         the UTC quarter-hour their event_time is in (null: see the grain)
--   records              event records
--   newest_time          newest event_time among them
--   newest_valid_time    newest event_time of those with a user and a known type
--   local_date           the local day, YYYY-MM-DD (the partition)

with

events_of_days as (
  select
    cal.local_date,
    e.dt,
    e.event_time,
    case
      when e.user_id is not null and e.event_type in ('signup', 'session_start', 'page_view', 'content_view', 'content_like', 'content_comment', 'content_share', 'content_click', 'campaign_join', 'invite_sent', 'invite_accepted', 'message_sent') then e.event_time
    end as valid_event_time,
    case
      when cast(e.event_time as date) = cast(e.dt as date) then
        extract(hour from e.event_time) * 4
        + case
          when extract(minute from e.event_time) < 15 then 0
          when extract(minute from e.event_time) < 30 then 1
          when extract(minute from e.event_time) < 45 then 2
          else 3
        end
    end as quarter_of_dt
  from events as e
  join (VALUES (DATE '2026-10-23', '2026-10-22', TIMESTAMP '2026-10-22 16:00:00.000', TIMESTAMP '2026-10-23 16:00:00.000'), (DATE '2026-10-23', '2026-10-23', TIMESTAMP '2026-10-22 16:00:00.000', TIMESTAMP '2026-10-23 16:00:00.000'), (DATE '2026-10-24', '2026-10-23', TIMESTAMP '2026-10-23 16:00:00.000', TIMESTAMP '2026-10-24 16:00:00.000'), (DATE '2026-10-24', '2026-10-24', TIMESTAMP '2026-10-23 16:00:00.000', TIMESTAMP '2026-10-24 16:00:00.000'), (DATE '2026-10-25', '2026-10-24', TIMESTAMP '2026-10-24 16:00:00.000', TIMESTAMP '2026-10-25 16:00:00.000'), (DATE '2026-10-25', '2026-10-25', TIMESTAMP '2026-10-24 16:00:00.000', TIMESTAMP '2026-10-25 16:00:00.000'), (DATE '2026-10-30', '2026-10-29', TIMESTAMP '2026-10-29 16:00:00.000', TIMESTAMP '2026-10-30 16:00:00.000'), (DATE '2026-10-30', '2026-10-30', TIMESTAMP '2026-10-29 16:00:00.000', TIMESTAMP '2026-10-30 16:00:00.000'), (DATE '2026-10-31', '2026-10-30', TIMESTAMP '2026-10-30 16:00:00.000', TIMESTAMP '2026-10-31 16:00:00.000'), (DATE '2026-10-31', '2026-10-31', TIMESTAMP '2026-10-30 16:00:00.000', TIMESTAMP '2026-10-31 16:00:00.000'), (DATE '2026-11-01', '2026-10-31', TIMESTAMP '2026-10-31 16:00:00.000', TIMESTAMP '2026-11-01 16:00:00.000'), (DATE '2026-11-01', '2026-11-01', TIMESTAMP '2026-10-31 16:00:00.000', TIMESTAMP '2026-11-01 16:00:00.000'), (DATE '2026-11-06', '2026-11-05', TIMESTAMP '2026-11-05 16:00:00.000', TIMESTAMP '2026-11-06 16:00:00.000'), (DATE '2026-11-06', '2026-11-06', TIMESTAMP '2026-11-05 16:00:00.000', TIMESTAMP '2026-11-06 16:00:00.000'), (DATE '2026-11-07', '2026-11-06', TIMESTAMP '2026-11-06 16:00:00.000', TIMESTAMP '2026-11-07 16:00:00.000'), (DATE '2026-11-07', '2026-11-07', TIMESTAMP '2026-11-06 16:00:00.000', TIMESTAMP '2026-11-07 16:00:00.000'), (DATE '2026-11-08', '2026-11-07', TIMESTAMP '2026-11-07 16:00:00.000', TIMESTAMP '2026-11-08 16:00:00.000'), (DATE '2026-11-08', '2026-11-08', TIMESTAMP '2026-11-07 16:00:00.000', TIMESTAMP '2026-11-08 16:00:00.000'), (DATE '2026-11-13', '2026-11-12', TIMESTAMP '2026-11-12 16:00:00.000', TIMESTAMP '2026-11-13 16:00:00.000'), (DATE '2026-11-13', '2026-11-13', TIMESTAMP '2026-11-12 16:00:00.000', TIMESTAMP '2026-11-13 16:00:00.000'), (DATE '2026-11-14', '2026-11-13', TIMESTAMP '2026-11-13 16:00:00.000', TIMESTAMP '2026-11-14 16:00:00.000'), (DATE '2026-11-14', '2026-11-14', TIMESTAMP '2026-11-13 16:00:00.000', TIMESTAMP '2026-11-14 16:00:00.000'), (DATE '2026-11-15', '2026-11-14', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-15', '2026-11-15', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-20', '2026-11-19', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-20', '2026-11-20', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-21', '2026-11-20', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000'), (DATE '2026-11-21', '2026-11-21', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000')) as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in ('2026-10-22', '2026-10-23', '2026-10-24', '2026-10-25', '2026-10-29', '2026-10-30', '2026-10-31', '2026-11-01', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15', '2026-11-19', '2026-11-20', '2026-11-21')
    and (
      (
        cast(e.event_time as date) = cast(e.dt as date)
        and e.event_time >= cal.day_start
        and e.event_time < cal.day_end
      )
      or (
        (e.event_time is null or cast(e.event_time as date) <> cast(e.dt as date))
        and cast(cast(e.dt as date) as timestamp) >= cal.day_start
        and cast(cast(e.dt as date) as timestamp) < cal.day_end
      )
    )
),

final as (
  select
    dt,
    cast(cast(dt as date) as timestamp) + interval '15' minute * quarter_of_dt as bucket_start,
    count(*) as records,
    max(event_time) as newest_time,
    max(valid_event_time) as newest_valid_time,
    cast(local_date as varchar) as local_date
  from events_of_days
  -- A stray's valid time is a key of its own: a reader can then bound it exactly.
  group by
    local_date,
    dt,
    quarter_of_dt,
    case when quarter_of_dt is null then valid_event_time end
)

select * from final
),

order_profile as (
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

orders_of_days as (
  select
    cal.local_date,
    o.dt,
    o.order_time,
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
  join (VALUES (DATE '2026-10-23', '2026-10-22', TIMESTAMP '2026-10-22 16:00:00.000', TIMESTAMP '2026-10-23 16:00:00.000'), (DATE '2026-10-23', '2026-10-23', TIMESTAMP '2026-10-22 16:00:00.000', TIMESTAMP '2026-10-23 16:00:00.000'), (DATE '2026-10-24', '2026-10-23', TIMESTAMP '2026-10-23 16:00:00.000', TIMESTAMP '2026-10-24 16:00:00.000'), (DATE '2026-10-24', '2026-10-24', TIMESTAMP '2026-10-23 16:00:00.000', TIMESTAMP '2026-10-24 16:00:00.000'), (DATE '2026-10-25', '2026-10-24', TIMESTAMP '2026-10-24 16:00:00.000', TIMESTAMP '2026-10-25 16:00:00.000'), (DATE '2026-10-25', '2026-10-25', TIMESTAMP '2026-10-24 16:00:00.000', TIMESTAMP '2026-10-25 16:00:00.000'), (DATE '2026-10-30', '2026-10-29', TIMESTAMP '2026-10-29 16:00:00.000', TIMESTAMP '2026-10-30 16:00:00.000'), (DATE '2026-10-30', '2026-10-30', TIMESTAMP '2026-10-29 16:00:00.000', TIMESTAMP '2026-10-30 16:00:00.000'), (DATE '2026-10-31', '2026-10-30', TIMESTAMP '2026-10-30 16:00:00.000', TIMESTAMP '2026-10-31 16:00:00.000'), (DATE '2026-10-31', '2026-10-31', TIMESTAMP '2026-10-30 16:00:00.000', TIMESTAMP '2026-10-31 16:00:00.000'), (DATE '2026-11-01', '2026-10-31', TIMESTAMP '2026-10-31 16:00:00.000', TIMESTAMP '2026-11-01 16:00:00.000'), (DATE '2026-11-01', '2026-11-01', TIMESTAMP '2026-10-31 16:00:00.000', TIMESTAMP '2026-11-01 16:00:00.000'), (DATE '2026-11-06', '2026-11-05', TIMESTAMP '2026-11-05 16:00:00.000', TIMESTAMP '2026-11-06 16:00:00.000'), (DATE '2026-11-06', '2026-11-06', TIMESTAMP '2026-11-05 16:00:00.000', TIMESTAMP '2026-11-06 16:00:00.000'), (DATE '2026-11-07', '2026-11-06', TIMESTAMP '2026-11-06 16:00:00.000', TIMESTAMP '2026-11-07 16:00:00.000'), (DATE '2026-11-07', '2026-11-07', TIMESTAMP '2026-11-06 16:00:00.000', TIMESTAMP '2026-11-07 16:00:00.000'), (DATE '2026-11-08', '2026-11-07', TIMESTAMP '2026-11-07 16:00:00.000', TIMESTAMP '2026-11-08 16:00:00.000'), (DATE '2026-11-08', '2026-11-08', TIMESTAMP '2026-11-07 16:00:00.000', TIMESTAMP '2026-11-08 16:00:00.000'), (DATE '2026-11-13', '2026-11-12', TIMESTAMP '2026-11-12 16:00:00.000', TIMESTAMP '2026-11-13 16:00:00.000'), (DATE '2026-11-13', '2026-11-13', TIMESTAMP '2026-11-12 16:00:00.000', TIMESTAMP '2026-11-13 16:00:00.000'), (DATE '2026-11-14', '2026-11-13', TIMESTAMP '2026-11-13 16:00:00.000', TIMESTAMP '2026-11-14 16:00:00.000'), (DATE '2026-11-14', '2026-11-14', TIMESTAMP '2026-11-13 16:00:00.000', TIMESTAMP '2026-11-14 16:00:00.000'), (DATE '2026-11-15', '2026-11-14', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-15', '2026-11-15', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-20', '2026-11-19', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-20', '2026-11-20', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-21', '2026-11-20', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000'), (DATE '2026-11-21', '2026-11-21', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000')) as cal (local_date, dt, day_start, day_end)
    on o.dt = cal.dt
  where o.dt in ('2026-10-22', '2026-10-23', '2026-10-24', '2026-10-25', '2026-10-29', '2026-10-30', '2026-10-31', '2026-11-01', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15', '2026-11-19', '2026-11-20', '2026-11-21')
    and (
      (
        cast(o.order_time as date) = cast(o.dt as date)
        and o.order_time >= cal.day_start
        and o.order_time < cal.day_end
      )
      or (
        (o.order_time is null or cast(o.order_time as date) <> cast(o.dt as date))
        and cast(cast(o.dt as date) as timestamp) >= cal.day_start
        and cast(cast(o.dt as date) as timestamp) < cal.day_end
      )
    )
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
),
 slices as (
  select baseline_of, dt, slice_start, slice_end
  from :slices as slice_bounds (baseline_of, dt, slice_start, slice_end)
),

raw_times as (
  select 'events' as table_name, dt, event_time as happened_at
  from events
  where dt in :raw_partitions
  union all
  select 'orders' as table_name, dt, order_time as happened_at
  from orders
  where dt in :raw_partitions
),

profile_buckets as (
  select 'events' as table_name, dt, bucket_start, records, newest_time
  from event_profile
  where local_date in :profile_days
    and dt not in :raw_partitions
  union all
  select 'orders' as table_name, dt, bucket_start, records, newest_time
  from order_profile
  where local_date in :profile_days
    and dt not in :raw_partitions
),

partition_counts as (
  select table_name, dt, count(*) as partition_rows
  from raw_times
  group by table_name, dt
  union all
  select table_name, dt, cast(sum(records) as bigint) as partition_rows
  from profile_buckets
  group by table_name, dt
),

slice_counts as (
  select
    f.table_name,
    s.baseline_of,
    s.dt,
    count(*) as slice_rows,
    max(f.happened_at) as newest_time
  from slices as s
  join raw_times as f
    on f.dt = s.dt
  where f.happened_at >= s.slice_start
    and f.happened_at < s.slice_end
  group by f.table_name, s.baseline_of, s.dt
  union all
  select
    p.table_name,
    s.baseline_of,
    s.dt,
    cast(sum(p.records) as bigint) as slice_rows,
    max(p.newest_time) as newest_time
  from slices as s
  join profile_buckets as p
    on p.dt = s.dt
  where p.bucket_start >= s.slice_start
    and p.bucket_start < s.slice_end
  group by p.table_name, s.baseline_of, s.dt
),

table_slices as (
  select t.table_name, s.baseline_of, s.dt
  from slices as s
  cross join (values ('events'), ('orders')) as t (table_name)
),

final as (
  select
    ts.table_name,
    ts.baseline_of,
    ts.dt,
    coalesce(sc.slice_rows, 0) as slice_rows,
    coalesce(pc.partition_rows, 0) as partition_rows,
    sc.newest_time
  from table_slices as ts
  left join slice_counts as sc
    on sc.table_name = ts.table_name
    and sc.baseline_of = ts.baseline_of
    and sc.dt = ts.dt
  left join partition_counts as pc
    on pc.table_name = ts.table_name
    and pc.dt = ts.dt
)

select * from final
