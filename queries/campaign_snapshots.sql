-- Cumulative-to-date figures of the campaigns snapshotted on day D (campaign ROI snapshots).
--
-- Grain: one row per campaign of :campaign_ids.
--
-- Attribution: an event or a paid order belongs to a campaign when it carries the
-- campaign's id and its local day is in [from_date, through_date], where from_date is the
-- campaign's start_date (or :attribution_start, for a campaign older than the 365 days a
-- query may read) and through_date is min(D, end_date). Local days come from :cal.
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
-- One pass over each table: event and order facts are tagged per campaign, stacked, and
-- aggregated first per (campaign, user), then per campaign.
--
-- @param cal calendar local days from the earliest baseline day to D, with their dt partitions
-- @param campaign_ids varchar_list the campaigns to snapshot (campaigns_in_scope.sql)
-- @param snapshot_date date D
-- @param attribution_start date earliest local day attributed (D-364)
-- @param baseline_days integer days before the start whose unattributed orders set the AOV baseline
-- @param events_dt_from varchar first dt partition of events to read
-- @param events_dt_to varchar last dt partition of events to read
-- @param orders_dt_from varchar first dt partition of orders to read
-- @param orders_dt_to varchar last dt partition of orders to read
-- @param orders_from timestamp UTC start of the first calendar day
-- @param orders_to timestamp UTC end (exclusive) of D
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

campaign_events as (
  select
    e.event_id,
    e.user_id,
    e.event_type,
    e.campaign_id,
    cal.local_date as event_date
  from events as e
  join :cal as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt between :events_dt_from and :events_dt_to
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
    and e.campaign_id in :campaign_ids
    and e.event_type in ('campaign_join', 'invite_accepted')
    and e.user_id is not null
),

order_records as (
  select
    order_id,
    user_id,
    order_time,
    updated_at,
    amount,
    status,
    campaign_id,
    dt
  from orders
  where dt between :orders_dt_from and :orders_dt_to
    and order_time >= :orders_from
    and order_time < :orders_to
    and order_id is not null
    and user_id is not null
    and amount >= 0
),

order_records_latest_first as (
  select
    order_id,
    user_id,
    order_time,
    amount,
    status,
    campaign_id,
    dt,
    row_number() over (
      partition by order_id
      order by updated_at desc, case when status = 'paid' then 1 else 0 end, amount
    ) as recency_rank
  from order_records
),

paid_orders as (
  select
    o.order_id,
    o.user_id,
    o.amount,
    o.campaign_id,
    cal.local_date as order_date
  from order_records_latest_first as o
  join :cal as cal (local_date, dt, day_start, day_end)
    on o.dt = cal.dt
  where o.recency_rank = 1
    and o.status = 'paid'
    and o.order_time >= cal.day_start
    and o.order_time < cal.day_end
),

campaign_facts as (
  select
    c.campaign_id,
    ev.user_id,
    case when ev.event_type = 'campaign_join' then 1 else 0 end as is_join,
    case when ev.event_type = 'invite_accepted' then ev.event_id end as invite_event_id,
    cast(null as varchar) as attributed_order_id,
    cast(null as decimal(18,2)) as attributed_amount,
    cast(null as varchar) as baseline_order_id,
    cast(null as decimal(18,2)) as baseline_amount
  from campaign_events as ev
  join campaigns_in_scope as c
    on ev.campaign_id = c.campaign_id
    and ev.event_date between c.from_date and c.through_date
  union all
  select
    c.campaign_id,
    p.user_id,
    0 as is_join,
    cast(null as varchar) as invite_event_id,
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
    count(distinct invite_event_id) as invites_accepted,
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
