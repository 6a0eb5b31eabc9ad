-- Intra-day pulse, events: today so far per local hour and channel, the newest valid event
-- before today per channel (freshness just after midnight), and the same hours of the
-- baseline days from the hourly rollup. One query per pulse: it reads raw only the dt
-- partitions of today's local day (two in a zone off UTC), up to the pulse's instant :at
-- (records after it are ignored, so a pulse can be replayed over any history).
--
-- Grain: one row per source, local day, local hour and channel:
--   today      today's records with event_time in [:day_start, :at], by local hour
--   before     one row per channel: the newest valid event in [:lookback_start, :day_start)
--   baseline   the rows of event_hour for :baseline_days (same weekday of past weeks)
--
-- @param today varchar today's local date, YYYY-MM-DD
-- @param day_start timestamp UTC start of today's local day
-- @param at timestamp the pulse's instant (UTC); later records are ignored
-- @param lookback_start timestamp UTC start of the freshness look-back (the first partition's start)
-- @param events_dts varchar_list the dt partitions of today's local day
-- @param event_types varchar_list the known event types of the data contract
-- @param baseline_days varchar_list the local days of the baseline (event_hour partitions)
-- @partitions events :events_dts
-- @partitions event_hour :baseline_days
--
-- Output columns:
--   source               today, before or baseline
--   local_date           the local day, YYYY-MM-DD
--   local_hour           whole hours since the local day's start (null: before)
--   channel              the records' channel (null: none)
--   records              event records (all)
--   valid_events         records with a user and a known type
--   users                distinct users of the valid records
--   signups              distinct users with a valid signup record
--   oldest_valid_time    oldest event_time of the valid records
--   newest_valid_time    newest event_time of the valid records

with

recent_events as (
  select
    e.channel,
    e.event_time,
    e.event_type,
    case
      when e.user_id is not null and e.event_type in :event_types then e.user_id
    end as valid_user_id
  from events as e
  where e.dt in :events_dts
    and e.event_time >= :lookback_start
    and e.event_time <= :at
),

today_rows as (
  select
    'today' as source,
    :today as local_date,
    cast(extract(day from (r.event_time - :day_start)) * 24 + extract(hour from (r.event_time - :day_start)) as bigint) as local_hour,
    r.channel,
    count(*) as records,
    count(r.valid_user_id) as valid_events,
    count(distinct r.valid_user_id) as users,
    count(distinct case when r.event_type = 'signup' then r.valid_user_id end) as signups,
    min(case when r.valid_user_id is not null then r.event_time end) as oldest_valid_time,
    max(case when r.valid_user_id is not null then r.event_time end) as newest_valid_time
  from recent_events as r
  where r.event_time >= :day_start
  group by cast(extract(day from (r.event_time - :day_start)) * 24 + extract(hour from (r.event_time - :day_start)) as bigint), r.channel
),

before_rows as (
  select
    'before' as source,
    :today as local_date,
    cast(null as bigint) as local_hour,
    channel,
    count(*) as records,
    count(valid_user_id) as valid_events,
    cast(0 as bigint) as users,
    cast(0 as bigint) as signups,
    min(case when valid_user_id is not null then event_time end) as oldest_valid_time,
    max(case when valid_user_id is not null then event_time end) as newest_valid_time
  from recent_events
  where event_time < :day_start
  group by channel
),

baseline_rows as (
  select
    'baseline' as source,
    b.local_date,
    b.local_hour,
    b.channel,
    b.records,
    b.valid_events,
    b.users,
    b.signups,
    b.oldest_valid_time,
    b.newest_valid_time
  from event_hour as b
  where b.local_date in :baseline_days
),

final as (
  select * from today_rows
  union all
  select * from before_rows
  union all
  select * from baseline_rows
)

select * from final
