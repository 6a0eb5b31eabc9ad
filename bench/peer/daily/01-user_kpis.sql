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
-- amount). Deduplicated within the orders window.
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
-- Cost: the user days of the activity windows are read once (the 30 days ending D, or the
-- ISO week); the signups come from the per-user state, filtered to the period's and the
-- cohorts' days; the order figures are grouped per buyer. So no step joins every user with
-- every paid order or with every signup (docs/performance.md has the figures).
--
-- @param events_first_day varchar first local day of the activity window (YYYY-MM-DD)
-- @param events_last_day varchar last local day of the activity window (D)
-- @param period_start date first local day of the period
-- @param period_end date last local day of the period (D)
-- @param wau_start date first local day of the WAU window (D-6; weekly: the Monday)
-- @param mau_start date first local day of the 30 days ending D
-- @param private_customer_start date first local day in which a private-domain event makes a customer a private-domain one (weekly: the 90 days ending D, as the repurchase window; daily: mau_start, unused)
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

user_day as (
-- Activity rollup: what each user did on each report-zone local day, from the raw events.
--
-- Grain: one row per user and local day of :cal on which the user has at least one event.
-- The runs build it themselves (functions/lib/rollups/refresh.ts): only the days that have
-- no rollup partition yet, or whose raw dt partitions changed since it was built, in one
-- query for all of them; DuckDB writes the rows with COPY … PARTITION_BY (local_date),
-- Athena with UNLOAD. Window queries then read `user_day` instead of the raw events.
--
-- A local day spans two or three dt partitions, and each dt partition two local days: the
-- calendar join buckets every event into its local day, and the bounds filter keeps the
-- one that holds it. Counts are of event records (duplicated deliveries included); the
-- activity metrics only ask whether a row exists. Records that fail validation are left
-- out, as in every KPI query: events without a user or of a type not in :event_types.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events those days overlap
-- @param event_types varchar_list the known event types of the data contract
-- @param private_channels varchar_list channels that count as private domain
-- @partitions events :events_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   user_id                  the user
--   events                   event records that day
--   <type>_events            event records of each known type (signup_events, …)
--   automated_messages       message_sent records with automated = true
--   private_channel_events   records on a private-domain channel (> 0: the private flag)
--   distinct_channels        distinct channels the user was seen on
--   first_signup_time        the day's first signup event (null: no signup that day)
--   local_date               the local day, YYYY-MM-DD (the partition)

with

events_of_days as (
  select
    e.user_id,
    e.event_type,
    e.channel,
    e.automated,
    e.event_time,
    cal.local_date
  from events as e
  join (VALUES (DATE '2026-09-22', '2026-09-21', TIMESTAMP '2026-09-21 16:00:00.000', TIMESTAMP '2026-09-22 16:00:00.000'), (DATE '2026-09-22', '2026-09-22', TIMESTAMP '2026-09-21 16:00:00.000', TIMESTAMP '2026-09-22 16:00:00.000'), (DATE '2026-09-23', '2026-09-22', TIMESTAMP '2026-09-22 16:00:00.000', TIMESTAMP '2026-09-23 16:00:00.000'), (DATE '2026-09-23', '2026-09-23', TIMESTAMP '2026-09-22 16:00:00.000', TIMESTAMP '2026-09-23 16:00:00.000'), (DATE '2026-09-24', '2026-09-23', TIMESTAMP '2026-09-23 16:00:00.000', TIMESTAMP '2026-09-24 16:00:00.000'), (DATE '2026-09-24', '2026-09-24', TIMESTAMP '2026-09-23 16:00:00.000', TIMESTAMP '2026-09-24 16:00:00.000'), (DATE '2026-09-25', '2026-09-24', TIMESTAMP '2026-09-24 16:00:00.000', TIMESTAMP '2026-09-25 16:00:00.000'), (DATE '2026-09-25', '2026-09-25', TIMESTAMP '2026-09-24 16:00:00.000', TIMESTAMP '2026-09-25 16:00:00.000'), (DATE '2026-09-26', '2026-09-25', TIMESTAMP '2026-09-25 16:00:00.000', TIMESTAMP '2026-09-26 16:00:00.000'), (DATE '2026-09-26', '2026-09-26', TIMESTAMP '2026-09-25 16:00:00.000', TIMESTAMP '2026-09-26 16:00:00.000'), (DATE '2026-09-27', '2026-09-26', TIMESTAMP '2026-09-26 16:00:00.000', TIMESTAMP '2026-09-27 16:00:00.000'), (DATE '2026-09-27', '2026-09-27', TIMESTAMP '2026-09-26 16:00:00.000', TIMESTAMP '2026-09-27 16:00:00.000'), (DATE '2026-09-28', '2026-09-27', TIMESTAMP '2026-09-27 16:00:00.000', TIMESTAMP '2026-09-28 16:00:00.000'), (DATE '2026-09-28', '2026-09-28', TIMESTAMP '2026-09-27 16:00:00.000', TIMESTAMP '2026-09-28 16:00:00.000'), (DATE '2026-09-29', '2026-09-28', TIMESTAMP '2026-09-28 16:00:00.000', TIMESTAMP '2026-09-29 16:00:00.000'), (DATE '2026-09-29', '2026-09-29', TIMESTAMP '2026-09-28 16:00:00.000', TIMESTAMP '2026-09-29 16:00:00.000'), (DATE '2026-09-30', '2026-09-29', TIMESTAMP '2026-09-29 16:00:00.000', TIMESTAMP '2026-09-30 16:00:00.000'), (DATE '2026-09-30', '2026-09-30', TIMESTAMP '2026-09-29 16:00:00.000', TIMESTAMP '2026-09-30 16:00:00.000'), (DATE '2026-10-01', '2026-09-30', TIMESTAMP '2026-09-30 16:00:00.000', TIMESTAMP '2026-10-01 16:00:00.000'), (DATE '2026-10-01', '2026-10-01', TIMESTAMP '2026-09-30 16:00:00.000', TIMESTAMP '2026-10-01 16:00:00.000'), (DATE '2026-10-02', '2026-10-01', TIMESTAMP '2026-10-01 16:00:00.000', TIMESTAMP '2026-10-02 16:00:00.000'), (DATE '2026-10-02', '2026-10-02', TIMESTAMP '2026-10-01 16:00:00.000', TIMESTAMP '2026-10-02 16:00:00.000'), (DATE '2026-10-03', '2026-10-02', TIMESTAMP '2026-10-02 16:00:00.000', TIMESTAMP '2026-10-03 16:00:00.000'), (DATE '2026-10-03', '2026-10-03', TIMESTAMP '2026-10-02 16:00:00.000', TIMESTAMP '2026-10-03 16:00:00.000'), (DATE '2026-10-04', '2026-10-03', TIMESTAMP '2026-10-03 16:00:00.000', TIMESTAMP '2026-10-04 16:00:00.000'), (DATE '2026-10-04', '2026-10-04', TIMESTAMP '2026-10-03 16:00:00.000', TIMESTAMP '2026-10-04 16:00:00.000'), (DATE '2026-10-05', '2026-10-04', TIMESTAMP '2026-10-04 16:00:00.000', TIMESTAMP '2026-10-05 16:00:00.000'), (DATE '2026-10-05', '2026-10-05', TIMESTAMP '2026-10-04 16:00:00.000', TIMESTAMP '2026-10-05 16:00:00.000'), (DATE '2026-10-06', '2026-10-05', TIMESTAMP '2026-10-05 16:00:00.000', TIMESTAMP '2026-10-06 16:00:00.000'), (DATE '2026-10-06', '2026-10-06', TIMESTAMP '2026-10-05 16:00:00.000', TIMESTAMP '2026-10-06 16:00:00.000'), (DATE '2026-10-07', '2026-10-06', TIMESTAMP '2026-10-06 16:00:00.000', TIMESTAMP '2026-10-07 16:00:00.000'), (DATE '2026-10-07', '2026-10-07', TIMESTAMP '2026-10-06 16:00:00.000', TIMESTAMP '2026-10-07 16:00:00.000'), (DATE '2026-10-08', '2026-10-07', TIMESTAMP '2026-10-07 16:00:00.000', TIMESTAMP '2026-10-08 16:00:00.000'), (DATE '2026-10-08', '2026-10-08', TIMESTAMP '2026-10-07 16:00:00.000', TIMESTAMP '2026-10-08 16:00:00.000'), (DATE '2026-10-09', '2026-10-08', TIMESTAMP '2026-10-08 16:00:00.000', TIMESTAMP '2026-10-09 16:00:00.000'), (DATE '2026-10-09', '2026-10-09', TIMESTAMP '2026-10-08 16:00:00.000', TIMESTAMP '2026-10-09 16:00:00.000'), (DATE '2026-10-10', '2026-10-09', TIMESTAMP '2026-10-09 16:00:00.000', TIMESTAMP '2026-10-10 16:00:00.000'), (DATE '2026-10-10', '2026-10-10', TIMESTAMP '2026-10-09 16:00:00.000', TIMESTAMP '2026-10-10 16:00:00.000'), (DATE '2026-10-11', '2026-10-10', TIMESTAMP '2026-10-10 16:00:00.000', TIMESTAMP '2026-10-11 16:00:00.000'), (DATE '2026-10-11', '2026-10-11', TIMESTAMP '2026-10-10 16:00:00.000', TIMESTAMP '2026-10-11 16:00:00.000'), (DATE '2026-10-12', '2026-10-11', TIMESTAMP '2026-10-11 16:00:00.000', TIMESTAMP '2026-10-12 16:00:00.000'), (DATE '2026-10-12', '2026-10-12', TIMESTAMP '2026-10-11 16:00:00.000', TIMESTAMP '2026-10-12 16:00:00.000'), (DATE '2026-10-13', '2026-10-12', TIMESTAMP '2026-10-12 16:00:00.000', TIMESTAMP '2026-10-13 16:00:00.000'), (DATE '2026-10-13', '2026-10-13', TIMESTAMP '2026-10-12 16:00:00.000', TIMESTAMP '2026-10-13 16:00:00.000'), (DATE '2026-10-14', '2026-10-13', TIMESTAMP '2026-10-13 16:00:00.000', TIMESTAMP '2026-10-14 16:00:00.000'), (DATE '2026-10-14', '2026-10-14', TIMESTAMP '2026-10-13 16:00:00.000', TIMESTAMP '2026-10-14 16:00:00.000'), (DATE '2026-10-15', '2026-10-14', TIMESTAMP '2026-10-14 16:00:00.000', TIMESTAMP '2026-10-15 16:00:00.000'), (DATE '2026-10-15', '2026-10-15', TIMESTAMP '2026-10-14 16:00:00.000', TIMESTAMP '2026-10-15 16:00:00.000'), (DATE '2026-10-16', '2026-10-15', TIMESTAMP '2026-10-15 16:00:00.000', TIMESTAMP '2026-10-16 16:00:00.000'), (DATE '2026-10-16', '2026-10-16', TIMESTAMP '2026-10-15 16:00:00.000', TIMESTAMP '2026-10-16 16:00:00.000'), (DATE '2026-10-17', '2026-10-16', TIMESTAMP '2026-10-16 16:00:00.000', TIMESTAMP '2026-10-17 16:00:00.000'), (DATE '2026-10-17', '2026-10-17', TIMESTAMP '2026-10-16 16:00:00.000', TIMESTAMP '2026-10-17 16:00:00.000'), (DATE '2026-10-18', '2026-10-17', TIMESTAMP '2026-10-17 16:00:00.000', TIMESTAMP '2026-10-18 16:00:00.000'), (DATE '2026-10-18', '2026-10-18', TIMESTAMP '2026-10-17 16:00:00.000', TIMESTAMP '2026-10-18 16:00:00.000'), (DATE '2026-10-19', '2026-10-18', TIMESTAMP '2026-10-18 16:00:00.000', TIMESTAMP '2026-10-19 16:00:00.000'), (DATE '2026-10-19', '2026-10-19', TIMESTAMP '2026-10-18 16:00:00.000', TIMESTAMP '2026-10-19 16:00:00.000'), (DATE '2026-10-20', '2026-10-19', TIMESTAMP '2026-10-19 16:00:00.000', TIMESTAMP '2026-10-20 16:00:00.000'), (DATE '2026-10-20', '2026-10-20', TIMESTAMP '2026-10-19 16:00:00.000', TIMESTAMP '2026-10-20 16:00:00.000'), (DATE '2026-10-21', '2026-10-20', TIMESTAMP '2026-10-20 16:00:00.000', TIMESTAMP '2026-10-21 16:00:00.000'), (DATE '2026-10-21', '2026-10-21', TIMESTAMP '2026-10-20 16:00:00.000', TIMESTAMP '2026-10-21 16:00:00.000'), (DATE '2026-10-22', '2026-10-21', TIMESTAMP '2026-10-21 16:00:00.000', TIMESTAMP '2026-10-22 16:00:00.000'), (DATE '2026-10-22', '2026-10-22', TIMESTAMP '2026-10-21 16:00:00.000', TIMESTAMP '2026-10-22 16:00:00.000'), (DATE '2026-10-23', '2026-10-22', TIMESTAMP '2026-10-22 16:00:00.000', TIMESTAMP '2026-10-23 16:00:00.000'), (DATE '2026-10-23', '2026-10-23', TIMESTAMP '2026-10-22 16:00:00.000', TIMESTAMP '2026-10-23 16:00:00.000'), (DATE '2026-10-24', '2026-10-23', TIMESTAMP '2026-10-23 16:00:00.000', TIMESTAMP '2026-10-24 16:00:00.000'), (DATE '2026-10-24', '2026-10-24', TIMESTAMP '2026-10-23 16:00:00.000', TIMESTAMP '2026-10-24 16:00:00.000'), (DATE '2026-10-25', '2026-10-24', TIMESTAMP '2026-10-24 16:00:00.000', TIMESTAMP '2026-10-25 16:00:00.000'), (DATE '2026-10-25', '2026-10-25', TIMESTAMP '2026-10-24 16:00:00.000', TIMESTAMP '2026-10-25 16:00:00.000'), (DATE '2026-10-26', '2026-10-25', TIMESTAMP '2026-10-25 16:00:00.000', TIMESTAMP '2026-10-26 16:00:00.000'), (DATE '2026-10-26', '2026-10-26', TIMESTAMP '2026-10-25 16:00:00.000', TIMESTAMP '2026-10-26 16:00:00.000'), (DATE '2026-10-27', '2026-10-26', TIMESTAMP '2026-10-26 16:00:00.000', TIMESTAMP '2026-10-27 16:00:00.000'), (DATE '2026-10-27', '2026-10-27', TIMESTAMP '2026-10-26 16:00:00.000', TIMESTAMP '2026-10-27 16:00:00.000'), (DATE '2026-10-28', '2026-10-27', TIMESTAMP '2026-10-27 16:00:00.000', TIMESTAMP '2026-10-28 16:00:00.000'), (DATE '2026-10-28', '2026-10-28', TIMESTAMP '2026-10-27 16:00:00.000', TIMESTAMP '2026-10-28 16:00:00.000'), (DATE '2026-10-29', '2026-10-28', TIMESTAMP '2026-10-28 16:00:00.000', TIMESTAMP '2026-10-29 16:00:00.000'), (DATE '2026-10-29', '2026-10-29', TIMESTAMP '2026-10-28 16:00:00.000', TIMESTAMP '2026-10-29 16:00:00.000'), (DATE '2026-10-30', '2026-10-29', TIMESTAMP '2026-10-29 16:00:00.000', TIMESTAMP '2026-10-30 16:00:00.000'), (DATE '2026-10-30', '2026-10-30', TIMESTAMP '2026-10-29 16:00:00.000', TIMESTAMP '2026-10-30 16:00:00.000'), (DATE '2026-10-31', '2026-10-30', TIMESTAMP '2026-10-30 16:00:00.000', TIMESTAMP '2026-10-31 16:00:00.000'), (DATE '2026-10-31', '2026-10-31', TIMESTAMP '2026-10-30 16:00:00.000', TIMESTAMP '2026-10-31 16:00:00.000'), (DATE '2026-11-01', '2026-10-31', TIMESTAMP '2026-10-31 16:00:00.000', TIMESTAMP '2026-11-01 16:00:00.000'), (DATE '2026-11-01', '2026-11-01', TIMESTAMP '2026-10-31 16:00:00.000', TIMESTAMP '2026-11-01 16:00:00.000'), (DATE '2026-11-02', '2026-11-01', TIMESTAMP '2026-11-01 16:00:00.000', TIMESTAMP '2026-11-02 16:00:00.000'), (DATE '2026-11-02', '2026-11-02', TIMESTAMP '2026-11-01 16:00:00.000', TIMESTAMP '2026-11-02 16:00:00.000'), (DATE '2026-11-03', '2026-11-02', TIMESTAMP '2026-11-02 16:00:00.000', TIMESTAMP '2026-11-03 16:00:00.000'), (DATE '2026-11-03', '2026-11-03', TIMESTAMP '2026-11-02 16:00:00.000', TIMESTAMP '2026-11-03 16:00:00.000'), (DATE '2026-11-04', '2026-11-03', TIMESTAMP '2026-11-03 16:00:00.000', TIMESTAMP '2026-11-04 16:00:00.000'), (DATE '2026-11-04', '2026-11-04', TIMESTAMP '2026-11-03 16:00:00.000', TIMESTAMP '2026-11-04 16:00:00.000'), (DATE '2026-11-05', '2026-11-04', TIMESTAMP '2026-11-04 16:00:00.000', TIMESTAMP '2026-11-05 16:00:00.000'), (DATE '2026-11-05', '2026-11-05', TIMESTAMP '2026-11-04 16:00:00.000', TIMESTAMP '2026-11-05 16:00:00.000'), (DATE '2026-11-06', '2026-11-05', TIMESTAMP '2026-11-05 16:00:00.000', TIMESTAMP '2026-11-06 16:00:00.000'), (DATE '2026-11-06', '2026-11-06', TIMESTAMP '2026-11-05 16:00:00.000', TIMESTAMP '2026-11-06 16:00:00.000'), (DATE '2026-11-07', '2026-11-06', TIMESTAMP '2026-11-06 16:00:00.000', TIMESTAMP '2026-11-07 16:00:00.000'), (DATE '2026-11-07', '2026-11-07', TIMESTAMP '2026-11-06 16:00:00.000', TIMESTAMP '2026-11-07 16:00:00.000'), (DATE '2026-11-08', '2026-11-07', TIMESTAMP '2026-11-07 16:00:00.000', TIMESTAMP '2026-11-08 16:00:00.000'), (DATE '2026-11-08', '2026-11-08', TIMESTAMP '2026-11-07 16:00:00.000', TIMESTAMP '2026-11-08 16:00:00.000'), (DATE '2026-11-09', '2026-11-08', TIMESTAMP '2026-11-08 16:00:00.000', TIMESTAMP '2026-11-09 16:00:00.000'), (DATE '2026-11-09', '2026-11-09', TIMESTAMP '2026-11-08 16:00:00.000', TIMESTAMP '2026-11-09 16:00:00.000'), (DATE '2026-11-10', '2026-11-09', TIMESTAMP '2026-11-09 16:00:00.000', TIMESTAMP '2026-11-10 16:00:00.000'), (DATE '2026-11-10', '2026-11-10', TIMESTAMP '2026-11-09 16:00:00.000', TIMESTAMP '2026-11-10 16:00:00.000'), (DATE '2026-11-11', '2026-11-10', TIMESTAMP '2026-11-10 16:00:00.000', TIMESTAMP '2026-11-11 16:00:00.000'), (DATE '2026-11-11', '2026-11-11', TIMESTAMP '2026-11-10 16:00:00.000', TIMESTAMP '2026-11-11 16:00:00.000'), (DATE '2026-11-12', '2026-11-11', TIMESTAMP '2026-11-11 16:00:00.000', TIMESTAMP '2026-11-12 16:00:00.000'), (DATE '2026-11-12', '2026-11-12', TIMESTAMP '2026-11-11 16:00:00.000', TIMESTAMP '2026-11-12 16:00:00.000'), (DATE '2026-11-13', '2026-11-12', TIMESTAMP '2026-11-12 16:00:00.000', TIMESTAMP '2026-11-13 16:00:00.000'), (DATE '2026-11-13', '2026-11-13', TIMESTAMP '2026-11-12 16:00:00.000', TIMESTAMP '2026-11-13 16:00:00.000'), (DATE '2026-11-14', '2026-11-13', TIMESTAMP '2026-11-13 16:00:00.000', TIMESTAMP '2026-11-14 16:00:00.000'), (DATE '2026-11-14', '2026-11-14', TIMESTAMP '2026-11-13 16:00:00.000', TIMESTAMP '2026-11-14 16:00:00.000'), (DATE '2026-11-15', '2026-11-14', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-15', '2026-11-15', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-16', '2026-11-15', TIMESTAMP '2026-11-15 16:00:00.000', TIMESTAMP '2026-11-16 16:00:00.000'), (DATE '2026-11-16', '2026-11-16', TIMESTAMP '2026-11-15 16:00:00.000', TIMESTAMP '2026-11-16 16:00:00.000'), (DATE '2026-11-17', '2026-11-16', TIMESTAMP '2026-11-16 16:00:00.000', TIMESTAMP '2026-11-17 16:00:00.000'), (DATE '2026-11-17', '2026-11-17', TIMESTAMP '2026-11-16 16:00:00.000', TIMESTAMP '2026-11-17 16:00:00.000'), (DATE '2026-11-18', '2026-11-17', TIMESTAMP '2026-11-17 16:00:00.000', TIMESTAMP '2026-11-18 16:00:00.000'), (DATE '2026-11-18', '2026-11-18', TIMESTAMP '2026-11-17 16:00:00.000', TIMESTAMP '2026-11-18 16:00:00.000'), (DATE '2026-11-19', '2026-11-18', TIMESTAMP '2026-11-18 16:00:00.000', TIMESTAMP '2026-11-19 16:00:00.000'), (DATE '2026-11-19', '2026-11-19', TIMESTAMP '2026-11-18 16:00:00.000', TIMESTAMP '2026-11-19 16:00:00.000'), (DATE '2026-11-20', '2026-11-19', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-20', '2026-11-20', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-21', '2026-11-20', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000'), (DATE '2026-11-21', '2026-11-21', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000')) as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in ('2026-09-21', '2026-09-22', '2026-09-23', '2026-09-24', '2026-09-25', '2026-09-26', '2026-09-27', '2026-09-28', '2026-09-29', '2026-09-30', '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07', '2026-10-08', '2026-10-09', '2026-10-10', '2026-10-11', '2026-10-12', '2026-10-13', '2026-10-14', '2026-10-15', '2026-10-16', '2026-10-17', '2026-10-18', '2026-10-19', '2026-10-20', '2026-10-21', '2026-10-22', '2026-10-23', '2026-10-24', '2026-10-25', '2026-10-26', '2026-10-27', '2026-10-28', '2026-10-29', '2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08', '2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21')
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
    and e.user_id is not null
    and e.event_type in ('signup', 'session_start', 'page_view', 'content_view', 'content_like', 'content_comment', 'content_share', 'content_click', 'campaign_join', 'invite_sent', 'invite_accepted', 'message_sent')
),

final as (
  select
    user_id,
    count(*) as events,
    count(case when event_type = 'signup' then 1 end) as signup_events,
    count(case when event_type = 'session_start' then 1 end) as session_start_events,
    count(case when event_type = 'page_view' then 1 end) as page_view_events,
    count(case when event_type = 'content_view' then 1 end) as content_view_events,
    count(case when event_type = 'content_like' then 1 end) as content_like_events,
    count(case when event_type = 'content_comment' then 1 end) as content_comment_events,
    count(case when event_type = 'content_share' then 1 end) as content_share_events,
    count(case when event_type = 'content_click' then 1 end) as content_click_events,
    count(case when event_type = 'campaign_join' then 1 end) as campaign_join_events,
    count(case when event_type = 'invite_sent' then 1 end) as invite_sent_events,
    count(case when event_type = 'invite_accepted' then 1 end) as invite_accepted_events,
    count(case when event_type = 'message_sent' then 1 end) as message_sent_events,
    count(case when event_type = 'message_sent' and automated then 1 end) as automated_messages,
    count(case when channel in ('wecom', 'community', 'miniprogram') then 1 end) as private_channel_events,
    count(distinct channel) as distinct_channels,
    min(case when event_type = 'signup' then event_time end) as first_signup_time,
    cast(local_date as varchar) as local_date
  from events_of_days
  group by user_id, local_date
)

select * from final
),

