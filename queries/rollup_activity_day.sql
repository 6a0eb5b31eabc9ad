-- Activity state of a report day, for the daily user KPIs (user_kpis.sql): every user active
-- in the 30 local days ending the day or in those ending the day before, with the last
-- active day as of each and the last day with a private-domain event in the day's window,
-- carried from day to day (functions/lib/rollups/weekly-state.ts). "Active in the N days
-- ending D" (N ≤ 30: DAU's 1, WAU's 7, MAU's 30) is a last active day on or after D − N + 1,
-- so the daily run counts rows of one partition instead of grouping 30 days of `user_day`
-- rows, and no `user_day` row needs a look-back at the days before it.
--
-- Grain: one row per day (the partition `local_date`) and user with a `user_day` row (a
-- valid event) in either window. Two ways to the same rows:
--   - from scratch (:use_previous = 0): the `user_day` rows of the 31 days both windows span;
--   - carried (:use_previous = 1): the stored state of the day before (:previous_week_end,
--     built from the user_day days that are still current: weekly-state.ts checks its
--     manifest), whose last active days become the previous window's, and the day that
--     enters the window: the last active day is that day, else the carried one, when it is
--     still in the window (the last private-domain day likewise).
-- A re-run of a past day reads that day's stored state: a later day never changes it, only
-- late data in its 31 days does (which makes it stale, and the next run that needs it
-- builds it again).
--
-- @param source_days varchar_list the local days of user_day read (from scratch: the 31 days
--   of both windows; carried: the day itself)
-- @param week_end date the day
-- @param week_start date :week_end − 29, the first day of its window
-- @param previous_week_end date :week_end − 1
-- @param previous_week_start date :previous_week_end − 29
-- @param use_previous integer 1: carry the stored state of :previous_week_end; 0: from scratch
-- @param previous_weeks varchar_list [:previous_week_end as YYYY-MM-DD]: the state partition read
-- @partitions user_day :source_days
-- @partitions activity_day :previous_weeks
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   user_id                     the user
--   last_active_date            last active day in the day's 30-day window (null: none)
--   previous_last_active_date   the same in the window of the day before
--   last_private_date           last day with a private-domain event in the day's window
--                               (null: none)
--   local_date                  the day, YYYY-MM-DD (the partition)

with

-- The day before's users, with their last active day in its window.
previous_state as (
  select
    user_id,
    last_active_date,
    last_private_date
  from activity_day
  where :use_previous = 1
    and local_date in :previous_weeks
    and last_active_date is not null
),

-- The day entering the window is read from its user_day rows (no other state holds it).
entering_state as (
  select user_id, last_active_date, last_private_date
  from previous_state
  where 1 = 0
),

-- @include activity_state

select * from final
