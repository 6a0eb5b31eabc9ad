-- Fragment: what some local days of the `user_day` rollup say about each user's one-way
-- facts (shared/kpi-spec.md, "Per-user state"): the first signup instant and its local day,
-- and the first active day. The including query declares :fold_first_day, :fold_last_day
-- (varchar, the range) and :fold_days (varchar_list, the days of the range to read).
-- A local day's order is its instants' order, so the earliest signup day holds the
-- earliest signup instant. user_day only holds valid events (a user, a known type), so a
-- first active day is a day with a valid event.
--
-- Defines:
--   days_state   one row per user seen on those days: first_signup_time (null: no signup),
--                first_signup_date, first_active_date

days_state as (
  select
    user_id,
    min(first_signup_time) as first_signup_time,
    min(case when first_signup_time is not null then cast(local_date as date) end)
      as first_signup_date,
    min(cast(local_date as date)) as first_active_date
  from user_day
  where local_date between :fold_first_day and :fold_last_day
    and local_date in :fold_days
  group by user_id
),
