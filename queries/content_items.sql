-- Content KPIs of one report period, per content item: views, interactions and attributed
-- paid orders in the period, the 7-day reach of the items published in the ISO week before,
-- and what the content dimension says of the items published this month and this period.
--
-- Grain: one row per content item with activity (events or paid orders in the period, or
-- reach events), or published in [:published_from, :period_to); plus one row with a null
-- content_id for the content events of the period that carry no content id.
--
-- Events count once per event_id. Paid order: the latest valid record of an order_id is a
-- paid one (queries/_fragments/latest_order_records.sql, shared by every query); it is
-- attributed to content when it carries a content_id. Records that fail validation are
-- left out, so that bad data never moves a KPI (data quality counts them, see
-- efficiency_events.sql and efficiency_orders.sql): events without an event id or a user,
-- order records without an order id, user, status or updated_at, and a paid record with a
-- negative amount is no paid order. Reach of an item published in
-- [:reach_published_from, :reach_published_to): its content_view events in
-- [published_at, published_at + 7 × 24 h). A daily run passes an empty reach range.
--
-- @param events_dt_from varchar first dt partition of events to read
-- @param events_dt_to varchar last dt partition of events to read
-- @param events_from timestamp UTC start of the events read (the period, or the reach cohort's start)
-- @param events_to timestamp UTC end (exclusive) of the events read (covers every reach window)
-- @param period_from timestamp UTC start of the period
-- @param period_to timestamp UTC end (exclusive) of the period
-- @param reach_published_from timestamp UTC start of the reach cohort's publication range
-- @param reach_published_to timestamp UTC end (exclusive) of the reach cohort's publication range
-- @param month_from timestamp UTC start of the month of the period's last day
-- @param previous_month_from timestamp UTC start of the previous month
-- @param previous_month_to timestamp UTC end (exclusive) of the same day of the previous month (month-to-date comparison)
-- @param published_from timestamp earliest publication listed (min of period, month and reach cohort starts)
-- @param orders_dt_from varchar first dt partition of orders to read
-- @param orders_dt_to varchar last dt partition of orders to read
-- @partitions events :events_dt_from..:events_dt_to
-- @partitions orders :orders_dt_from..:orders_dt_to
--
-- Output columns:
--   content_id, title, format, published_at, production_cost   from the dimension (null when unknown)
--   published_in_period, published_month_to_date, in_reach_cohort  1/0 publication flags
--   published_previous_month_to_date   1/0: published from the previous month's 1st to the
--                                      same day of that month (the month-to-date comparison)
--   views, likes, comments, shares   distinct content_* events in the period
--   reach_views                      content_view events in the item's first 7 × 24 h (cohort items)
--   attributed_orders, attributed_revenue  paid orders of the period carrying the content id

with

content_events as (
  select
    event_id,
    event_time,
    event_type,
    content_id
  from events
  where dt between :events_dt_from and :events_dt_to
    and event_time >= :events_from
    and event_time < :events_to
    and event_type in ('content_view', 'content_like', 'content_comment', 'content_share')
    and event_id is not null
    and user_id is not null
),

content_items as (
  select
    id as content_id,
    title,
    format,
    published_at,
    production_cost
  from content
),

event_counts as (
  select
    e.content_id,
    count(distinct case
      when e.event_type = 'content_view'
        and e.event_time >= :period_from and e.event_time < :period_to then e.event_id
    end) as views,
    count(distinct case
      when e.event_type = 'content_like'
        and e.event_time >= :period_from and e.event_time < :period_to then e.event_id
    end) as likes,
    count(distinct case
      when e.event_type = 'content_comment'
        and e.event_time >= :period_from and e.event_time < :period_to then e.event_id
    end) as comments,
    count(distinct case
      when e.event_type = 'content_share'
        and e.event_time >= :period_from and e.event_time < :period_to then e.event_id
    end) as shares,
    count(distinct case
      when e.event_type = 'content_view'
        and c.published_at >= :reach_published_from
        and c.published_at < :reach_published_to
        and e.event_time >= c.published_at
        and e.event_time < c.published_at + interval '7' day then e.event_id
    end) as reach_views
  from content_events as e
  left join content_items as c
    on e.content_id = c.content_id
  group by e.content_id
),

order_records as (
  select
    order_id,
    user_id,
    updated_at,
    amount,
    status,
    content_id,
    'window' as order_scope
  from orders
  where dt between :orders_dt_from and :orders_dt_to
    and order_time >= :period_from
    and order_time < :period_to
),

-- @include latest_order_records

-- @include content_item_rows

select * from final
