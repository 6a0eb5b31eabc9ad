-- User and order KPIs (AARRR) of one report period, reading each table once.
--
-- Grain: one row for the report period (a local day D, or an ISO week whose Sunday is D).
-- Every figure is a count or an exact decimal sum; ratios are divided in TypeScript
-- (functions/lib/kpi/user-kpis.ts), which applies the min-sample rule.
--
-- Signup day: the local day of the user's first `signup` event ever recorded, from the
-- per-user state `user_state` (functions/lib/rollups/user-state.ts): a user who signs up
-- again, however long after, is new once, and enters each cohort once. The signup instant
-- (where the conversion and LTV windows start) is that first signup's event_time.
--
-- Paid order: the latest record of an order_id is a valid `paid` record, as decided in one
-- place for every query (queries/_fragments/latest_order_records.sql: the latest among the
-- records with an id, a user, a status and an updated_at, whatever the sign of a refund's
-- amount). `order_day` holds that latest record, one row per order (records of an order
-- carry its order_time, docs/data-contract.md), with the verdict in `is_paid`.
--
-- Reads the rollups, not the raw tables: `user_day` (one row per user and local day with
-- valid events, rollup_user_day.sql: an active user is a user with a valid event),
-- `user_state` (one row per user, their first signup and first active day,
-- rollup_user_state.sql) and `order_day` (each order's final record by local order day,
-- rollup_order_day.sql). The run brings every day of both windows up to date before
-- this query (functions/lib/rollups/refresh.ts), so a daily run reads about one day of raw
-- partitions; with rollups off the same rows are computed inline from the raw tables.
-- Records that fail validation never reach the rollups, so bad data never moves a KPI (data
-- quality counts them, see efficiency_events.sql and efficiency_orders.sql): events without
-- a user or of an unknown type, order records without a user or with a negative amount.
--
-- The day-only cohorts (retention, first-order conversion) are also computed for a weekly
-- run, relative to its Sunday; the weekly report does not show them.
--
-- Cost: no window's user days are grouped into users. WAU, MAU, the private-domain actives
-- and customers are counts of one partition of an activity state, one row per user with
-- the last active and last private-domain day in its window ("active in the N days ending
-- D" is a last active day on or after D-N+1): a day's from `activity_day`
-- (rollup_activity_day.sql, the 30 days ending D, carried from the day before's), a week's
-- from `activity_week` (rollup_activity_week.sql, the 90 days ending its Sunday). Only the
-- period's own `user_day` rows are read (the daily actives, and the period end's for
-- retention). The signups come from the per-user state, filtered to the period's and the
-- cohorts' days; the order figures are grouped per buyer. So no step joins every user with
-- every paid order or with every signup (docs/performance.md has the figures).
--
-- @param events_first_day varchar first local day of the period (YYYY-MM-DD)
-- @param events_last_day varchar last local day of the period (D)
-- @param period_start date first local day of the period
-- @param period_end date last local day of the period (D)
-- @param wau_start date first local day of the WAU window (D-6; weekly: the Monday)
-- @param mau_start date first local day of the 30 days ending D
-- @param private_customer_start date first local day in which a private-domain event makes a customer a private-domain one (weekly: the 90 days ending D, as the repurchase window; daily: mau_start, unused)
-- @param activity_days varchar_list the activity_day partition of a daily run ([D]; weekly: [''], none)
-- @param activity_weeks varchar_list the activity_week partition of a weekly run ([D], whose window starts at private_customer_start; daily: [''], none)
-- @param retention_d1_cohort date signup day of the D1 retention cohort (D-1)
-- @param retention_d7_cohort date signup day of the D7 retention cohort (D-7)
-- @param retention_d30_cohort date signup day of the D30 retention cohort (D-30)
-- @param conversion_cohort date signup day of the first-order conversion cohort (D-7)
-- @param ltv_cohort_start date first signup day of the LTV-30 cohort
-- @param ltv_cohort_end date last signup day of the LTV-30 cohort
-- @param orders_first_day varchar first local day of the orders window (YYYY-MM-DD)
-- @param orders_last_day varchar last local day of the orders window
-- @param orders_from timestamp UTC start of the orders window (covers every order window below)
-- @param orders_to timestamp UTC end (exclusive) of the orders window
-- @param period_from timestamp UTC start of the period
-- @param period_to timestamp UTC end (exclusive) of the period
-- @param repurchase_from timestamp UTC start of the 90 days ending D (they end at period_to)
-- @partitions user_day :events_first_day..:events_last_day
-- @partitions order_day :orders_first_day..:orders_last_day
-- @partitions activity_day :activity_days
-- @partitions activity_week :activity_weeks
--
-- Output columns (one row):
--   new_users                      users whose signup day is in the period
--   active_user_days               sum over the period's days of that day's active users
--   wau_users, mau_users           active users in [wau_start, D] and in [mau_start, D]
--   private_mau_users              of mau_users, those with an event on a private channel then
--   retention_dN_cohort_users      users whose signup day is D-N (N = 1, 7, 30)
--   retention_dN_retained_users    of those, the ones active on D
--   conversion_cohort_users        users whose signup day is conversion_cohort
--   converted_users                of those, the ones with a paid order in [signup, +7×24 h)
--   ltv_cohort_users               users whose signup day is in the LTV cohort days
--   ltv_revenue                    their paid orders' amounts in [signup, +30×24 h) (decimal)
--   paid_orders, gmv, paying_users paid orders of the period, their amounts (decimal), buyers
--   repurchase_customers           buyers with a paid order in the 90 days ending D
--   repurchase_repeat_customers    of those, buyers with two or more
--   private_repurchase_customers   repurchase_customers with a private-domain event in
--                                  [private_customer_start, D] (weekly: the same 90 days)
--   private_repurchase_repeat_customers  of those, buyers with two or more

with

user_days as (
  select
    user_id,
    cast(local_date as date) as local_date
  from user_day
  where local_date between :events_first_day and :events_last_day
),

activity_totals as (
  select count(*) as active_user_days
  from user_days
),

-- The period's activity state: a day's 30 days or a week's 90 days ending D, one row per
-- user (the other table's list names no partition).
activity_state as (
  select user_id, last_active_date, last_private_date
  from activity_day
  where local_date in :activity_days
  union all
  select user_id, last_active_date, last_private_date
  from activity_week
  where local_date in :activity_weeks
),

state_totals as (
  select
    count(case when last_active_date >= :wau_start then 1 end) as wau_users,
    count(case when last_active_date >= :mau_start then 1 end) as mau_users,
    count(case when last_private_date >= :mau_start then 1 end) as private_mau_users
  from activity_state
),

period_end_users as (
  select user_id
  from user_days
  where local_date = :period_end
),

private_customers as (
  select user_id
  from activity_state
  where last_private_date between :private_customer_start and :period_end
),

user_signups as (
  select
    user_id,
    case when first_signup_date between :period_start and :period_end then 1 else 0 end
      as signed_up_in_period,
    case when first_signup_date = :retention_d1_cohort then 1 else 0 end
      as in_retention_d1_cohort,
    case when first_signup_date = :retention_d7_cohort then 1 else 0 end
      as in_retention_d7_cohort,
    case when first_signup_date = :retention_d30_cohort then 1 else 0 end
      as in_retention_d30_cohort,
    case when first_signup_date = :conversion_cohort then first_signup_time end
      as conversion_signup_time,
    case
      when first_signup_date between :ltv_cohort_start and :ltv_cohort_end then first_signup_time
    end as ltv_signup_time
  from user_state
  where first_signup_date between :period_start and :period_end
    or first_signup_date in (
      :retention_d1_cohort, :retention_d7_cohort, :retention_d30_cohort, :conversion_cohort
    )
    or first_signup_date between :ltv_cohort_start and :ltv_cohort_end
),

paid_orders as (
  select
    order_id,
    user_id,
    order_time,
    amount
  from order_day
  where local_date between :orders_first_day and :orders_last_day
    and order_time >= :orders_from
    and order_time < :orders_to
    and is_paid = 1
),

customers as (
  select
    user_id,
    count(case
      when order_time >= :period_from and order_time < :period_to then order_id
    end) as paid_orders_in_period,
    sum(case
      when order_time >= :period_from and order_time < :period_to then amount
    end) as gmv_in_period,
    count(case
      when order_time >= :repurchase_from and order_time < :period_to then order_id
    end) as paid_orders_in_repurchase_window
  from paid_orders
  group by user_id
),

cohort_orders as (
  select
    s.user_id,
    max(case
      when p.order_time >= s.conversion_signup_time
        and p.order_time < s.conversion_signup_time + interval '168' hour then 1
      else 0
    end) as converted,
    sum(case
      when p.order_time >= s.ltv_signup_time
        and p.order_time < s.ltv_signup_time + interval '720' hour then p.amount
    end) as ltv_revenue
  from user_signups as s
  join paid_orders as p
    on s.user_id = p.user_id
  where s.conversion_signup_time is not null
    or s.ltv_signup_time is not null
  group by s.user_id
),

signup_totals as (
  select
    count(case when s.signed_up_in_period = 1 then 1 end) as new_users,
    count(case when s.in_retention_d1_cohort = 1 then 1 end) as retention_d1_cohort_users,
    count(case when s.in_retention_d1_cohort = 1 and a.user_id is not null then 1 end)
      as retention_d1_retained_users,
    count(case when s.in_retention_d7_cohort = 1 then 1 end) as retention_d7_cohort_users,
    count(case when s.in_retention_d7_cohort = 1 and a.user_id is not null then 1 end)
      as retention_d7_retained_users,
    count(case when s.in_retention_d30_cohort = 1 then 1 end) as retention_d30_cohort_users,
    count(case when s.in_retention_d30_cohort = 1 and a.user_id is not null then 1 end)
      as retention_d30_retained_users,
    count(s.conversion_signup_time) as conversion_cohort_users,
    count(case when c.converted = 1 then 1 end) as converted_users,
    count(s.ltv_signup_time) as ltv_cohort_users,
    coalesce(sum(c.ltv_revenue), 0) as ltv_revenue
  from user_signups as s
  left join period_end_users as a
    on s.user_id = a.user_id
  left join cohort_orders as c
    on s.user_id = c.user_id
),

customer_totals as (
  select
    coalesce(sum(o.paid_orders_in_period), 0) as paid_orders,
    coalesce(sum(o.gmv_in_period), 0) as gmv,
    count(case when o.paid_orders_in_period > 0 then 1 end) as paying_users,
    count(case when o.paid_orders_in_repurchase_window >= 1 then 1 end) as repurchase_customers,
    count(case when o.paid_orders_in_repurchase_window >= 2 then 1 end)
      as repurchase_repeat_customers,
    count(case
      when o.paid_orders_in_repurchase_window >= 1 and a.user_id is not null then 1
    end) as private_repurchase_customers,
    count(case
      when o.paid_orders_in_repurchase_window >= 2 and a.user_id is not null then 1
    end) as private_repurchase_repeat_customers
  from customers as o
  left join private_customers as a
    on o.user_id = a.user_id
),

final as (
  select
    s.new_users,
    a.active_user_days,
    t.wau_users,
    t.mau_users,
    t.private_mau_users,
    s.retention_d1_cohort_users,
    s.retention_d1_retained_users,
    s.retention_d7_cohort_users,
    s.retention_d7_retained_users,
    s.retention_d30_cohort_users,
    s.retention_d30_retained_users,
    s.conversion_cohort_users,
    s.converted_users,
    s.ltv_cohort_users,
    s.ltv_revenue,
    c.paid_orders,
    c.gmv,
    c.paying_users,
    c.repurchase_customers,
    c.repurchase_repeat_customers,
    c.private_repurchase_customers,
    c.private_repurchase_repeat_customers
  from activity_totals as a
  cross join state_totals as t
  cross join signup_totals as s
  cross join customer_totals as c
)

select * from final
