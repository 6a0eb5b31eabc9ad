-- Fragment: the first signups of a look-back before some local days, read from the raw
-- events with ids mapped to persons (include mapped_events first): the part of the per-user
-- state (shared/kpi-spec.md, "Per-user state") that a state made from some days alone would
-- miss — a user who signed up before those days and again in them is not new again. The
-- including query declares :lookback_cal (calendar) and :events_dts (varchar_list) and
-- scopes events by :events_dts; only signup records are read. The state made from scratch
-- (rollup_user_state.sql) and the inlined state (user_state_of_days.sql) both add it, so a
-- run with rollups off says what a cold first run says.
--
-- Defines:
--   lookback_state   one row per person with a signup in the look-back: first_signup_time,
--                    first_signup_date (its local day), first_active_date (null)

lookback_signups as (
  select
    e.user_id,
    min(e.event_time) as first_signup_time
  from mapped_events as e
  join :lookback_cal as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in :events_dts
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
    and e.event_type = 'signup'
    and e.user_id is not null
  group by e.user_id
),

lookback_state as (
  select
    s.user_id,
    s.first_signup_time,
    cast(cal.local_date as date) as first_signup_date,
    cast(null as date) as first_active_date
  from lookback_signups as s
  join :lookback_cal as cal (local_date, dt, day_start, day_end)
    on s.first_signup_time >= cal.day_start
    and s.first_signup_time < cal.day_end
),
