-- Hourly event rollup: what the events of each report-zone local hour looked like, per
-- channel. The intra-day pulse (functions/lib/kpi/pulse.ts) compares today so far with the
-- same hours of the same weekday of past weeks from it, so that a pulse reads raw only
-- today's partitions. Self-contained on purpose: one file, one registration in
-- functions/lib/rollups/schema.ts, so a build that scans each raw table once can fold it in.
--
-- Grain: one row per local day of :cal, local hour and channel (null: records without a
-- channel) holding event records of the day. The local hour is the whole hours since the
-- local day's start (0 to 23; on a day that a DST change makes 25 hours long, 24): time
-- zones never reach SQL, so the hour is found by its UTC bounds from the calendar's
-- day_start, and on a DST day the wall-clock hour after the change differs by one.
--
-- Every record counts in records (invalid ones and duplicated deliveries too: data quality);
-- the rest counts the valid ones, those with a user and a type of :event_types.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events those days overlap
-- @param event_types varchar_list the known event types of the data contract
-- @partitions events :events_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   local_hour           whole hours since the local day's start
--   channel              the records' channel (null: none)
--   records              event records (all)
--   valid_events         records with a user and a known type
--   users                distinct users of the valid records
--   signups              distinct users with a valid signup record
--   oldest_valid_time    oldest event_time of the valid records (with the newest: when in
--                        the hour the records fell, so the start and end of a day's traffic
--                        are not spread over whole hours)
--   newest_valid_time    newest event_time of the valid records
--   local_date           the local day, YYYY-MM-DD (the partition)

with

events_of_hours as (
  select
    cal.local_date,
    -- Whole hours since the local day's start (elapsed: a day with a daylight-saving change
    -- back has an hour 24), the days and hours of the elapsed interval (not a range join with a table of hours).
    cast(extract(day from (e.event_time - cal.day_start)) * 24 + extract(hour from (e.event_time - cal.day_start)) as bigint) as local_hour,
    e.channel,
    e.event_time,
    e.event_type,
    case
      when e.user_id is not null and e.event_type in :event_types then e.user_id
    end as valid_user_id
  from events as e
  join :cal as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in :events_dts
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
),

final as (
  select
    cast(local_hour as bigint) as local_hour,
    channel,
    count(*) as records,
    count(valid_user_id) as valid_events,
    count(distinct valid_user_id) as users,
    count(distinct case when event_type = 'signup' then valid_user_id end) as signups,
    min(case when valid_user_id is not null then event_time end) as oldest_valid_time,
    max(case when valid_user_id is not null then event_time end) as newest_valid_time,
    cast(local_date as varchar) as local_date
  from events_of_hours
  group by local_date, local_hour, channel
)

select * from final
