-- Per-user state of some local days only: the `user_state` rollup as a fold of just these
-- days of `user_day` would make it from an empty state. Engines without rollup storage
-- (rollups off, a run in another zone than the lake's rollups) read `user_state` as this,
-- inlined over the days of `user_day` the query reads anyway
-- (functions/lib/rollups/user-state.ts), so they read no more raw history than before.
--
-- Grain: one row per user seen on those days.
--
-- @param fold_first_day varchar first local day, YYYY-MM-DD
-- @param fold_last_day varchar last local day, YYYY-MM-DD
-- @param fold_days varchar_list the local days read (within that range)
-- @partitions user_day :fold_first_day..:fold_last_day
--
-- Output columns: user_id, first_signup_time, first_signup_date, first_active_date (as in
-- rollup_user_state.sql)

with

-- @include user_state_of_days

final as (
  select
    user_id,
    first_signup_time,
    first_signup_date,
    first_active_date
  from days_state
)

select * from final
