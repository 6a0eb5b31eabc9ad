-- Completeness facts for the data gate (functions/lib/kpi/completeness.ts).
-- Grain: one row per (table_name, baseline_of, dt): a slice of one dt partition of a fact
-- table, being either the part of a report partition inside the period (dt = baseline_of)
-- or the same hours on the same weekday 1 to 4 weeks earlier (a baseline of baseline_of).
-- Every slice comes back, with zero counts when it holds nothing.
-- @param slices calendar  (baseline_of, dt, slice_start, slice_end): the slices, UTC bounds
-- @param partitions varchar_list  every dt partition the slices read, for pruning
-- Output: table_name varchar, baseline_of date, dt varchar, slice_rows bigint (rows whose
--   time is in the slice), partition_rows bigint (rows in the whole dt partition),
--   newest_time timestamp (newest time in the slice, null when empty)
with slices as (
  select baseline_of, dt, slice_start, slice_end
  from :slices as slice_bounds (baseline_of, dt, slice_start, slice_end)
),

fact_times as (
  select 'events' as table_name, dt, event_time as happened_at
  from events
  where dt in :partitions
  union all
  select 'orders' as table_name, dt, order_time as happened_at
  from orders
  where dt in :partitions
),

partition_counts as (
  select table_name, dt, count(*) as partition_rows
  from fact_times
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
  join fact_times as f
    on f.dt = s.dt
  where f.happened_at >= s.slice_start
    and f.happened_at < s.slice_end
  group by f.table_name, s.baseline_of, s.dt
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
