-- Per-user state for an engine without rollup storage (rollups off, a run in another zone
-- than the lake's rollups): the `user_state` rollup's facts from the `user_day` days the
-- query reads anyway, plus the first signups of the 365 local days before them read from
-- the raw events (mapped to persons), so that a user who signed up before the query's
-- windows and again inside them is not new again, as the stored state says
-- (shared/kpi-spec.md: at most 365 days back). Only signup records of the look-back are
-- read (functions/lib/rollups/user-state.ts).
--
-- Grain: one row per person seen on those days or signed up in the look-back.
--
-- @param fold_first_day varchar first local day, YYYY-MM-DD
-- @param fold_last_day varchar last local day, YYYY-MM-DD
-- @param fold_days varchar_list the local days read (within that range)
-- @param lookback_cal calendar the look-back's local days, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events the look-back overlaps
-- @partitions user_day :fold_first_day..:fold_last_day
-- @partitions events :events_dts
--
-- Output columns: user_id, first_signup_time, first_signup_date, first_active_date (as in
-- rollup_user_state.sql)

with

-- @include user_state_of_days

-- @include mapped_events

-- @include lookback_signups

final as (
  select
    user_id,
    min(first_signup_time) as first_signup_time,
    min(first_signup_date) as first_signup_date,
    min(first_active_date) as first_active_date
  from (
    select user_id, first_signup_time, first_signup_date, first_active_date from days_state
    union all
    select user_id, first_signup_time, first_signup_date, first_active_date from lookback_state
  ) as facts
  group by user_id
)

select * from final