order_day as (
-- Order rollup: the final record of each order, by the report-zone local day it was placed.
--
-- Grain: one row per order_id and local day of :cal holding a valid record of it; the row
-- is the order's latest record (queries/_fragments/latest_order_records.sql, the one place
-- that rule lives), so `status` is the order's final status, and a paid order is a row with
-- `status = 'paid'` and a non-negative amount. Records of one order carry its order_time,
-- so they share a dt partition: a late refund of an order placed days ago lands in that
-- day's partition, changes its fingerprint, and the next run rebuilds that day
-- (functions/lib/rollups/refresh.ts). Readers that span several days still take the latest
-- row per order_id through the same fragment, which costs nothing and keeps them right
-- should an order's records disagree on its order_time. Records without an order id, user,
-- status or updated_at never reach it; a refund or cancellation with a negative amount does
-- (many sources record refunds so), and so does a paid record with a negative amount (an
-- invalid one: no reader counts it as paid; data quality counts it).
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param orders_dts varchar_list every dt partition of orders those days overlap
-- @partitions orders :orders_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   order_id, user_id, order_time, updated_at, amount, currency, status, channel,
--   campaign_id, content_id   of the order's final record
--   records                   valid records of the order that day (duplicates and updates)
--   local_date                the local day of order_time, YYYY-MM-DD (the partition)

