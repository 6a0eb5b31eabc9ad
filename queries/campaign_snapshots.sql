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

-- @include latest_order_records

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
