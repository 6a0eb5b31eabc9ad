-- Cumulative-to-date figures of the campaigns snapshotted on day D (campaign ROI snapshots).
--
-- Grain: one row per campaign of :campaign_ids.
--
-- Attribution: an event or a paid order belongs to a campaign when it carries the
-- campaign's id and its local day is in [from_date, through_date], where from_date is the
-- campaign's start_date (or :attribution_start, for a campaign older than the 365 days a
-- query may read) and through_date is min(D, end_date), in report-zone local days.
-- Participants are the distinct users with an attributed `campaign_join` event; converted
-- participants are those with an attributed paid order; invites count attributed
-- `invite_accepted` events once per event_id. The AOV baseline is the unattributed paid
-- orders (no campaign_id) of the :baseline_days local days before start_date.
-- Paid order: the latest record of an order_id (by updated_at; on a tie a non-paid record
-- wins, then the smaller amount) has status 'paid'. Records that fail validation are left
-- out, so that bad data never moves a KPI (data quality counts them, see
-- efficiency_events.sql and efficiency_orders.sql): events without a user, order records
-- without an order id or a user, or with a negative amount.
--
-- Reads the rollups, not the raw tables: `campaign_user_day` (joins and distinct accepted
-- invites per campaign, user and local day, rollup_campaign_user_day.sql) and `order_day`
-- (each order's final record by local order day, rollup_order_day.sql; the latest record
-- per order_id is taken again over the days read). The run brings every day of both
-- windows up to date before this query (functions/lib/rollups/refresh.ts), so a daily run
-- reads about one local day of raw partitions; with rollups off the same rows are computed
-- inline from the raw tables. The copies of an event share its local day, so the per-day
-- distinct invites add up to the window's.
--
-- One pass over each rollup: event and order facts are tagged per campaign, stacked, and
-- aggregated first per (campaign, user), then per campaign.
--
-- @param campaign_ids varchar_list the campaigns to snapshot (campaigns_in_scope.sql)
-- @param snapshot_date date D
-- @param attribution_start date earliest local day attributed (D-364)
-- @param baseline_days integer days before the start whose unattributed orders set the AOV baseline
-- @param events_first_day varchar first local day of campaign_user_day to read (YYYY-MM-DD)
-- @param orders_first_day varchar first local day of order_day to read (earliest baseline day)
-- @param last_day varchar last local day of both to read (D, YYYY-MM-DD)
-- @partitions campaign_user_day :events_first_day..:last_day
-- @partitions order_day :orders_first_day..:last_day
--
-- Output columns:
--   campaign_id, name, type, start_date, end_date, cost   from the dimension
--   through_date                 last local day covered, min(D, end_date)
--   participants, converted_participants, invites_accepted
--   attributed_orders, attributed_revenue (decimal)
--   baseline_orders, baseline_revenue (decimal)

with

