-- Identity day rollup: per report-zone local day, each id (user_id as recorded) with a valid
-- event that day, and whether the identity map resolved it at one of those events, so that
-- identity coverage (identity_coverage_days.sql) reads the period's days of it instead of
-- the period's raw events (queries/_fragments/mapped_events.sql maps each record by the
-- mapping valid at its event_time).
--
-- Grain: one row per local day of :cal and source id with a valid event (a known type) in
-- the day. An id counts in a period once (distinct over its days), mapped when one of its
-- days says so: the same as identity_coverage.sql over the period's raw events.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events those days overlap
-- @param event_types varchar_list the known event types of the data contract
-- @partitions events :events_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   source_user_id   the id as recorded
--   is_mapped        1: a mapping was valid at one of its events that day
--   local_date       the local day, YYYY-MM-DD (the partition)

with

-- @include mapped_events

day_events as (
  select
    cal.local_date,
    e.source_user_id,
    e.is_mapped
  from mapped_events as e
  join :cal as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in :events_dts
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
    and e.source_user_id is not null
    and e.event_type in :event_types
),

final as (
  select
    source_user_id,
    cast(max(is_mapped) as bigint) as is_mapped,
    cast(local_date as varchar) as local_date
  from day_events
  group by local_date, source_user_id
)

select * from final
