-- Channel rollup: on which channels each user was active on each report-zone local day, from
-- the raw events.
--
-- Grain: one row per user, channel and local day of :cal on which the user has at least one
-- valid event on that channel (a missing channel is 'unknown'). It is what the anomaly
-- drivers split DAU and new users by (queries/anomaly_drivers.sql): a user active on app and
-- on web has a row for each, so channels overlap (see functions/lib/kpi/drivers.ts). Built
-- like the other rollups (functions/lib/rollups/refresh.ts), only for the days a drivers
-- query reads. Records that fail validation are left out, as in every KPI query. Users are
-- people: the events are read with the identity map applied (mapped_events), as for
-- user_day, so a channel's users add up to the DAU they explain.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events those days overlap
-- @param event_types varchar_list the known event types of the data contract
-- @partitions events :events_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   user_id              the user
--   channel              the channel ('unknown' when the events carry none)
--   events               event records of the user on the channel that day
--   first_signup_time    the day's first signup event on the channel (null: none)
--   local_date           the local day, YYYY-MM-DD (the partition)

with

-- @include mapped_events

events_of_days as (
  select
    e.user_id,
    coalesce(e.channel, 'unknown') as channel,
    e.event_type,
    e.event_time,
    cal.local_date
  from mapped_events as e
  join :cal as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in :events_dts
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
    and e.user_id is not null
    and e.event_type in :event_types
),

final as (
  select
    user_id,
    channel,
    count(*) as events,
    min(case when event_type = 'signup' then event_time end) as first_signup_time,
    cast(local_date as varchar) as local_date
  from events_of_days
  group by user_id, channel, local_date
)

select * from final
