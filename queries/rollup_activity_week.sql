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
--     needs no leaving days. When the daily activity state of the Sunday is fresh (Monday's
--     daily run of Sunday builds it before the weekly run), the entering days are read from
--     it instead of grouping their `user_day` rows: it holds every user active in the 30
--     days ending the Sunday, with the last active and private-domain day there, and those
--     after :previous_week_end are the entering days' (bench lake: 0.94 M user_day rows
--     grouped into 0.36 M users, against 0.65 M state rows filtered).
--
-- @param source_days varchar_list the local days of user_day read (from scratch: the 97 days
--   of both windows; carried: the 7 entering days)
-- @param week_end date the week's Sunday
-- @param week_start date :week_end − 89, the first day of its window
-- @param previous_week_end date :week_end − 7
-- @param previous_week_start date :previous_week_end − 89
-- @param use_previous integer 1: carry the stored state of :previous_week_end; 0: from scratch
-- @param previous_weeks varchar_list [:previous_week_end as YYYY-MM-DD]: the state partition read
-- @param entering_states varchar_list [:week_end as YYYY-MM-DD]: the daily activity state the
--   entering days are read from (then :source_days names none); ['']: from user_day
-- @partitions user_day :source_days
-- @partitions activity_week :previous_weeks
-- @partitions activity_day :entering_states
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

-- The entering days' users from the Sunday's daily activity state: those whose last active
-- day in its 30 days is after :previous_week_end, with it and their last private-domain day
-- there (one before the entering days is in the 90 days of the week before too: the
-- carried state holds the same day).
entering_state as (
  select
    user_id,
    last_active_date,
    last_private_date
  from activity_day
  where local_date in :entering_states
    and last_active_date > :previous_week_end
),

-- @include activity_state

select * from final
