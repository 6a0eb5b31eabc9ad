-- Records per raw dt partition, from the profile rollups, for the completeness gate's check
-- of the partitions inside the windows a report's metrics read (functions/lib/kpi/
-- completeness.ts, judgeWindowPartitions).
--
-- Grain: one row per (table_name, dt) that holds at least one record; a dt without a row
-- holds none (its partition is missing, or empty).
--
-- A dt partition's records are the sum of its quarter-hour buckets over the local days it
-- overlaps (its stray records included: their bucket is null), so :event_days and
-- :order_days must hold every local day that each of :event_dts and :order_dts overlaps.
-- No raw partition is read: the profiles are kept fresh by their manifests, which compare
-- each day's raw partitions' listing (fingerprints) with what the day was built from.
--
-- @param event_days varchar_list local days of event_profile read
-- @param event_dts varchar_list dt partitions of events counted
-- @param order_days varchar_list local days of order_profile read
-- @param order_dts varchar_list dt partitions of orders counted
-- @partitions event_profile :event_days
-- @partitions order_profile :order_days
--
-- Output: table_name varchar, dt varchar, records bigint
with event_records as (
  select 'events' as table_name, dt, cast(sum(records) as bigint) as records
  from event_profile
  where local_date in :event_days
    and dt in :event_dts
  group by dt
),

order_records as (
  select 'orders' as table_name, dt, cast(sum(records) as bigint) as records
  from order_profile
  where local_date in :order_days
    and dt in :order_dts
  group by dt
),

final as (
  select table_name, dt, records from event_records
  union all
  select table_name, dt, records from order_records
)

select * from final
