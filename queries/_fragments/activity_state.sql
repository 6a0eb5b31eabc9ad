-- Fragment: an activity state carried from the one before it (functions/lib/rollups/
-- weekly-state.ts): every user active in the window ending :week_end or in the one ending
-- :previous_week_end, with the last active day as of each and the last day with a
-- private-domain event in the first. `rollup_activity_week.sql` (90-day windows, week to
-- week) and `rollup_activity_day.sql` (30-day windows, day to day) include it; each defines
-- before it `previous_state` (user_id, last_active_date, last_private_date: the stored
-- state of :previous_week_end, empty when :use_previous = 0) and `entering_state` (the same
-- columns: the users active in the entering days with their last active and private-domain
-- day there, when another state already holds them, else empty) and declares the parameters
-- used here (:source_days, :week_end, :week_start, :previous_week_end, :previous_week_start,
-- :use_previous), and ends with `select * from final`.
--
-- Defines:
--   active_days    the user_day rows read, with the active and private-domain day
--   from_scratch   the state from every day of both windows (:use_previous = 0)
--   entering       the days entering the window since the state before (:use_previous = 1):
--                  grouped from their user_day rows, or as `entering_state` holds them
--   carried        the state before with the entering days folded in
--   final          the output rows

active_days as (
  select
    user_id,
    cast(local_date as date) as active_date,
    case when private_channel_events > 0 then cast(local_date as date) end as private_date
  from user_day
  where local_date in :source_days
),

from_scratch as (
  select
    user_id,
    max(case when active_date >= :week_start then active_date end) as last_active_date,
    max(case when active_date <= :previous_week_end then active_date end) as previous_last_active_date,
    max(case when private_date >= :week_start then private_date end) as last_private_date
  from active_days
  where :use_previous = 0
    and active_date between :previous_week_start and :week_end
  group by user_id
),

entering as (
  select
    user_id,
    max(active_date) as last_active_date,
    max(private_date) as last_private_date
  from active_days
  where :use_previous = 1
    and active_date > :previous_week_end
  group by user_id
  union all
  select user_id, last_active_date, last_private_date
  from entering_state
  where :use_previous = 1
),

carried as (
  select
    coalesce(s.user_id, e.user_id) as user_id,
    case
      when coalesce(e.last_active_date, s.last_active_date) >= :week_start
        then coalesce(e.last_active_date, s.last_active_date)
    end as last_active_date,
    s.last_active_date as previous_last_active_date,
    case
      when coalesce(e.last_private_date, s.last_private_date) >= :week_start
        then coalesce(e.last_private_date, s.last_private_date)
    end as last_private_date
  from previous_state as s
  full outer join entering as e
    on e.user_id = s.user_id
),

states as (
  select user_id, last_active_date, previous_last_active_date, last_private_date
  from from_scratch
  union all
  select user_id, last_active_date, previous_last_active_date, last_private_date
  from carried
),

final as (
  select
    user_id,
    last_active_date,
    previous_last_active_date,
    last_private_date,
    cast(:week_end as varchar) as local_date
  from states
  where last_active_date is not null
    or previous_last_active_date is not null
)
