-- Event quality day rollup: the data-quality and message counts of efficiency_events.sql for
-- each report-zone local day, so that the efficiency module of a period already over reads
-- them (efficiency_events_days.sql) instead of the period's raw events.
--
-- Grain: one row per local day of :cal with event records (event_time in the day).
--
-- The counts are those of efficiency_events.sql over a period that is one local day, for a
-- run after the day's end: no record of the day is in the future then, so the `future`
-- reason and the run-time condition of a passing record drop out (a period not over is read
-- raw, by efficiency_events.sql). Per event_id: its records, those without a user or of an
-- unknown type, whether one of them is otherwise valid (a user and a known type), whether it
-- is a message (automated). The copies of an event share its local day (at-least-once
-- delivery repeats the record), so the days' counts add up to a period's.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events those days overlap
-- @param event_types varchar_list the known event types of the data contract
-- @partitions events :events_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   records, passing_records                     the day's event records, those passing
--   missing_id, null_user, unknown_type, duplicate   failures by reason
--   messages, automated_messages                 distinct message_sent ids, automated ones
--   local_date                                   the local day, YYYY-MM-DD (the partition)

with

day_events as (
  select
    cal.local_date,
    e.event_id,
    e.user_id,
    e.event_type,
    e.automated
  from events as e
  join :cal as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in :events_dts
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
),

event_ids as (
  select
    local_date,
    event_id,
    count(*) as records,
    count(case when user_id is null then 1 end) as null_user,
    count(case when event_type is null or event_type not in :event_types then 1 end)
      as unknown_type,
    max(case when user_id is not null and event_type in :event_types then 1 else 0 end)
      as has_valid_record,
    max(case when event_type = 'message_sent' and user_id is not null then 1 else 0 end)
      as is_message,
    max(case
      when event_type = 'message_sent' and user_id is not null and automated = true then 1
      else 0
    end) as is_automated_message
  from day_events
  group by local_date, event_id
),

final as (
  select
    cast(sum(records) as bigint) as records,
    count(case when event_id is not null and has_valid_record = 1 then 1 end)
      as passing_records,
    cast(sum(case when event_id is null then records else 0 end) as bigint) as missing_id,
    cast(sum(null_user) as bigint) as null_user,
    cast(sum(unknown_type) as bigint) as unknown_type,
    cast(sum(case when event_id is not null and records > 1 then records - 1 else 0 end) as bigint)
      as duplicate,
    count(case when event_id is not null and is_message = 1 then 1 end) as messages,
    count(case when event_id is not null and is_automated_message = 1 then 1 end)
      as automated_messages,
    cast(local_date as varchar) as local_date
  from event_ids
  group by local_date
)

select * from final
