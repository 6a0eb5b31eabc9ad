-- Per-user state rollup: each user's first signup instant (and its local day) and first
-- active day, the facts of shared/kpi-spec.md that would otherwise need unbounded history.
--
-- Grain: one row per user ever seen in a folded day of `user_day`. The state is not
-- partitioned: a build replaces it whole (functions/lib/rollups/user-state.ts). A build
-- folds some local days of `user_day` into the stored state, keeping the earlier of each
-- fact, so it only ever moves a fact earlier: folding a day again (rebuilt after late data)
-- changes nothing but what the late data moved earlier, and folding every stored day into
-- an empty state (a rebuild from scratch) gives the same state. A state made from scratch
-- also takes the first signups of the 365 days before its days from the raw events (the
-- lookback_signups fragment), as the inlined state does (user_state_of_days.sql). The days a build folds are
-- those of `user_day` built since the state last saw them, so a daily run folds one day.
--
-- @param fold_first_day varchar first local day folded, YYYY-MM-DD
-- @param fold_last_day varchar last local day folded, YYYY-MM-DD
-- @param fold_days varchar_list the local days folded (within that range)
-- @param keep_stored integer 1: fold into the stored state; 0: into an empty one (from scratch)
-- @param lookback_cal calendar made from scratch: the 365 local days before the days folded
-- @param events_dts varchar_list every dt partition of events the look-back overlaps
-- @partitions user_day :fold_first_day..:fold_last_day
-- @partitions events :events_dts
--
-- Output columns:
--   user_id             the user
--   first_signup_time   the first signup event's event_time (UTC); null: never signed up
--   first_signup_date   its report-zone local day; null: never signed up
--   first_active_date   the first local day with a valid event

with

-- @include user_state_of_days

-- @include mapped_events

-- @include lookback_signups

stored_state as (
  select
    user_id,
    first_signup_time,
    first_signup_date,
    first_active_date
  from user_state
  where :keep_stored = 1
),

-- The facts the folded days (and, from scratch, the look-back) bring; only their users'
-- rows can change, so only those are grouped with the stored rows, and every other stored
-- row is copied as it is (grouping the whole state into users cost 0.6 s of CPU a day on the
-- bench lake's 1.1 M users, for the ~0.14 M a day touches).
new_facts as (
  select * from days_state
  union all
  select * from lookback_state where :keep_stored = 0
),

changed_state as (
  select
    user_id,
    min(first_signup_time) as first_signup_time,
    min(first_signup_date) as first_signup_date,
    min(first_active_date) as first_active_date
  from (
    select s.*
    from stored_state as s
    where s.user_id in (select n.user_id from new_facts as n)
    union all
    select * from new_facts
  ) as facts
  group by user_id
),

final as (
  select s.*
  from stored_state as s
  where not exists (select 1 from new_facts as n where n.user_id = s.user_id)
  union all
  select * from changed_state
)

select * from final
