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
-- A changed identity map (docs/identity.md) can take records away from a person, which no
-- minimum undoes, but only from the persons its changed rows name: those (:touched_users)
-- are dropped from the stored state and made again from every stored `user_day` day
-- (:touched_days) and the look-back's first signups, as a state made from scratch would
-- make them; every other person's row is kept as stored.
--
-- @param fold_first_day varchar first local day folded, YYYY-MM-DD
-- @param fold_last_day varchar last local day folded, YYYY-MM-DD
-- @param fold_days varchar_list the local days folded (within that range)
-- @param keep_stored integer 1: fold into the stored state; 0: into an empty one (from scratch)
-- @param recompute integer 1: make the rows of :touched_users again (a changed map); 0: none
-- @param touched_users varchar_list the persons made again (a placeholder when :recompute = 0)
-- @param touched_days varchar_list every stored local day of `user_day` (within the fold range)
-- @param lookback_cal calendar made from scratch or made again: the 365 local days before the days read
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
    and not (:recompute = 1 and user_id in :touched_users)
),

touched_state as (
  select
    user_id,
    min(first_signup_time) as first_signup_time,
    min(case when first_signup_time is not null then cast(local_date as date) end)
      as first_signup_date,
    min(cast(local_date as date)) as first_active_date
  from user_day
  where :recompute = 1
    and local_date between :fold_first_day and :fold_last_day
    and local_date in :touched_days
    and user_id in :touched_users
  group by user_id
),

-- The facts the folded days bring (from scratch, also the look-back; after a changed map,
-- the touched persons' facts made again from every stored day and the look-back): only
-- their users' rows can change, so only those are grouped with the stored rows, and every
-- other stored row is copied as it is (grouping the whole state into users cost 0.6 s of CPU a day on the
-- bench lake's 1.1 M users, for the ~0.14 M a day touches).
new_facts as (
  select * from days_state
  union all
  select * from touched_state
  union all
  select * from lookback_state
  where :keep_stored = 0
    or (:recompute = 1 and user_id in :touched_users)
),

-- Each user's new facts on one row (a user can be in several of the sets above).
user_new_facts as (
  select
    user_id,
    min(first_signup_time) as first_signup_time,
    min(first_signup_date) as first_signup_date,
    min(first_active_date) as first_active_date
  from new_facts
  group by user_id
),

-- The stored rows with the new facts folded in, in one join: a stored user without new
-- facts is kept as stored, a new user is added, and of each fact the earlier is kept (a
-- null is no fact). An anti-join for the kept rows and a group of the changed ones took a
-- third more CPU on the bench lake (2.5 M users: 1.37 s against 1.03 s).
final as (
  select
    coalesce(s.user_id, n.user_id) as user_id,
    case
      when n.first_signup_time is null or s.first_signup_time <= n.first_signup_time
        then coalesce(s.first_signup_time, n.first_signup_time)
      else n.first_signup_time
    end as first_signup_time,
    case
      when n.first_signup_date is null or s.first_signup_date <= n.first_signup_date
        then coalesce(s.first_signup_date, n.first_signup_date)
      else n.first_signup_date
    end as first_signup_date,
    case
      when n.first_active_date is null or s.first_active_date <= n.first_active_date
        then coalesce(s.first_active_date, n.first_active_date)
      else n.first_active_date
    end as first_active_date
  from stored_state as s
  full outer join user_new_facts as n
    on n.user_id = s.user_id
)

select * from final
