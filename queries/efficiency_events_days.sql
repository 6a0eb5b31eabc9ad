-- Data operations KPIs from the events table, for a period already over at the run: the
-- figures of efficiency_events.sql, with the period's data quality and messages summed from
-- the event_quality_day rollup (one row per local day, rollup_event_quality_day.sql) instead
-- of a scan of the period's raw events.
--
-- Grain: one row.
--
-- No record of a period over is in the future (`future` is 0; efficiency_events.sql reads a
-- period not over raw). Freshness as in efficiency_events.sql: the newest valid event_time
-- in [:freshness_from, :freshness_to], of the local days before the run's from the
-- event_profile rollup, of the run's local day so far (from :raw_freshness_from) from the
-- raw events: a day not over has no rollup day (it would be stale at the next file).
--
-- @param quality_first_day varchar first local day of the period
-- @param quality_last_day varchar last local day of the period
-- @param freshness_partitions varchar_list dt partitions of the raw look-back (the run's local day so far)
-- @param freshness_from timestamp UTC start of the freshness look-back before the run
-- @param profile_first_day varchar first local day of event_profile in the look-back
-- @param profile_last_day varchar last local day of event_profile read (the day before the run's)
-- @param raw_freshness_from timestamp UTC start of the look-back read raw (after those days)
-- @param freshness_to timestamp UTC instant freshness is measured at (a re-run: the period's scheduled run time)
-- @param event_types varchar_list the known event types of the data contract
-- @partitions events :freshness_partitions
-- @partitions event_profile :profile_first_day..:profile_last_day
-- @partitions event_quality_day :quality_first_day..:quality_last_day
--
-- Output columns (one row): as efficiency_events.sql
--   records, passing_records                   the period's event records, those passing
--   missing_id, null_user, unknown_type, future, duplicate   failures by reason
--   messages, automated_messages               distinct message_sent ids, automated ones
--   newest_event_time                          newest event_time in the freshness window

with

period_quality as (
  select
    coalesce(cast(sum(records) as bigint), 0) as records,
    coalesce(cast(sum(passing_records) as bigint), 0) as passing_records,
    coalesce(cast(sum(missing_id) as bigint), 0) as missing_id,
    coalesce(cast(sum(null_user) as bigint), 0) as null_user,
    coalesce(cast(sum(unknown_type) as bigint), 0) as unknown_type,
    cast(0 as bigint) as future,
    coalesce(cast(sum(duplicate) as bigint), 0) as duplicate,
    coalesce(cast(sum(messages) as bigint), 0) as messages,
    coalesce(cast(sum(automated_messages) as bigint), 0) as automated_messages
  from event_quality_day
  where local_date between :quality_first_day and :quality_last_day
),

raw_freshness as (
  select max(event_time) as newest_event_time
  from events
  where dt in :freshness_partitions
    and event_time >= :raw_freshness_from
    and event_time <= :freshness_to
    and user_id is not null
    and event_type in :event_types
),

profiled_freshness as (
  select max(newest_valid_time) as newest_event_time
  from event_profile
  where local_date between :profile_first_day and :profile_last_day
    and newest_valid_time >= :freshness_from
    -- A quarter-hour of a day before the run's ends before the run; a stray row holds one
    -- exact time, which may be any.
    and (bucket_start is not null or newest_valid_time <= :freshness_to)
),

final as (
  select
    q.records,
    q.passing_records,
    q.missing_id,
    q.null_user,
    q.unknown_type,
    q.future,
    q.duplicate,
    q.messages,
    q.automated_messages,
    case
      when p.newest_event_time is null then r.newest_event_time
      when r.newest_event_time is null then p.newest_event_time
      when p.newest_event_time > r.newest_event_time then p.newest_event_time
      else r.newest_event_time
    end as newest_event_time
  from period_quality as q
  cross join raw_freshness as r
  cross join profiled_freshness as p
)

select * from final
