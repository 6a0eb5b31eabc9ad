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
-- (each order's final record, one row per order in the local day of its order_time, with
-- the paid-order rule's verdict in is_paid: rollup_order_day.sql). The run brings every day of both
-- windows up to date before this query (functions/lib/rollups/refresh.ts), so a daily run
-- reads about one local day of raw partitions; with rollups off the same rows are computed
-- inline from the raw tables. The copies of an event share its local day, so the per-day
-- distinct invites add up to the window's.
--
-- One pass over each rollup: event and order facts are attributed to the campaigns and summed
-- per campaign; only the participants are grouped per (campaign, user), and converted
-- participants are those of them among the attributed buyers (a per-user group of every fact
-- with distinct order counts took 1.5 s of CPU on the bench lake, this 0.5 s).
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

paid_orders as (
  select
    order_id,
    user_id,
    amount,
    campaign_id,
    cast(local_date as date) as order_date
  from order_day
  where local_date between :orders_first_day and :last_day
    and is_paid = 1
),

-- Each attributed order is one row of paid_orders (its latest record), so orders are counted,
-- not counted distinct; only the participants are a set of (campaign, user).
attributed_events as (
  select
    c.campaign_id,
    ev.user_id,
    ev.join_events,
    ev.invites_accepted
  from campaign_user_days as ev
  join campaigns_in_scope as c
    on ev.campaign_id = c.campaign_id
    and ev.event_date between c.from_date and c.through_date
),

participants as (
  select distinct
    campaign_id,
    user_id
  from attributed_events
  where join_events > 0
),

attributed_orders as (
  select
    c.campaign_id,
    p.user_id,
    p.amount
  from paid_orders as p
  join campaigns_in_scope as c
    on p.campaign_id = c.campaign_id
    and p.order_date between c.from_date and c.through_date
),

attributed_buyers as (
  select distinct
    campaign_id,
    user_id
  from attributed_orders
),

baseline_orders as (
  select
    c.campaign_id,
    p.amount
  from paid_orders as p
  join campaigns_in_scope as c
    on date_diff('day', p.order_date, c.start_date) between 1 and :baseline_days
  where p.campaign_id is null
),

participant_totals as (
  select
    pa.campaign_id,
    count(*) as participants,
    count(b.user_id) as converted_participants
  from participants as pa
  left join attributed_buyers as b
    on pa.campaign_id = b.campaign_id
    and pa.user_id = b.user_id
  group by pa.campaign_id
),

invite_totals as (
  select
    campaign_id,
    sum(invites_accepted) as invites_accepted
  from attributed_events
  group by campaign_id
),

attributed_totals as (
  select
    campaign_id,
    count(*) as attributed_orders,
    sum(amount) as attributed_revenue
  from attributed_orders
  group by campaign_id
),

baseline_totals as (
  select
    campaign_id,
    count(*) as baseline_orders,
    sum(amount) as baseline_revenue
  from baseline_orders
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
    coalesce(pt.participants, 0) as participants,
    coalesce(pt.converted_participants, 0) as converted_participants,
    coalesce(it.invites_accepted, 0) as invites_accepted,
    coalesce(ot.attributed_orders, 0) as attributed_orders,
    coalesce(ot.attributed_revenue, cast('0.00' as decimal(18,2))) as attributed_revenue,
    coalesce(bt.baseline_orders, 0) as baseline_orders,
    coalesce(bt.baseline_revenue, cast('0.00' as decimal(18,2))) as baseline_revenue
  from campaigns_in_scope as c
  left join participant_totals as pt
    on c.campaign_id = pt.campaign_id
  left join invite_totals as it
    on c.campaign_id = it.campaign_id
  left join attributed_totals as ot
    on c.campaign_id = ot.campaign_id
  left join baseline_totals as bt
    on c.campaign_id = bt.campaign_id
)

select * from final
