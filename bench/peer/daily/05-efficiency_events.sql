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
  join (VALUES (DATE '2026-11-15', '2026-11-14', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-15', '2026-11-15', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-16', '2026-11-15', TIMESTAMP '2026-11-15 16:00:00.000', TIMESTAMP '2026-11-16 16:00:00.000'), (DATE '2026-11-16', '2026-11-16', TIMESTAMP '2026-11-15 16:00:00.000', TIMESTAMP '2026-11-16 16:00:00.000'), (DATE '2026-11-17', '2026-11-16', TIMESTAMP '2026-11-16 16:00:00.000', TIMESTAMP '2026-11-17 16:00:00.000'), (DATE '2026-11-17', '2026-11-17', TIMESTAMP '2026-11-16 16:00:00.000', TIMESTAMP '2026-11-17 16:00:00.000'), (DATE '2026-11-18', '2026-11-17', TIMESTAMP '2026-11-17 16:00:00.000', TIMESTAMP '2026-11-18 16:00:00.000'), (DATE '2026-11-18', '2026-11-18', TIMESTAMP '2026-11-17 16:00:00.000', TIMESTAMP '2026-11-18 16:00:00.000'), (DATE '2026-11-19', '2026-11-18', TIMESTAMP '2026-11-18 16:00:00.000', TIMESTAMP '2026-11-19 16:00:00.000'), (DATE '2026-11-19', '2026-11-19', TIMESTAMP '2026-11-18 16:00:00.000', TIMESTAMP '2026-11-19 16:00:00.000'), (DATE '2026-11-20', '2026-11-19', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-20', '2026-11-20', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-21', '2026-11-20', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000'), (DATE '2026-11-21', '2026-11-21', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000')) as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in ('2026-11-14', '2026-11-15', '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21')
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