with

order_records as (
  select
    o.order_id,
    o.user_id,
    o.order_time,
    o.updated_at,
    o.amount,
    o.currency,
    o.status,
    o.channel,
    o.campaign_id,
    o.content_id,
    cal.local_date,
    cal.local_date as order_scope
  from orders as o
  join (VALUES (DATE '2026-08-24', '2026-08-23', TIMESTAMP '2026-08-23 16:00:00.000', TIMESTAMP '2026-08-24 16:00:00.000'), (DATE '2026-08-24', '2026-08-24', TIMESTAMP '2026-08-23 16:00:00.000', TIMESTAMP '2026-08-24 16:00:00.000'), (DATE '2026-08-25', '2026-08-24', TIMESTAMP '2026-08-24 16:00:00.000', TIMESTAMP '2026-08-25 16:00:00.000'), (DATE '2026-08-25', '2026-08-25', TIMESTAMP '2026-08-24 16:00:00.000', TIMESTAMP '2026-08-25 16:00:00.000'), (DATE '2026-08-26', '2026-08-25', TIMESTAMP '2026-08-25 16:00:00.000', TIMESTAMP '2026-08-26 16:00:00.000'), (DATE '2026-08-26', '2026-08-26', TIMESTAMP '2026-08-25 16:00:00.000', TIMESTAMP '2026-08-26 16:00:00.000'), (DATE '2026-08-27', '2026-08-26', TIMESTAMP '2026-08-26 16:00:00.000', TIMESTAMP '2026-08-27 16:00:00.000'), (DATE '2026-08-27', '2026-08-27', TIMESTAMP '2026-08-26 16:00:00.000', TIMESTAMP '2026-08-27 16:00:00.000'), (DATE '2026-08-28', '2026-08-27', TIMESTAMP '2026-08-27 16:00:00.000', TIMESTAMP '2026-08-28 16:00:00.000'), (DATE '2026-08-28', '2026-08-28', TIMESTAMP '2026-08-27 16:00:00.000', TIMESTAMP '2026-08-28 16:00:00.000'), (DATE '2026-08-29', '2026-08-28', TIMESTAMP '2026-08-28 16:00:00.000', TIMESTAMP '2026-08-29 16:00:00.000'), (DATE '2026-08-29', '2026-08-29', TIMESTAMP '2026-08-28 16:00:00.000', TIMESTAMP '2026-08-29 16:00:00.000'), (DATE '2026-08-30', '2026-08-29', TIMESTAMP '2026-08-29 16:00:00.000', TIMESTAMP '2026-08-30 16:00:00.000'), (DATE '2026-08-30', '2026-08-30', TIMESTAMP '2026-08-29 16:00:00.000', TIMESTAMP '2026-08-30 16:00:00.000'), (DATE '2026-08-31', '2026-08-30', TIMESTAMP '2026-08-30 16:00:00.000', TIMESTAMP '2026-08-31 16:00:00.000'), (DATE '2026-08-31', '2026-08-31', TIMESTAMP '2026-08-30 16:00:00.000', TIMESTAMP '2026-08-31 16:00:00.000'), (DATE '2026-09-01', '2026-08-31', TIMESTAMP '2026-08-31 16:00:00.000', TIMESTAMP '2026-09-01 16:00:00.000'), (DATE '2026-09-01', '2026-09-01', TIMESTAMP '2026-08-31 16:00:00.000', TIMESTAMP '2026-09-01 16:00:00.000'), (DATE '2026-09-02', '2026-09-01', TIMESTAMP '2026-09-01 16:00:00.000', TIMESTAMP '2026-09-02 16:00:00.000'), (DATE '2026-09-02', '2026-09-02', TIMESTAMP '2026-09-01 16:00:00.000', TIMESTAMP '2026-09-02 16:00:00.000'), (DATE '2026-09-03', '2026-09-02', TIMESTAMP '2026-09-02 16:00:00.000', TIMESTAMP '2026-09-03 16:00:00.000'), (DATE '2026-09-03', '2026-09-03', TIMESTAMP '2026-09-02 16:00:00.000', TIMESTAMP '2026-09-03 16:00:00.000'), (DATE '2026-09-04', '2026-09-03', TIMESTAMP '2026-09-03 16:00:00.000', TIMESTAMP '2026-09-04 16:00:00.000'), (DATE '2026-09-04', '2026-09-04', TIMESTAMP '2026-09-03 16:00:00.000', TIMESTAMP '2026-09-04 16:00:00.000'), (DATE '2026-09-05', '2026-09-04', TIMESTAMP '2026-09-04 16:00:00.000', TIMESTAMP '2026-09-05 16:00:00.000'), (DATE '2026-09-05', '2026-09-05', TIMESTAMP '2026-09-04 16:00:00.000', TIMESTAMP '2026-09-05 16:00:00.000'), (DATE '2026-09-06', '2026-09-05', TIMESTAMP '2026-09-05 16:00:00.000', TIMESTAMP '2026-09-06 16:00:00.000'), (DATE '2026-09-06', '2026-09-06', TIMESTAMP '2026-09-05 16:00:00.000', TIMESTAMP '2026-09-06 16:00:00.000'), (DATE '2026-09-07', '2026-09-06', TIMESTAMP '2026-09-06 16:00:00.000', TIMESTAMP '2026-09-07 16:00:00.000'), (DATE '2026-09-07', '2026-09-07', TIMESTAMP '2026-09-06 16:00:00.000', TIMESTAMP '2026-09-07 16:00:00.000'), (DATE '2026-09-08', '2026-09-07', TIMESTAMP '2026-09-07 16:00:00.000', TIMESTAMP '2026-09-08 16:00:00.000'), (DATE '2026-09-08', '2026-09-08', TIMESTAMP '2026-09-07 16:00:00.000', TIMESTAMP '2026-09-08 16:00:00.000'), (DATE '2026-09-09', '2026-09-08', TIMESTAMP '2026-09-08 16:00:00.000', TIMESTAMP '2026-09-09 16:00:00.000'), (DATE '2026-09-09', '2026-09-09', TIMESTAMP '2026-09-08 16:00:00.000', TIMESTAMP '2026-09-09 16:00:00.000'), (DATE '2026-09-10', '2026-09-09', TIMESTAMP '2026-09-09 16:00:00.000', TIMESTAMP '2026-09-10 16:00:00.000'), (DATE '2026-09-10', '2026-09-10', TIMESTAMP '2026-09-09 16:00:00.000', TIMESTAMP '2026-09-10 16:00:00.000'), (DATE '2026-09-11', '2026-09-10', TIMESTAMP '2026-09-10 16:00:00.000', TIMESTAMP '2026-09-11 16:00:00.000'), (DATE '2026-09-11', '2026-09-11', TIMESTAMP '2026-09-10 16:00:00.000', TIMESTAMP '2026-09-11 16:00:00.000'), (DATE '2026-09-12', '2026-09-11', TIMESTAMP '2026-09-11 16:00:00.000', TIMESTAMP '2026-09-12 16:00:00.000'), (DATE '2026-09-12', '2026-09-12', TIMESTAMP '2026-09-11 16:00:00.000', TIMESTAMP '2026-09-12 16:00:00.000'), (DATE '2026-09-13', '2026-09-12', TIMESTAMP '2026-09-12 16:00:00.000', TIMESTAMP '2026-09-13 16:00:00.000'), (DATE '2026-09-13', '2026-09-13', TIMESTAMP '2026-09-12 16:00:00.000', TIMESTAMP '2026-09-13 16:00:00.000'), (DATE '2026-09-14', '2026-09-13', TIMESTAMP '2026-09-13 16:00:00.000', TIMESTAMP '2026-09-14 16:00:00.000'), (DATE '2026-09-14', '2026-09-14', TIMESTAMP '2026-09-13 16:00:00.000', TIMESTAMP '2026-09-14 16:00:00.000'), (DATE '2026-09-15', '2026-09-14', TIMESTAMP '2026-09-14 16:00:00.000', TIMESTAMP '2026-09-15 16:00:00.000'), (DATE '2026-09-15', '2026-09-15', TIMESTAMP '2026-09-14 16:00:00.000', TIMESTAMP '2026-09-15 16:00:00.000'), (DATE '2026-09-16', '2026-09-15', TIMESTAMP '2026-09-15 16:00:00.000', TIMESTAMP '2026-09-16 16:00:00.000'), (DATE '2026-09-16', '2026-09-16', TIMESTAMP '2026-09-15 16:00:00.000', TIMESTAMP '2026-09-16 16:00:00.000'), (DATE '2026-09-17', '2026-09-16', TIMESTAMP '2026-09-16 16:00:00.000', TIMESTAMP '2026-09-17 16:00:00.000'), (DATE '2026-09-17', '2026-09-17', TIMESTAMP '2026-09-16 16:00:00.000', TIMESTAMP '2026-09-17 16:00:00.000'), (DATE '2026-09-18', '2026-09-17', TIMESTAMP '2026-09-17 16:00:00.000', TIMESTAMP '2026-09-18 16:00:00.000'), (DATE '2026-09-18', '2026-09-18', TIMESTAMP '2026-09-17 16:00:00.000', TIMESTAMP '2026-09-18 16:00:00.000'), (DATE '2026-09-19', '2026-09-18', TIMESTAMP '2026-09-18 16:00:00.000', TIMESTAMP '2026-09-19 16:00:00.000'), (DATE '2026-09-19', '2026-09-19', TIMESTAMP '2026-09-18 16:00:00.000', TIMESTAMP '2026-09-19 16:00:00.000'), (DATE '2026-09-20', '2026-09-19', TIMESTAMP '2026-09-19 16:00:00.000', TIMESTAMP '2026-09-20 16:00:00.000'), (DATE '2026-09-20', '2026-09-20', TIMESTAMP '2026-09-19 16:00:00.000', TIMESTAMP '2026-09-20 16:00:00.000'), (DATE '2026-09-21', '2026-09-20', TIMESTAMP '2026-09-20 16:00:00.000', TIMESTAMP '2026-09-21 16:00:00.000'), (DATE '2026-09-21', '2026-09-21', TIMESTAMP '2026-09-20 16:00:00.000', TIMESTAMP '2026-09-21 16:00:00.000'), (DATE '2026-09-22', '2026-09-21', TIMESTAMP '2026-09-21 16:00:00.000', TIMESTAMP '2026-09-22 16:00:00.000'), (DATE '2026-09-22', '2026-09-22', TIMESTAMP '2026-09-21 16:00:00.000', TIMESTAMP '2026-09-22 16:00:00.000'), (DATE '2026-09-23', '2026-09-22', TIMESTAMP '2026-09-22 16:00:00.000', TIMESTAMP '2026-09-23 16:00:00.000'), (DATE '2026-09-23', '2026-09-23', TIMESTAMP '2026-09-22 16:00:00.000', TIMESTAMP '2026-09-23 16:00:00.000'), (DATE '2026-09-24', '2026-09-23', TIMESTAMP '2026-09-23 16:00:00.000', TIMESTAMP '2026-09-24 16:00:00.000'), (DATE '2026-09-24', '2026-09-24', TIMESTAMP '2026-09-23 16:00:00.000', TIMESTAMP '2026-09-24 16:00:00.000'), (DATE '2026-09-25', '2026-09-24', TIMESTAMP '2026-09-24 16:00:00.000', TIMESTAMP '2026-09-25 16:00:00.000'), (DATE '2026-09-25', '2026-09-25', TIMESTAMP '2026-09-24 16:00:00.000', TIMESTAMP '2026-09-25 16:00:00.000'), (DATE '2026-09-26', '2026-09-25', TIMESTAMP '2026-09-25 16:00:00.000', TIMESTAMP '2026-09-26 16:00:00.000'), (DATE '2026-09-26', '2026-09-26', TIMESTAMP '2026-09-25 16:00:00.000', TIMESTAMP '2026-09-26 16:00:00.000'), (DATE '2026-09-27', '2026-09-26', TIMESTAMP '2026-09-26 16:00:00.000', TIMESTAMP '2026-09-27 16:00:00.000'), (DATE '2026-09-27', '2026-09-27', TIMESTAMP '2026-09-26 16:00:00.000', TIMESTAMP '2026-09-27 16:00:00.000'), (DATE '2026-09-28', '2026-09-27', TIMESTAMP '2026-09-27 16:00:00.000', TIMESTAMP '2026-09-28 16:00:00.000'), (DATE '2026-09-28', '2026-09-28', TIMESTAMP '2026-09-27 16:00:00.000', TIMESTAMP '2026-09-28 16:00:00.000'), (DATE '2026-09-29', '2026-09-28', TIMESTAMP '2026-09-28 16:00:00.000', TIMESTAMP '2026-09-29 16:00:00.000'), (DATE '2026-09-29', '2026-09-29', TIMESTAMP '2026-09-28 16:00:00.000', TIMESTAMP '2026-09-29 16:00:00.000'), (DATE '2026-09-30', '2026-09-29', TIMESTAMP '2026-09-29 16:00:00.000', TIMESTAMP '2026-09-30 16:00:00.000'), (DATE '2026-09-30', '2026-09-30', TIMESTAMP '2026-09-29 16:00:00.000', TIMESTAMP '2026-09-30 16:00:00.000'), (DATE '2026-10-01', '2026-09-30', TIMESTAMP '2026-09-30 16:00:00.000', TIMESTAMP '2026-10-01 16:00:00.000'), (DATE '2026-10-01', '2026-10-01', TIMESTAMP '2026-09-30 16:00:00.000', TIMESTAMP '2026-10-01 16:00:00.000'), (DATE '2026-10-02', '2026-10-01', TIMESTAMP '2026-10-01 16:00:00.000', TIMESTAMP '2026-10-02 16:00:00.000'), (DATE '2026-10-02', '2026-10-02', TIMESTAMP '2026-10-01 16:00:00.000', TIMESTAMP '2026-10-02 16:00:00.000'), (DATE '2026-10-03', '2026-10-02', TIMESTAMP '2026-10-02 16:00:00.000', TIMESTAMP '2026-10-03 16:00:00.000'), (DATE '2026-10-03', '2026-10-03', TIMESTAMP '2026-10-02 16:00:00.000', TIMESTAMP '2026-10-03 16:00:00.000'), (DATE '2026-10-04', '2026-10-03', TIMESTAMP '2026-10-03 16:00:00.000', TIMESTAMP '2026-10-04 16:00:00.000'), (DATE '2026-10-04', '2026-10-04', TIMESTAMP '2026-10-03 16:00:00.000', TIMESTAMP '2026-10-04 16:00:00.000'), (DATE '2026-10-05', '2026-10-04', TIMESTAMP '2026-10-04 16:00:00.000', TIMESTAMP '2026-10-05 16:00:00.000'), (DATE '2026-10-05', '2026-10-05', TIMESTAMP '2026-10-04 16:00:00.000', TIMESTAMP '2026-10-05 16:00:00.000'), (DATE '2026-10-06', '2026-10-05', TIMESTAMP '2026-10-05 16:00:00.000', TIMESTAMP '2026-10-06 16:00:00.000'), (DATE '2026-10-06', '2026-10-06', TIMESTAMP '2026-10-05 16:00:00.000', TIMESTAMP '2026-10-06 16:00:00.000'), (DATE '2026-10-07', '2026-10-06', TIMESTAMP '2026-10-06 16:00:00.000', TIMESTAMP '2026-10-07 16:00:00.000'), (DATE '2026-10-07', '2026-10-07', TIMESTAMP '2026-10-06 16:00:00.000', TIMESTAMP '2026-10-07 16:00:00.000'), (DATE '2026-10-08', '2026-10-07', TIMESTAMP '2026-10-07 16:00:00.000', TIMESTAMP '2026-10-08 16:00:00.000'), (DATE '2026-10-08', '2026-10-08', TIMESTAMP '2026-10-07 16:00:00.000', TIMESTAMP '2026-10-08 16:00:00.000'), (DATE '2026-10-09', '2026-10-08', TIMESTAMP '2026-10-08 16:00:00.000', TIMESTAMP '2026-10-09 16:00:00.000'), (DATE '2026-10-09', '2026-10-09', TIMESTAMP '2026-10-08 16:00:00.000', TIMESTAMP '2026-10-09 16:00:00.000'), (DATE '2026-10-10', '2026-10-09', TIMESTAMP '2026-10-09 16:00:00.000', TIMESTAMP '2026-10-10 16:00:00.000'), (DATE '2026-10-10', '2026-10-10', TIMESTAMP '2026-10-09 16:00:00.000', TIMESTAMP '2026-10-10 16:00:00.000'), (DATE '2026-10-11', '2026-10-10', TIMESTAMP '2026-10-10 16:00:00.000', TIMESTAMP '2026-10-11 16:00:00.000'), (DATE '2026-10-11', '2026-10-11', TIMESTAMP '2026-10-10 16:00:00.000', TIMESTAMP '2026-10-11 16:00:00.000'), (DATE '2026-10-12', '2026-10-11', TIMESTAMP '2026-10-11 16:00:00.000', TIMESTAMP '2026-10-12 16:00:00.000'), (DATE '2026-10-12', '2026-10-12', TIMESTAMP '2026-10-11 16:00:00.000', TIMESTAMP '2026-10-12 16:00:00.000'), (DATE '2026-10-13', '2026-10-12', TIMESTAMP '2026-10-12 16:00:00.000', TIMESTAMP '2026-10-13 16:00:00.000'), (DATE '2026-10-13', '2026-10-13', TIMESTAMP '2026-10-12 16:00:00.000', TIMESTAMP '2026-10-13 16:00:00.000'), (DATE '2026-10-14', '2026-10-13', TIMESTAMP '2026-10-13 16:00:00.000', TIMESTAMP '2026-10-14 16:00:00.000'), (DATE '2026-10-14', '2026-10-14', TIMESTAMP '2026-10-13 16:00:00.000', TIMESTAMP '2026-10-14 16:00:00.000'), (DATE '2026-10-15', '2026-10-14', TIMESTAMP '2026-10-14 16:00:00.000', TIMESTAMP '2026-10-15 16:00:00.000'), (DATE '2026-10-15', '2026-10-15', TIMESTAMP '2026-10-14 16:00:00.000', TIMESTAMP '2026-10-15 16:00:00.000'), (DATE '2026-10-16', '2026-10-15', TIMESTAMP '2026-10-15 16:00:00.000', TIMESTAMP '2026-10-16 16:00:00.000'), (DATE '2026-10-16', '2026-10-16', TIMESTAMP '2026-10-15 16:00:00.000', TIMESTAMP '2026-10-16 16:00:00.000'), (DATE '2026-10-17', '2026-10-16', TIMESTAMP '2026-10-16 16:00:00.000', TIMESTAMP '2026-10-17 16:00:00.000'), (DATE '2026-10-17', '2026-10-17', TIMESTAMP '2026-10-16 16:00:00.000', TIMESTAMP '2026-10-17 16:00:00.000'), (DATE '2026-10-18', '2026-10-17', TIMESTAMP '2026-10-17 16:00:00.000', TIMESTAMP '2026-10-18 16:00:00.000'), (DATE '2026-10-18', '2026-10-18', TIMESTAMP '2026-10-17 16:00:00.000', TIMESTAMP '2026-10-18 16:00:00.000'), (DATE '2026-10-19', '2026-10-18', TIMESTAMP '2026-10-18 16:00:00.000', TIMESTAMP '2026-10-19 16:00:00.000'), (DATE '2026-10-19', '2026-10-19', TIMESTAMP '2026-10-18 16:00:00.000', TIMESTAMP '2026-10-19 16:00:00.000'), (DATE '2026-10-20', '2026-10-19', TIMESTAMP '2026-10-19 16:00:00.000', TIMESTAMP '2026-10-20 16:00:00.000'), (DATE '2026-10-20', '2026-10-20', TIMESTAMP '2026-10-19 16:00:00.000', TIMESTAMP '2026-10-20 16:00:00.000'), (DATE '2026-10-21', '2026-10-20', TIMESTAMP '2026-10-20 16:00:00.000', TIMESTAMP '2026-10-21 16:00:00.000'), (DATE '2026-10-21', '2026-10-21', TIMESTAMP '2026-10-20 16:00:00.000', TIMESTAMP '2026-10-21 16:00:00.000'), (DATE '2026-10-22', '2026-10-21', TIMESTAMP '2026-10-21 16:00:00.000', TIMESTAMP '2026-10-22 16:00:00.000'), (DATE '2026-10-22', '2026-10-22', TIMESTAMP '2026-10-21 16:00:00.000', TIMESTAMP '2026-10-22 16:00:00.000'), (DATE '2026-10-23', '2026-10-22', TIMESTAMP '2026-10-22 16:00:00.000', TIMESTAMP '2026-10-23 16:00:00.000'), (DATE '2026-10-23', '2026-10-23', TIMESTAMP '2026-10-22 16:00:00.000', TIMESTAMP '2026-10-23 16:00:00.000'), (DATE '2026-10-24', '2026-10-23', TIMESTAMP '2026-10-23 16:00:00.000', TIMESTAMP '2026-10-24 16:00:00.000'), (DATE '2026-10-24', '2026-10-24', TIMESTAMP '2026-10-23 16:00:00.000', TIMESTAMP '2026-10-24 16:00:00.000'), (DATE '2026-10-25', '2026-10-24', TIMESTAMP '2026-10-24 16:00:00.000', TIMESTAMP '2026-10-25 16:00:00.000'), (DATE '2026-10-25', '2026-10-25', TIMESTAMP '2026-10-24 16:00:00.000', TIMESTAMP '2026-10-25 16:00:00.000'), (DATE '2026-10-26', '2026-10-25', TIMESTAMP '2026-10-25 16:00:00.000', TIMESTAMP '2026-10-26 16:00:00.000'), (DATE '2026-10-26', '2026-10-26', TIMESTAMP '2026-10-25 16:00:00.000', TIMESTAMP '2026-10-26 16:00:00.000'), (DATE '2026-10-27', '2026-10-26', TIMESTAMP '2026-10-26 16:00:00.000', TIMESTAMP '2026-10-27 16:00:00.000'), (DATE '2026-10-27', '2026-10-27', TIMESTAMP '2026-10-26 16:00:00.000', TIMESTAMP '2026-10-27 16:00:00.000'), (DATE '2026-10-28', '2026-10-27', TIMESTAMP '2026-10-27 16:00:00.000', TIMESTAMP '2026-10-28 16:00:00.000'), (DATE '2026-10-28', '2026-10-28', TIMESTAMP '2026-10-27 16:00:00.000', TIMESTAMP '2026-10-28 16:00:00.000'), (DATE '2026-10-29', '2026-10-28', TIMESTAMP '2026-10-28 16:00:00.000', TIMESTAMP '2026-10-29 16:00:00.000'), (DATE '2026-10-29', '2026-10-29', TIMESTAMP '2026-10-28 16:00:00.000', TIMESTAMP '2026-10-29 16:00:00.000'), (DATE '2026-10-30', '2026-10-29', TIMESTAMP '2026-10-29 16:00:00.000', TIMESTAMP '2026-10-30 16:00:00.000'), (DATE '2026-10-30', '2026-10-30', TIMESTAMP '2026-10-29 16:00:00.000', TIMESTAMP '2026-10-30 16:00:00.000'), (DATE '2026-10-31', '2026-10-30', TIMESTAMP '2026-10-30 16:00:00.000', TIMESTAMP '2026-10-31 16:00:00.000'), (DATE '2026-10-31', '2026-10-31', TIMESTAMP '2026-10-30 16:00:00.000', TIMESTAMP '2026-10-31 16:00:00.000'), (DATE '2026-11-01', '2026-10-31', TIMESTAMP '2026-10-31 16:00:00.000', TIMESTAMP '2026-11-01 16:00:00.000'), (DATE '2026-11-01', '2026-11-01', TIMESTAMP '2026-10-31 16:00:00.000', TIMESTAMP '2026-11-01 16:00:00.000'), (DATE '2026-11-02', '2026-11-01', TIMESTAMP '2026-11-01 16:00:00.000', TIMESTAMP '2026-11-02 16:00:00.000'), (DATE '2026-11-02', '2026-11-02', TIMESTAMP '2026-11-01 16:00:00.000', TIMESTAMP '2026-11-02 16:00:00.000'), (DATE '2026-11-03', '2026-11-02', TIMESTAMP '2026-11-02 16:00:00.000', TIMESTAMP '2026-11-03 16:00:00.000'), (DATE '2026-11-03', '2026-11-03', TIMESTAMP '2026-11-02 16:00:00.000', TIMESTAMP '2026-11-03 16:00:00.000'), (DATE '2026-11-04', '2026-11-03', TIMESTAMP '2026-11-03 16:00:00.000', TIMESTAMP '2026-11-04 16:00:00.000'), (DATE '2026-11-04', '2026-11-04', TIMESTAMP '2026-11-03 16:00:00.000', TIMESTAMP '2026-11-04 16:00:00.000'), (DATE '2026-11-05', '2026-11-04', TIMESTAMP '2026-11-04 16:00:00.000', TIMESTAMP '2026-11-05 16:00:00.000'), (DATE '2026-11-05', '2026-11-05', TIMESTAMP '2026-11-04 16:00:00.000', TIMESTAMP '2026-11-05 16:00:00.000'), (DATE '2026-11-06', '2026-11-05', TIMESTAMP '2026-11-05 16:00:00.000', TIMESTAMP '2026-11-06 16:00:00.000'), (DATE '2026-11-06', '2026-11-06', TIMESTAMP '2026-11-05 16:00:00.000', TIMESTAMP '2026-11-06 16:00:00.000'), (DATE '2026-11-07', '2026-11-06', TIMESTAMP '2026-11-06 16:00:00.000', TIMESTAMP '2026-11-07 16:00:00.000'), (DATE '2026-11-07', '2026-11-07', TIMESTAMP '2026-11-06 16:00:00.000', TIMESTAMP '2026-11-07 16:00:00.000'), (DATE '2026-11-08', '2026-11-07', TIMESTAMP '2026-11-07 16:00:00.000', TIMESTAMP '2026-11-08 16:00:00.000'), (DATE '2026-11-08', '2026-11-08', TIMESTAMP '2026-11-07 16:00:00.000', TIMESTAMP '2026-11-08 16:00:00.000'), (DATE '2026-11-09', '2026-11-08', TIMESTAMP '2026-11-08 16:00:00.000', TIMESTAMP '2026-11-09 16:00:00.000'), (DATE '2026-11-09', '2026-11-09', TIMESTAMP '2026-11-08 16:00:00.000', TIMESTAMP '2026-11-09 16:00:00.000'), (DATE '2026-11-10', '2026-11-09', TIMESTAMP '2026-11-09 16:00:00.000', TIMESTAMP '2026-11-10 16:00:00.000'), (DATE '2026-11-10', '2026-11-10', TIMESTAMP '2026-11-09 16:00:00.000', TIMESTAMP '2026-11-10 16:00:00.000'), (DATE '2026-11-11', '2026-11-10', TIMESTAMP '2026-11-10 16:00:00.000', TIMESTAMP '2026-11-11 16:00:00.000'), (DATE '2026-11-11', '2026-11-11', TIMESTAMP '2026-11-10 16:00:00.000', TIMESTAMP '2026-11-11 16:00:00.000'), (DATE '2026-11-12', '2026-11-11', TIMESTAMP '2026-11-11 16:00:00.000', TIMESTAMP '2026-11-12 16:00:00.000'), (DATE '2026-11-12', '2026-11-12', TIMESTAMP '2026-11-11 16:00:00.000', TIMESTAMP '2026-11-12 16:00:00.000'), (DATE '2026-11-13', '2026-11-12', TIMESTAMP '2026-11-12 16:00:00.000', TIMESTAMP '2026-11-13 16:00:00.000'), (DATE '2026-11-13', '2026-11-13', TIMESTAMP '2026-11-12 16:00:00.000', TIMESTAMP '2026-11-13 16:00:00.000'), (DATE '2026-11-14', '2026-11-13', TIMESTAMP '2026-11-13 16:00:00.000', TIMESTAMP '2026-11-14 16:00:00.000'), (DATE '2026-11-14', '2026-11-14', TIMESTAMP '2026-11-13 16:00:00.000', TIMESTAMP '2026-11-14 16:00:00.000'), (DATE '2026-11-15', '2026-11-14', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-15', '2026-11-15', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-16', '2026-11-15', TIMESTAMP '2026-11-15 16:00:00.000', TIMESTAMP '2026-11-16 16:00:00.000'), (DATE '2026-11-16', '2026-11-16', TIMESTAMP '2026-11-15 16:00:00.000', TIMESTAMP '2026-11-16 16:00:00.000'), (DATE '2026-11-17', '2026-11-16', TIMESTAMP '2026-11-16 16:00:00.000', TIMESTAMP '2026-11-17 16:00:00.000'), (DATE '2026-11-17', '2026-11-17', TIMESTAMP '2026-11-16 16:00:00.000', TIMESTAMP '2026-11-17 16:00:00.000'), (DATE '2026-11-18', '2026-11-17', TIMESTAMP '2026-11-17 16:00:00.000', TIMESTAMP '2026-11-18 16:00:00.000'), (DATE '2026-11-18', '2026-11-18', TIMESTAMP '2026-11-17 16:00:00.000', TIMESTAMP '2026-11-18 16:00:00.000'), (DATE '2026-11-19', '2026-11-18', TIMESTAMP '2026-11-18 16:00:00.000', TIMESTAMP '2026-11-19 16:00:00.000'), (DATE '2026-11-19', '2026-11-19', TIMESTAMP '2026-11-18 16:00:00.000', TIMESTAMP '2026-11-19 16:00:00.000'), (DATE '2026-11-20', '2026-11-19', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-20', '2026-11-20', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-21', '2026-11-20', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000'), (DATE '2026-11-21', '2026-11-21', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000')) as cal (local_date, dt, day_start, day_end)
    on o.dt = cal.dt
  where o.dt in ('2026-08-23', '2026-08-24', '2026-08-25', '2026-08-26', '2026-08-27', '2026-08-28', '2026-08-29', '2026-08-30', '2026-08-31', '2026-09-01', '2026-09-02', '2026-09-03', '2026-09-04', '2026-09-05', '2026-09-06', '2026-09-07', '2026-09-08', '2026-09-09', '2026-09-10', '2026-09-11', '2026-09-12', '2026-09-13', '2026-09-14', '2026-09-15', '2026-09-16', '2026-09-17', '2026-09-18', '2026-09-19', '2026-09-20', '2026-09-21', '2026-09-22', '2026-09-23', '2026-09-24', '2026-09-25', '2026-09-26', '2026-09-27', '2026-09-28', '2026-09-29', '2026-09-30', '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07', '2026-10-08', '2026-10-09', '2026-10-10', '2026-10-11', '2026-10-12', '2026-10-13', '2026-10-14', '2026-10-15', '2026-10-16', '2026-10-17', '2026-10-18', '2026-10-19', '2026-10-20', '2026-10-21', '2026-10-22', '2026-10-23', '2026-10-24', '2026-10-25', '2026-10-26', '2026-10-27', '2026-10-28', '2026-10-29', '2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08', '2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21')
    and o.order_time >= cal.day_start
    and o.order_time < cal.day_end
),