campaign_user_day as (
-- Campaign rollup: what each user did for each campaign on each report-zone local day.
--
-- Grain: one row per campaign_id, user_id and local day of :cal on which the user has a
-- `campaign_join` or an `invite_accepted` event carrying that campaign's id. The runs build
-- it themselves (functions/lib/rollups/refresh.ts), only the days that are missing or whose
-- raw dt partitions changed; campaign_snapshots.sql then reads it instead of the raw events
-- of every campaign's window.
--
-- Invites count distinct event_ids per day. The copies of a delivered event share its
-- event_time, hence its local day, so the per-day counts of a (campaign, user) add up to
-- its distinct invites over any run of days. Records that fail validation are left out, as
-- in every KPI query: events without a user (or without a campaign id, which no campaign
-- can claim).
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events those days overlap
-- @partitions events :events_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   campaign_id        the campaign the events carry
--   user_id            the user
--   join_events        campaign_join records that day (duplicates included; > 0: joined)
--   invites_accepted   distinct invite_accepted event_ids that day
--   local_date         the local day, YYYY-MM-DD (the partition)

with

campaign_events as (
  select
    e.campaign_id,
    e.user_id,
    e.event_id,
    e.event_type,
    cal.local_date
  from events as e
  join (VALUES (DATE '2026-11-09', '2026-11-08', TIMESTAMP '2026-11-08 16:00:00.000', TIMESTAMP '2026-11-09 16:00:00.000'), (DATE '2026-11-09', '2026-11-09', TIMESTAMP '2026-11-08 16:00:00.000', TIMESTAMP '2026-11-09 16:00:00.000'), (DATE '2026-11-10', '2026-11-09', TIMESTAMP '2026-11-09 16:00:00.000', TIMESTAMP '2026-11-10 16:00:00.000'), (DATE '2026-11-10', '2026-11-10', TIMESTAMP '2026-11-09 16:00:00.000', TIMESTAMP '2026-11-10 16:00:00.000'), (DATE '2026-11-11', '2026-11-10', TIMESTAMP '2026-11-10 16:00:00.000', TIMESTAMP '2026-11-11 16:00:00.000'), (DATE '2026-11-11', '2026-11-11', TIMESTAMP '2026-11-10 16:00:00.000', TIMESTAMP '2026-11-11 16:00:00.000'), (DATE '2026-11-12', '2026-11-11', TIMESTAMP '2026-11-11 16:00:00.000', TIMESTAMP '2026-11-12 16:00:00.000'), (DATE '2026-11-12', '2026-11-12', TIMESTAMP '2026-11-11 16:00:00.000', TIMESTAMP '2026-11-12 16:00:00.000'), (DATE '2026-11-13', '2026-11-12', TIMESTAMP '2026-11-12 16:00:00.000', TIMESTAMP '2026-11-13 16:00:00.000'), (DATE '2026-11-13', '2026-11-13', TIMESTAMP '2026-11-12 16:00:00.000', TIMESTAMP '2026-11-13 16:00:00.000'), (DATE '2026-11-14', '2026-11-13', TIMESTAMP '2026-11-13 16:00:00.000', TIMESTAMP '2026-11-14 16:00:00.000'), (DATE '2026-11-14', '2026-11-14', TIMESTAMP '2026-11-13 16:00:00.000', TIMESTAMP '2026-11-14 16:00:00.000'), (DATE '2026-11-15', '2026-11-14', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-15', '2026-11-15', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-16', '2026-11-15', TIMESTAMP '2026-11-15 16:00:00.000', TIMESTAMP '2026-11-16 16:00:00.000'), (DATE '2026-11-16', '2026-11-16', TIMESTAMP '2026-11-15 16:00:00.000', TIMESTAMP '2026-11-16 16:00:00.000'), (DATE '2026-11-17', '2026-11-16', TIMESTAMP '2026-11-16 16:00:00.000', TIMESTAMP '2026-11-17 16:00:00.000'), (DATE '2026-11-17', '2026-11-17', TIMESTAMP '2026-11-16 16:00:00.000', TIMESTAMP '2026-11-17 16:00:00.000'), (DATE '2026-11-18', '2026-11-17', TIMESTAMP '2026-11-17 16:00:00.000', TIMESTAMP '2026-11-18 16:00:00.000'), (DATE '2026-11-18', '2026-11-18', TIMESTAMP '2026-11-17 16:00:00.000', TIMESTAMP '2026-11-18 16:00:00.000'), (DATE '2026-11-19', '2026-11-18', TIMESTAMP '2026-11-18 16:00:00.000', TIMESTAMP '2026-11-19 16:00:00.000'), (DATE '2026-11-19', '2026-11-19', TIMESTAMP '2026-11-18 16:00:00.000', TIMESTAMP '2026-11-19 16:00:00.000'), (DATE '2026-11-20', '2026-11-19', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-20', '2026-11-20', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-21', '2026-11-20', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000'), (DATE '2026-11-21', '2026-11-21', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000')) as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in ('2026-11-08', '2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21')
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
    and e.event_type in ('campaign_join', 'invite_accepted')
    and e.campaign_id is not null
    and e.user_id is not null
),

final as (
  select
    campaign_id,
    user_id,
    count(case when event_type = 'campaign_join' then 1 end) as join_events,
    count(distinct case when event_type = 'invite_accepted' then event_id end)
      as invites_accepted,
    cast(local_date as varchar) as local_date
  from campaign_events
  group by campaign_id, user_id, local_date
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
  join (VALUES (DATE '2026-10-12', '2026-10-11', TIMESTAMP '2026-10-11 16:00:00.000', TIMESTAMP '2026-10-12 16:00:00.000'), (DATE '2026-10-12', '2026-10-12', TIMESTAMP '2026-10-11 16:00:00.000', TIMESTAMP '2026-10-12 16:00:00.000'), (DATE '2026-10-13', '2026-10-12', TIMESTAMP '2026-10-12 16:00:00.000', TIMESTAMP '2026-10-13 16:00:00.000'), (DATE '2026-10-13', '2026-10-13', TIMESTAMP '2026-10-12 16:00:00.000', TIMESTAMP '2026-10-13 16:00:00.000'), (DATE '2026-10-14', '2026-10-13', TIMESTAMP '2026-10-13 16:00:00.000', TIMESTAMP '2026-10-14 16:00:00.000'), (DATE '2026-10-14', '2026-10-14', TIMESTAMP '2026-10-13 16:00:00.000', TIMESTAMP '2026-10-14 16:00:00.000'), (DATE '2026-10-15', '2026-10-14', TIMESTAMP '2026-10-14 16:00:00.000', TIMESTAMP '2026-10-15 16:00:00.000'), (DATE '2026-10-15', '2026-10-15', TIMESTAMP '2026-10-14 16:00:00.000', TIMESTAMP '2026-10-15 16:00:00.000'), (DATE '2026-10-16', '2026-10-15', TIMESTAMP '2026-10-15 16:00:00.000', TIMESTAMP '2026-10-16 16:00:00.000'), (DATE '2026-10-16', '2026-10-16', TIMESTAMP '2026-10-15 16:00:00.000', TIMESTAMP '2026-10-16 16:00:00.000'), (DATE '2026-10-17', '2026-10-16', TIMESTAMP '2026-10-16 16:00:00.000', TIMESTAMP '2026-10-17 16:00:00.000'), (DATE '2026-10-17', '2026-10-17', TIMESTAMP '2026-10-16 16:00:00.000', TIMESTAMP '2026-10-17 16:00:00.000'), (DATE '2026-10-18', '2026-10-17', TIMESTAMP '2026-10-17 16:00:00.000', TIMESTAMP '2026-10-18 16:00:00.000'), (DATE '2026-10-18', '2026-10-18', TIMESTAMP '2026-10-17 16:00:00.000', TIMESTAMP '2026-10-18 16:00:00.000'), (DATE '2026-10-19', '2026-10-18', TIMESTAMP '2026-10-18 16:00:00.000', TIMESTAMP '2026-10-19 16:00:00.000'), (DATE '2026-10-19', '2026-10-19', TIMESTAMP '2026-10-18 16:00:00.000', TIMESTAMP '2026-10-19 16:00:00.000'), (DATE '2026-10-20', '2026-10-19', TIMESTAMP '2026-10-19 16:00:00.000', TIMESTAMP '2026-10-20 16:00:00.000'), (DATE '2026-10-20', '2026-10-20', TIMESTAMP '2026-10-19 16:00:00.000', TIMESTAMP '2026-10-20 16:00:00.000'), (DATE '2026-10-21', '2026-10-20', TIMESTAMP '2026-10-20 16:00:00.000', TIMESTAMP '2026-10-21 16:00:00.000'), (DATE '2026-10-21', '2026-10-21', TIMESTAMP '2026-10-20 16:00:00.000', TIMESTAMP '2026-10-21 16:00:00.000'), (DATE '2026-10-22', '2026-10-21', TIMESTAMP '2026-10-21 16:00:00.000', TIMESTAMP '2026-10-22 16:00:00.000'), (DATE '2026-10-22', '2026-10-22', TIMESTAMP '2026-10-21 16:00:00.000', TIMESTAMP '2026-10-22 16:00:00.000'), (DATE '2026-10-23', '2026-10-22', TIMESTAMP '2026-10-22 16:00:00.000', TIMESTAMP '2026-10-23 16:00:00.000'), (DATE '2026-10-23', '2026-10-23', TIMESTAMP '2026-10-22 16:00:00.000', TIMESTAMP '2026-10-23 16:00:00.000'), (DATE '2026-10-24', '2026-10-23', TIMESTAMP '2026-10-23 16:00:00.000', TIMESTAMP '2026-10-24 16:00:00.000'), (DATE '2026-10-24', '2026-10-24', TIMESTAMP '2026-10-23 16:00:00.000', TIMESTAMP '2026-10-24 16:00:00.000'), (DATE '2026-10-25', '2026-10-24', TIMESTAMP '2026-10-24 16:00:00.000', TIMESTAMP '2026-10-25 16:00:00.000'), (DATE '2026-10-25', '2026-10-25', TIMESTAMP '2026-10-24 16:00:00.000', TIMESTAMP '2026-10-25 16:00:00.000'), (DATE '2026-10-26', '2026-10-25', TIMESTAMP '2026-10-25 16:00:00.000', TIMESTAMP '2026-10-26 16:00:00.000'), (DATE '2026-10-26', '2026-10-26', TIMESTAMP '2026-10-25 16:00:00.000', TIMESTAMP '2026-10-26 16:00:00.000'), (DATE '2026-10-27', '2026-10-26', TIMESTAMP '2026-10-26 16:00:00.000', TIMESTAMP '2026-10-27 16:00:00.000'), (DATE '2026-10-27', '2026-10-27', TIMESTAMP '2026-10-26 16:00:00.000', TIMESTAMP '2026-10-27 16:00:00.000'), (DATE '2026-10-28', '2026-10-27', TIMESTAMP '2026-10-27 16:00:00.000', TIMESTAMP '2026-10-28 16:00:00.000'), (DATE '2026-10-28', '2026-10-28', TIMESTAMP '2026-10-27 16:00:00.000', TIMESTAMP '2026-10-28 16:00:00.000'), (DATE '2026-10-29', '2026-10-28', TIMESTAMP '2026-10-28 16:00:00.000', TIMESTAMP '2026-10-29 16:00:00.000'), (DATE '2026-10-29', '2026-10-29', TIMESTAMP '2026-10-28 16:00:00.000', TIMESTAMP '2026-10-29 16:00:00.000'), (DATE '2026-10-30', '2026-10-29', TIMESTAMP '2026-10-29 16:00:00.000', TIMESTAMP '2026-10-30 16:00:00.000'), (DATE '2026-10-30', '2026-10-30', TIMESTAMP '2026-10-29 16:00:00.000', TIMESTAMP '2026-10-30 16:00:00.000'), (DATE '2026-10-31', '2026-10-30', TIMESTAMP '2026-10-30 16:00:00.000', TIMESTAMP '2026-10-31 16:00:00.000'), (DATE '2026-10-31', '2026-10-31', TIMESTAMP '2026-10-30 16:00:00.000', TIMESTAMP '2026-10-31 16:00:00.000'), (DATE '2026-11-01', '2026-10-31', TIMESTAMP '2026-10-31 16:00:00.000', TIMESTAMP '2026-11-01 16:00:00.000'), (DATE '2026-11-01', '2026-11-01', TIMESTAMP '2026-10-31 16:00:00.000', TIMESTAMP '2026-11-01 16:00:00.000'), (DATE '2026-11-02', '2026-11-01', TIMESTAMP '2026-11-01 16:00:00.000', TIMESTAMP '2026-11-02 16:00:00.000'), (DATE '2026-11-02', '2026-11-02', TIMESTAMP '2026-11-01 16:00:00.000', TIMESTAMP '2026-11-02 16:00:00.000'), (DATE '2026-11-03', '2026-11-02', TIMESTAMP '2026-11-02 16:00:00.000', TIMESTAMP '2026-11-03 16:00:00.000'), (DATE '2026-11-03', '2026-11-03', TIMESTAMP '2026-11-02 16:00:00.000', TIMESTAMP '2026-11-03 16:00:00.000'), (DATE '2026-11-04', '2026-11-03', TIMESTAMP '2026-11-03 16:00:00.000', TIMESTAMP '2026-11-04 16:00:00.000'), (DATE '2026-11-04', '2026-11-04', TIMESTAMP '2026-11-03 16:00:00.000', TIMESTAMP '2026-11-04 16:00:00.000'), (DATE '2026-11-05', '2026-11-04', TIMESTAMP '2026-11-04 16:00:00.000', TIMESTAMP '2026-11-05 16:00:00.000'), (DATE '2026-11-05', '2026-11-05', TIMESTAMP '2026-11-04 16:00:00.000', TIMESTAMP '2026-11-05 16:00:00.000'), (DATE '2026-11-06', '2026-11-05', TIMESTAMP '2026-11-05 16:00:00.000', TIMESTAMP '2026-11-06 16:00:00.000'), (DATE '2026-11-06', '2026-11-06', TIMESTAMP '2026-11-05 16:00:00.000', TIMESTAMP '2026-11-06 16:00:00.000'), (DATE '2026-11-07', '2026-11-06', TIMESTAMP '2026-11-06 16:00:00.000', TIMESTAMP '2026-11-07 16:00:00.000'), (DATE '2026-11-07', '2026-11-07', TIMESTAMP '2026-11-06 16:00:00.000', TIMESTAMP '2026-11-07 16:00:00.000'), (DATE '2026-11-08', '2026-11-07', TIMESTAMP '2026-11-07 16:00:00.000', TIMESTAMP '2026-11-08 16:00:00.000'), (DATE '2026-11-08', '2026-11-08', TIMESTAMP '2026-11-07 16:00:00.000', TIMESTAMP '2026-11-08 16:00:00.000'), (DATE '2026-11-09', '2026-11-08', TIMESTAMP '2026-11-08 16:00:00.000', TIMESTAMP '2026-11-09 16:00:00.000'), (DATE '2026-11-09', '2026-11-09', TIMESTAMP '2026-11-08 16:00:00.000', TIMESTAMP '2026-11-09 16:00:00.000'), (DATE '2026-11-10', '2026-11-09', TIMESTAMP '2026-11-09 16:00:00.000', TIMESTAMP '2026-11-10 16:00:00.000'), (DATE '2026-11-10', '2026-11-10', TIMESTAMP '2026-11-09 16:00:00.000', TIMESTAMP '2026-11-10 16:00:00.000'), (DATE '2026-11-11', '2026-11-10', TIMESTAMP '2026-11-10 16:00:00.000', TIMESTAMP '2026-11-11 16:00:00.000'), (DATE '2026-11-11', '2026-11-11', TIMESTAMP '2026-11-10 16:00:00.000', TIMESTAMP '2026-11-11 16:00:00.000'), (DATE '2026-11-12', '2026-11-11', TIMESTAMP '2026-11-11 16:00:00.000', TIMESTAMP '2026-11-12 16:00:00.000'), (DATE '2026-11-12', '2026-11-12', TIMESTAMP '2026-11-11 16:00:00.000', TIMESTAMP '2026-11-12 16:00:00.000'), (DATE '2026-11-13', '2026-11-12', TIMESTAMP '2026-11-12 16:00:00.000', TIMESTAMP '2026-11-13 16:00:00.000'), (DATE '2026-11-13', '2026-11-13', TIMESTAMP '2026-11-12 16:00:00.000', TIMESTAMP '2026-11-13 16:00:00.000'), (DATE '2026-11-14', '2026-11-13', TIMESTAMP '2026-11-13 16:00:00.000', TIMESTAMP '2026-11-14 16:00:00.000'), (DATE '2026-11-14', '2026-11-14', TIMESTAMP '2026-11-13 16:00:00.000', TIMESTAMP '2026-11-14 16:00:00.000'), (DATE '2026-11-15', '2026-11-14', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-15', '2026-11-15', TIMESTAMP '2026-11-14 16:00:00.000', TIMESTAMP '2026-11-15 16:00:00.000'), (DATE '2026-11-16', '2026-11-15', TIMESTAMP '2026-11-15 16:00:00.000', TIMESTAMP '2026-11-16 16:00:00.000'), (DATE '2026-11-16', '2026-11-16', TIMESTAMP '2026-11-15 16:00:00.000', TIMESTAMP '2026-11-16 16:00:00.000'), (DATE '2026-11-17', '2026-11-16', TIMESTAMP '2026-11-16 16:00:00.000', TIMESTAMP '2026-11-17 16:00:00.000'), (DATE '2026-11-17', '2026-11-17', TIMESTAMP '2026-11-16 16:00:00.000', TIMESTAMP '2026-11-17 16:00:00.000'), (DATE '2026-11-18', '2026-11-17', TIMESTAMP '2026-11-17 16:00:00.000', TIMESTAMP '2026-11-18 16:00:00.000'), (DATE '2026-11-18', '2026-11-18', TIMESTAMP '2026-11-17 16:00:00.000', TIMESTAMP '2026-11-18 16:00:00.000'), (DATE '2026-11-19', '2026-11-18', TIMESTAMP '2026-11-18 16:00:00.000', TIMESTAMP '2026-11-19 16:00:00.000'), (DATE '2026-11-19', '2026-11-19', TIMESTAMP '2026-11-18 16:00:00.000', TIMESTAMP '2026-11-19 16:00:00.000'), (DATE '2026-11-20', '2026-11-19', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-20', '2026-11-20', TIMESTAMP '2026-11-19 16:00:00.000', TIMESTAMP '2026-11-20 16:00:00.000'), (DATE '2026-11-21', '2026-11-20', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000'), (DATE '2026-11-21', '2026-11-21', TIMESTAMP '2026-11-20 16:00:00.000', TIMESTAMP '2026-11-21 16:00:00.000')) as cal (local_date, dt, day_start, day_end)
    on o.dt = cal.dt
  where o.dt in ('2026-10-11', '2026-10-12', '2026-10-13', '2026-10-14', '2026-10-15', '2026-10-16', '2026-10-17', '2026-10-18', '2026-10-19', '2026-10-20', '2026-10-21', '2026-10-22', '2026-10-23', '2026-10-24', '2026-10-25', '2026-10-26', '2026-10-27', '2026-10-28', '2026-10-29', '2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08', '2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21')
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


campaigns_in_scope as (
  select
    id as campaign_id,
    name,
    type,
    start_date,
    end_date,
    cost,
    case when start_date < :attribution_start then :attribution_start else start_date end
      as from_date,
    case when end_date < :snapshot_date then end_date else :snapshot_date end as through_date
  from campaigns
  where id in :campaign_ids
),

campaign_user_days as (
  select
    campaign_id,
    user_id,
    join_events,
    invites_accepted,
    cast(local_date as date) as event_date
  from campaign_user_day
  where local_date between :events_first_day and :last_day
    and campaign_id in :campaign_ids
),

order_records as (
  select
    order_id,
    user_id,
    updated_at,
    amount,
    status,
    campaign_id,
    local_date,
    'window' as order_scope
  from order_day
  where local_date between :orders_first_day and :last_day
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
    amount,
    campaign_id,
    cast(local_date as date) as order_date
  from latest_order_records
  where is_paid = 1
),

campaign_facts as (
  select
    c.campaign_id,
    ev.user_id,
    case when ev.join_events > 0 then 1 else 0 end as is_join,
    ev.invites_accepted,
    cast(null as varchar) as attributed_order_id,
    cast(null as decimal(18,2)) as attributed_amount,
    cast(null as varchar) as baseline_order_id,
    cast(null as decimal(18,2)) as baseline_amount
  from campaign_user_days as ev
  join campaigns_in_scope as c
    on ev.campaign_id = c.campaign_id
    and ev.event_date between c.from_date and c.through_date
  union all
  select
    c.campaign_id,
    p.user_id,
    0 as is_join,
    0 as invites_accepted,
    case when p.campaign_id is not null then p.order_id end as attributed_order_id,
    case when p.campaign_id is not null then p.amount end as attributed_amount,
    case when p.campaign_id is null then p.order_id end as baseline_order_id,
    case when p.campaign_id is null then p.amount end as baseline_amount
  from paid_orders as p
  join campaigns_in_scope as c
    on (
      p.campaign_id = c.campaign_id
      and p.order_date between c.from_date and c.through_date
    )
    or (
      p.campaign_id is null
      and date_diff('day', p.order_date, c.start_date) between 1 and :baseline_days
    )
),

campaign_users as (
  select
    campaign_id,
    user_id,
    max(is_join) as joined,
    sum(invites_accepted) as invites_accepted,
    count(distinct attributed_order_id) as attributed_orders,
    sum(attributed_amount) as attributed_revenue,
    count(distinct baseline_order_id) as baseline_orders,
    sum(baseline_amount) as baseline_revenue
  from campaign_facts
  group by campaign_id, user_id
),

campaign_totals as (
  select
    campaign_id,
    count(case when joined = 1 then 1 end) as participants,
    count(case when joined = 1 and attributed_orders > 0 then 1 end) as converted_participants,
    sum(invites_accepted) as invites_accepted,
    sum(attributed_orders) as attributed_orders,
    sum(attributed_revenue) as attributed_revenue,
    sum(baseline_orders) as baseline_orders,
    sum(baseline_revenue) as baseline_revenue
  from campaign_users
  group by campaign_id
),

final as (
  select
    c.campaign_id,
    c.name,
    c.type,
    c.start_date,
    c.end_date,
    c.cost,
    c.through_date,
    coalesce(t.participants, 0) as participants,
    coalesce(t.converted_participants, 0) as converted_participants,
    coalesce(t.invites_accepted, 0) as invites_accepted,
    coalesce(t.attributed_orders, 0) as attributed_orders,
    coalesce(t.attributed_revenue, cast('0.00' as decimal(18,2))) as attributed_revenue,
    coalesce(t.baseline_orders, 0) as baseline_orders,
    coalesce(t.baseline_revenue, cast('0.00' as decimal(18,2))) as baseline_revenue
  from campaigns_in_scope as c
  left join campaign_totals as t
    on c.campaign_id = t.campaign_id
)

select * from final
