-- Content KPIs of one report period, per content item: the rows of content_items.sql, with
-- the period's views, likes, comments and shares summed from the content_day rollup (distinct
-- content event ids per local day and item, rollup_content_day.sql) and the attributed paid
-- orders from order_day (each order's latest record, one row per order, with the verdict of
-- queries/_fragments/latest_order_records.sql in is_paid), instead of scans of the period's
-- raw events and orders; reads no raw table.
--
-- Grain and columns: as content_items.sql (see there for the definitions).
--
-- Reach (weekly: the items published in the ISO week before): an item's content_view
-- events in [published_at, published_at + 7 × 24 h), which cut local days at the item's own
-- publication instant, are summed from the content_views rollup (distinct views per local
-- day, item and exact event_time, rollup_content_views.sql) over the local days
-- :reach_first_day … :reach_last_day. A daily run has no reach cohort and passes an empty
-- day range (:reach_first_day after :reach_last_day).
--
-- @param first_day varchar first local day of the period
-- @param last_day varchar last local day of the period
-- @param reach_first_day varchar first local day of content_views read for reach
-- @param reach_last_day varchar last local day of content_views read (before reach_first_day: none)
-- @param period_from timestamp UTC start of the period
-- @param period_to timestamp UTC end (exclusive) of the period
-- @param reach_published_from timestamp UTC start of the reach cohort's publication range
-- @param reach_published_to timestamp UTC end (exclusive) of the reach cohort's publication range
-- @param month_from timestamp UTC start of the month of the period's last day
-- @param previous_month_from timestamp UTC start of the previous month
-- @param previous_month_to timestamp UTC end (exclusive) of the same day of the previous month (month-to-date comparison)
-- @param published_from timestamp earliest publication listed (min of period, month and reach cohort starts)
-- @partitions content_day :first_day..:last_day
-- @partitions order_day :first_day..:last_day
-- @partitions content_views :reach_first_day..:reach_last_day
--
-- Output columns: as content_items.sql.

with

content_items as (
  select
    id as content_id,
    title,
    format,
    published_at,
    production_cost
  from content
),

period_counts as (
  select
    content_id,
    cast(sum(views) as bigint) as views,
    cast(sum(likes) as bigint) as likes,
    cast(sum(comments) as bigint) as comments,
    cast(sum(shares) as bigint) as shares
  from content_day
  where local_date between :first_day and :last_day
  group by content_id
),

reach_counts as (
  select
    v.content_id,
    cast(sum(v.views) as bigint) as reach_views
  from content_views as v
  join content_items as c
    on v.content_id = c.content_id
  where v.local_date between :reach_first_day and :reach_last_day
    and c.published_at >= :reach_published_from
    and c.published_at < :reach_published_to
    and v.event_time >= c.published_at
    and v.event_time < c.published_at + interval '7' day
  group by v.content_id
),

event_counts as (
  select
    content_id,
    sum(views) as views,
    sum(likes) as likes,
    sum(comments) as comments,
    sum(shares) as shares,
    sum(reach_views) as reach_views
  from (
    select content_id, views, likes, comments, shares, 0 as reach_views
    from period_counts
    union all
    select content_id, 0 as views, 0 as likes, 0 as comments, 0 as shares, reach_views
    from reach_counts
  ) as counts
  group by content_id
),

-- The period's orders as content_item_rows takes them: order_day rows are each order's
-- latest record already.
latest_order_records as (
  select
    order_id,
    amount,
    content_id,
    is_paid
  from order_day
  where local_date between :first_day and :last_day
    and order_time >= :period_from
    and order_time < :period_to
),

-- @include content_item_rows

select * from final
