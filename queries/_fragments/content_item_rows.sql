-- Fragment: one row per content item from the period's counts, the end of both content
-- queries (content_items.sql over the raw events and orders, content_items_days.sql over the
-- day rollups), so the two cannot drift apart. The including query defines, before it:
-- `event_counts` (content_id, views, likes, comments, shares, reach_views), `content_items`
-- (the dimension) and `latest_order_records` (the paid-order rule, with content_id), and
-- declares the parameters used here (:period_from, :period_to, :month_from,
-- :previous_month_from, :previous_month_to, :reach_published_from, :reach_published_to,
-- :published_from); it ends with `select * from final`.
--
-- Defines:
--   order_counts   paid orders and their revenue per content item
--   activity       the event and order counts per content item
--   final          the output rows (see the including query's header)

order_counts as (
  select
    content_id,
    count(*) as attributed_orders,
    sum(amount) as attributed_revenue
  from latest_order_records
  where is_paid = 1
    and content_id is not null
  group by content_id
),

activity as (
  select
    content_id,
    sum(views) as views,
    sum(likes) as likes,
    sum(comments) as comments,
    sum(shares) as shares,
    sum(reach_views) as reach_views,
    sum(attributed_orders) as attributed_orders,
    sum(attributed_revenue) as attributed_revenue
  from (
    select
      content_id,
      views,
      likes,
      comments,
      shares,
      reach_views,
      0 as attributed_orders,
      cast(null as decimal(18,2)) as attributed_revenue
    from event_counts
    union all
    select
      content_id,
      0 as views,
      0 as likes,
      0 as comments,
      0 as shares,
      0 as reach_views,
      attributed_orders,
      attributed_revenue
    from order_counts
  ) as facts
  group by content_id
),

final as (
  select
    coalesce(c.content_id, a.content_id) as content_id,
    c.title,
    c.format,
    c.published_at,
    c.production_cost,
    case
      when c.published_at >= :period_from and c.published_at < :period_to then 1 else 0
    end as published_in_period,
    case
      when c.published_at >= :month_from and c.published_at < :period_to then 1 else 0
    end as published_month_to_date,
    case
      when c.published_at >= :previous_month_from and c.published_at < :previous_month_to then 1
      else 0
    end as published_previous_month_to_date,
    case
      when c.published_at >= :reach_published_from
        and c.published_at < :reach_published_to then 1
      else 0
    end as in_reach_cohort,
    coalesce(a.views, 0) as views,
    coalesce(a.likes, 0) as likes,
    coalesce(a.comments, 0) as comments,
    coalesce(a.shares, 0) as shares,
    coalesce(a.reach_views, 0) as reach_views,
    coalesce(a.attributed_orders, 0) as attributed_orders,
    coalesce(a.attributed_revenue, cast('0.00' as decimal(18,2))) as attributed_revenue
  from content_items as c
  full outer join activity as a
    on c.content_id = a.content_id
  where a.views + a.likes + a.comments + a.shares + a.reach_views + a.attributed_orders > 0
    or (c.published_at >= :published_from and c.published_at < :period_to)
    or (c.published_at >= :previous_month_from and c.published_at < :previous_month_to)
)
