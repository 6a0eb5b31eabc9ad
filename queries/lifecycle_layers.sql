-- Lifecycle layers of the users at a report week's Sunday D and at the Sunday before (D-7),
-- so that the report can show each layer's week-over-week change.
--
-- Grain: one row.
--
-- Layers at a reference day R (each user in at most one of new/active/dormant/churned):
--   new      a signup day in R-6 … R
--   active   active (any event) in R-6 … R, and not new
--   dormant  active in R-29 … R, but not in R-6 … R
--   churned  active in R-89 … R, but not in R-29 … R
-- (high value, the "important value" RFM segment, comes from rfm_segments.sql.)
-- A user's signup day is the local day of their first signup ever recorded, from the
-- per-user state `user_state` (rollup_user_state.sql), as for the new_users KPI: a user who
-- signs up again is not new again. Activity reads the week's activity state `activity_week`
-- (each user active in the 90 days ending D or D-7, with the last active day as of each;
-- rollup_activity_week.sql, carried week to week from the `user_day` rollup); the run brings
-- both up to date first (functions/lib/rollups/): a weekly run reads the 7 new user_day
-- days, not 97 days of them, and groups no day rows into users.
-- Records that fail validation never reach it, so bad data never moves a KPI (data quality
-- counts them, see efficiency_events.sql): events without a user or of an unknown type are
-- not activity.
--
-- @param state_weeks varchar_list [D as YYYY-MM-DD]: the activity state read
-- @param current_end date D
-- @param current_week_start date D-6
-- @param current_month_start date D-29
-- @param current_quarter_start date D-89
-- @param previous_end date D-7, the previous reference day
-- @param previous_week_start date D-13
-- @param previous_month_start date D-36
-- @param previous_quarter_start date D-96
-- @partitions activity_week :state_weeks
--
-- Output columns (one row):
--   current_new, current_active, current_dormant, current_churned      users per layer at D
--   previous_new, previous_active, previous_dormant, previous_churned  users per layer at D-7

with

new_users as (
  select
    user_id,
    case when first_signup_date between :current_week_start and :current_end then 1 else 0 end
      as new_at_current,
    case
      when first_signup_date between :previous_week_start and :previous_end then 1 else 0
    end as new_at_previous
  from user_state
  where first_signup_date between :previous_week_start and :current_end
),

users as (
  select
    user_id,
    last_active_date,
    previous_last_active_date
  from activity_week
  where local_date in :state_weeks
),

user_layers as (
  select
    u.user_id,
    u.last_active_date,
    u.previous_last_active_date,
    coalesce(n.new_at_current, 0) as new_at_current,
    coalesce(n.new_at_previous, 0) as new_at_previous
  from users as u
  left join new_users as n
    on u.user_id = n.user_id
),

final as (
  select
    count(case when new_at_current = 1 then 1 end) as current_new,
    count(case
      when new_at_current = 0 and last_active_date >= :current_week_start then 1
    end) as current_active,
    count(case
      when last_active_date < :current_week_start
        and last_active_date >= :current_month_start then 1
    end) as current_dormant,
    count(case
      when last_active_date < :current_month_start
        and last_active_date >= :current_quarter_start then 1
    end) as current_churned,
    count(case when new_at_previous = 1 then 1 end) as previous_new,
    count(case
      when new_at_previous = 0 and previous_last_active_date >= :previous_week_start then 1
    end) as previous_active,
    count(case
      when previous_last_active_date < :previous_week_start
        and previous_last_active_date >= :previous_month_start then 1
    end) as previous_dormant,
    count(case
      when previous_last_active_date < :previous_month_start
        and previous_last_active_date >= :previous_quarter_start then 1
    end) as previous_churned
  from user_layers
)

select * from final
