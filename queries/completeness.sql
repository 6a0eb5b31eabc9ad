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
with slices as (
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