-- (included from queries/_fragments/latest_order_records.sql)
valid_order_records_ranked as (
  select
    r.*,
    row_number() over (
      partition by r.order_scope, r.order_id
      order by r.updated_at desc, case when r.status = 'paid' then 1 else 0 end, r.amount
    ) as recency_rank
  from order_records as r
  where r.order_id is not null
    and r.user_id is not null
    and r.status is not null
    and r.updated_at is not null
),

latest_order_records as (
  select
    v.*,
    case when v.status = 'paid' and v.amount >= 0 then 1 else 0 end as is_paid
  from valid_order_records_ranked as v
  where v.recency_rank = 1
),

record_counts as (
  select
    local_date,
    order_id,
    count(*) as records
  from valid_order_records_ranked
  group by local_date, order_id
),

final as (
  select
    o.order_id,
    o.user_id,
    o.order_time,
    o.updated_at,
    o.amount,
    o.currency,
    o.status,
    o.channel,
    o.campaign_id,
    o.content_id,
    c.records,
    cast(o.local_date as varchar) as local_date
  from latest_order_records as o
  join record_counts as c
    on o.local_date = c.local_date
    and o.order_id = c.order_id
)

select * from final
),

user_state as (
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

-- (included from queries/_fragments/user_state_of_days.sql)
days_state as (
  select
    user_id,
    min(first_signup_time) as first_signup_time,
    min(case when first_signup_time is not null then cast(local_date as date) end)
      as first_signup_date,
    min(cast(local_date as date)) as first_active_date
  from user_day
  where local_date between '2026-09-22' and '2026-11-21'
    and local_date in ('2026-09-22', '2026-09-23', '2026-09-24', '2026-09-25', '2026-09-26', '2026-09-27', '2026-09-28', '2026-09-29', '2026-09-30', '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07', '2026-10-08', '2026-10-09', '2026-10-10', '2026-10-11', '2026-10-12', '2026-10-13', '2026-10-14', '2026-10-15', '2026-10-16', '2026-10-17', '2026-10-18', '2026-10-19', '2026-10-20', '2026-10-21', '2026-10-22', '2026-10-23', '2026-10-24', '2026-10-25', '2026-10-26', '2026-10-27', '2026-10-28', '2026-10-29', '2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08', '2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21')
  group by user_id
),

final as (
  select
    user_id,
    first_signup_time,
    first_signup_date,
    first_active_date
  from days_state
)

select * from final
),


