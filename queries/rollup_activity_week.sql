-- Activity state of a report week, for the lifecycle layers: every user active in the 90
-- local days ending the week's Sunday or in those ending the Sunday before, with the last
-- active day as of each, carried from week to week (functions/lib/rollups/weekly-state.ts),
-- and the last day with a private-domain event in the week's window, for the weekly
-- private-domain customers (user_kpis.sql: the same 90 days as the repurchase window).
--
-- Grain: one row per week (its Sunday, the partition `local_date`) and user with a
-- `user_day` row (a valid event) in either window; lifecycle_layers.sql reads one partition.
-- Two ways to the same rows:
--   - from scratch (:use_previous = 0): the `user_day` rows of the 97 days both windows span;
--   - carried (:use_previous = 1): the stored state of the week before (:previous_week_end,
--     built from the user_day days that are still current: weekly-state.ts checks its
--     manifest), whose last active days become the previous window's, and the 7 days that
--     enter the window: the last active day is the latest of those, else the carried one,
--     when it is still in the window (the last private-domain day likewise). A maximum
--     needs no leaving days.
--
-- @param source_days varchar_list the local days of user_day read (from scratch: the 97 days
--   of both windows; carried: the 7 entering days)
-- @param week_end date the week's Sunday
-- @param week_start date :week_end − 89, the first day of its window
-- @param previous_week_end date :week_end − 7
-- @param previous_week_start date :previous_week_end − 89
-- @param use_previous integer 1: carry the stored state of :previous_week_end; 0: from scratch
-- @param previous_weeks varchar_list [:previous_week_end as YYYY-MM-DD]: the state partition read
-- @partitions user_day :source_days
-- @partitions activity_week :previous_weeks
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   user_id                     the user
--   last_active_date            last active day in the week's window (null: none)
--   previous_last_active_date   the same in the window of the Sunday before
--   last_private_date           last day with a private-domain event in the week's window
--                               (null: none)
--   local_date                  the week's Sunday, YYYY-MM-DD (the partition)

with

-- The week before's users, with their last active day in its window.
previous_state as (
  select
    user_id,
    last_active_date,
    last_private_date
  from activity_week
  where :use_previous = 1
    and local_date in :previous_weeks
    and last_active_date is not null
),

-- @include activity_state

select * from final
