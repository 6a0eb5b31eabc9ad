-- Data operations KPIs from the events table: data quality of the period's event records,
-- the automation rate of its messages, and the newest event before the run (freshness).
--
-- Grain: one row.
--
-- The period's records are the event records with event_time in [:period_from, :period_to).
-- A record fails validation for each of these reasons (it may have several):
--   missing_id     no event_id
--   null_user      no user_id
--   unknown_type   event_type null or not one of :event_types
--   future         event_time after the run (:run_time)
--   duplicate      a copy of an event_id beyond its first record
-- A record passes when it has none: per event_id, one record passes when at least one of
-- its records is otherwise valid (so an id counts at most once).
-- Messages count once per event_id: an id is a message when a record of it is
-- `message_sent`, automated when such a record has automated = true.
-- Freshness: the newest event_time in [:freshness_from, :freshness_to] (null when none): of the
-- local days before the run's, from the event_profile rollup (the newest valid time of each
-- UTC quarter-hour; those quarter-hours all end before the run, and one whose newest time
-- is at or after :freshness_from holds the newest of its part of the look-back), and from
-- the raw events from :raw_freshness_from (the run's local midnight) on. Messages and
-- freshness, like every KPI, leave out the records without a user or of an unknown type,
-- so that bad data never moves them.
--
-- Cost: one scan of the period's partitions and of the run's local day so far; only the
-- period's records are grouped by event_id (the other records collapse into one group
-- that only carries the newest time), plus a week of event_profile rows.
--
-- @param event_partitions varchar_list dt partitions of the period and of the raw look-back
-- @param period_from timestamp UTC start of the period
-- @param period_to timestamp UTC end (exclusive) of the period
-- @param freshness_from timestamp UTC start of the freshness look-back before the run
-- @param profile_first_day varchar first local day of event_profile in the look-back
-- @param profile_last_day varchar last local day of event_profile read (the day before the run's)
-- @param raw_freshness_from timestamp UTC start of the look-back read raw (after those days)
-- @param freshness_to timestamp UTC instant freshness is measured at (a re-run: the period's scheduled run time)
-- @param run_time timestamp UTC time of the run
-- @param event_types varchar_list the known event types of the data contract
-- @partitions events :event_partitions
-- @partitions event_profile :profile_first_day..:profile_last_day
--
-- Output columns (one row):
--   records, passing_records                   the period's event records, those passing
--   missing_id, null_user, unknown_type, future, duplicate   failures by reason
--   messages, automated_messages               distinct message_sent ids, automated ones
--   newest_event_time                          newest event_time in the freshness window

with

scanned_events as (
  select
    event_id,
    event_time,
    user_id,
    event_type,
    automated,
    case
      when event_time >= :period_from and event_time < :period_to then 1 else 0
    end as in_period,
    case
      when event_time >= :period_from and event_time < :period_to then event_id
    end as period_event_id,
    case
      when event_time >= :raw_freshness_from
        and event_time <= :freshness_to
        and user_id is not null
        and event_type in :event_types then event_time
    end as fresh_event_time,
    case
      when user_id is not null
        and event_type in :event_types
        and event_time <= :run_time then 1
      else 0
    end as otherwise_valid
  from events
  where dt in :event_partitions
    and (
      (event_time >= :period_from and event_time < :period_to)
      or (event_time >= :raw_freshness_from and event_time <= :freshness_to)
    )
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

event_ids as (
  select
    in_period,
    period_event_id as event_id,
    sum(in_period) as records,
    count(case when in_period = 1 and user_id is null then 1 end) as null_user,
    count(case
      when in_period = 1 and (event_type is null or event_type not in :event_types) then 1
    end) as unknown_type,
    count(case when in_period = 1 and event_time > :run_time then 1 end) as future,
    max(case when in_period = 1 then otherwise_valid else 0 end) as has_valid_record,
    max(case
      when in_period = 1 and event_type = 'message_sent' and user_id is not null then 1
      else 0
    end) as is_message,
    max(case
      when in_period = 1
        and event_type = 'message_sent'
        and user_id is not null
        and automated = true then 1
      else 0
    end) as is_automated_message,
    max(fresh_event_time) as newest_event_time
  from scanned_events
  group by in_period, period_event_id
),

period_quality as (
  select
    coalesce(sum(records), 0) as records,
    count(case when event_id is not null and has_valid_record = 1 then 1 end)
      as passing_records,
    coalesce(sum(case when in_period = 1 and event_id is null then records else 0 end), 0)
      as missing_id,
    coalesce(sum(null_user), 0) as null_user,
    coalesce(sum(unknown_type), 0) as unknown_type,
    coalesce(sum(future), 0) as future,
    coalesce(sum(case when event_id is not null and records > 1 then records - 1 else 0 end), 0)
      as duplicate,
    count(case when event_id is not null and is_message = 1 then 1 end) as messages,
    count(case when event_id is not null and is_automated_message = 1 then 1 end)
      as automated_messages,
    max(newest_event_time) as newest_event_time
  from event_ids
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
      when p.newest_event_time is null then q.newest_event_time
      when q.newest_event_time is null then p.newest_event_time
      when p.newest_event_time > q.newest_event_time then p.newest_event_time
      else q.newest_event_time
    end as newest_event_time
  from period_quality as q
  cross join profiled_freshness as p
)

select * from final