user_days as (
  select
    user_id,
    cast(local_date as date) as local_date,
    case when private_channel_events > 0 then 1 else 0 end as on_private_channel
  from user_day
  where local_date between :events_first_day and :events_last_day
),

user_activity as (
  select
    user_id,
    sum(case when local_date between :period_start and :period_end then 1 else 0 end)
      as active_days_in_period,
    max(case when local_date = :period_end then 1 else 0 end) as active_on_period_end,
    max(case when local_date between :wau_start and :period_end then 1 else 0 end)
      as active_in_wau_window,
    max(case when local_date between :mau_start and :period_end then 1 else 0 end)
      as active_in_mau_window,
    max(case when local_date between :mau_start and :period_end then on_private_channel else 0 end)
      as private_in_mau_window,
    max(case
      when local_date between :private_customer_start and :period_end then on_private_channel
      else 0
    end) as private_customer
  from user_days
  where local_date >= :mau_start
    or local_date >= :private_customer_start
    or local_date >= :wau_start
    or local_date >= :period_start
  group by user_id
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

order_records as (
  select
    order_id,
    user_id,
    order_time,
    updated_at,
    amount,
    status,
    'window' as order_scope
  from order_day
  where local_date between :orders_first_day and :orders_last_day
    and order_time >= :orders_from
    and order_time < :orders_to
),

-- (included from queries/_fragments/latest_order_records.sql)
valid_order_records_ranked as (
  select
    r.*,
    row_number() over (
      partition by r.order_scope, r.order_id
      order by r.updated_at desc, case when r.status = 'paid' then 1 else 0 end, r.amount
    ) as recency_rank
  from order_records as r
  where r.order_id is not null
    and r.user_id is not null
    and r.status is not null
    and r.updated_at is not null
),

latest_order_records as (
  select
    v.*,
    case when v.status = 'paid' and v.amount >= 0 then 1 else 0 end as is_paid
  from valid_order_records_ranked as v
  where v.recency_rank = 1
),

paid_orders as (
  select
    order_id,
    user_id,
    order_time,
    amount
  from latest_order_records
  where is_paid = 1
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

activity_totals as (
  select
    coalesce(sum(active_days_in_period), 0) as active_user_days,
    count(case when active_in_wau_window = 1 then 1 end) as wau_users,
    count(case when active_in_mau_window = 1 then 1 end) as mau_users,
    count(case when private_in_mau_window = 1 then 1 end) as private_mau_users
  from user_activity
),

signup_totals as (
  select
    count(case when s.signed_up_in_period = 1 then 1 end) as new_users,
    count(case when s.in_retention_d1_cohort = 1 then 1 end) as retention_d1_cohort_users,
    count(case when s.in_retention_d1_cohort = 1 and a.active_on_period_end = 1 then 1 end)
      as retention_d1_retained_users,
    count(case when s.in_retention_d7_cohort = 1 then 1 end) as retention_d7_cohort_users,
    count(case when s.in_retention_d7_cohort = 1 and a.active_on_period_end = 1 then 1 end)
      as retention_d7_retained_users,
    count(case when s.in_retention_d30_cohort = 1 then 1 end) as retention_d30_cohort_users,
    count(case when s.in_retention_d30_cohort = 1 and a.active_on_period_end = 1 then 1 end)
      as retention_d30_retained_users,
    count(s.conversion_signup_time) as conversion_cohort_users,
    count(case when c.converted = 1 then 1 end) as converted_users,
    count(s.ltv_signup_time) as ltv_cohort_users,
    coalesce(sum(c.ltv_revenue), 0) as ltv_revenue
  from user_signups as s
  left join user_activity as a
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
      when o.paid_orders_in_repurchase_window >= 1 and a.private_customer = 1 then 1
    end) as private_repurchase_customers,
    count(case
      when o.paid_orders_in_repurchase_window >= 2 and a.private_customer = 1 then 1
    end) as private_repurchase_repeat_customers
  from customers as o
  left join user_activity as a
    on o.user_id = a.user_id
),

final as (
  select
    s.new_users,
    a.active_user_days,
    a.wau_users,
    a.mau_users,
    a.private_mau_users,
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
  cross join signup_totals as s
  cross join customer_totals as c
)

select * from final
