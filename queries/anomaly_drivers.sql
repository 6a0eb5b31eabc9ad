-- Anomaly drivers: the metrics flagged in a run (anomalous or breaching), split by every
-- dimension the registry declares for them, on the report day and on the days of its
-- baseline, for Adtributor's explanatory power and surprise (functions/lib/kpi/drivers.ts).
--
-- Grain: one row per flagged metric, dimension and element (dimension value) seen on D or on
-- one of the metric's baseline days (the days its band was learned from, :baseline_keys). An
-- element absent on a baseline day counts 0 that day, so its baseline is the median over
-- every baseline day of its metric that has data. The median is exact: the two middle values (equal for an odd count)
-- are returned and TypeScript takes their mean (no avg, no percentile, see portable.ts).
--
-- Reads only rollups, one run of this query for all flagged metrics:
--   dau                      channel_user_day by channel (overlapping: a user active on two
--                            channels counts in both); user_day by user type (new: signed up
--                            that day; returning) and by domain (private: an event on a
--                            private-domain channel; public)
--   new_users                channel_user_day: the channel of the user's first signup that day
--   orders, gmv              order_day, paid orders: by order channel, campaign ('none' when
--                            unattributed) and content format ('none' without content)
--   paying_users             order_day, distinct buyers by order channel
--   aov                      gmv (numerator) and orders (denominator) by order channel
--   campaign_participants    campaign_user_day, users who joined, by campaign
--
-- @param metrics varchar_list the flagged metric ids
-- @param report_day varchar the local day D, YYYY-MM-DD
-- @param days varchar_list D and every flagged metric's baseline days, YYYY-MM-DD
-- @param baseline_keys varchar_list 'metric|YYYY-MM-DD' for each metric's baseline days
-- @partitions user_day :days
-- @partitions channel_user_day :days
-- @partitions order_day :days
-- @partitions campaign_user_day :days
--
-- Output columns:
--   metric, dimension, element
--   actual                         the element's value on D (numerator for aov)
--   actual_denominator             aov: the element's paid orders on D; else null
--   median_low, median_high        the middle values of the element over the baseline days
--   median_low_denominator, median_high_denominator   the same for aov's denominator
--   baseline_days                  the metric's baseline days with any data

with

active_users as (
  select user_id, local_date, first_signup_time, private_channel_events
  from user_day
  where local_date in :days
),

channel_users as (
  select user_id, channel, first_signup_time, local_date
  from channel_user_day
  where local_date in :days
),

first_signups as (
  select
    user_id,
    channel,
    local_date,
    row_number() over (
      partition by local_date, user_id order by first_signup_time, channel
    ) as signup_rank
  from channel_users
  where first_signup_time is not null
),

paid_orders as (
  select
    o.user_id,
    o.amount,
    coalesce(o.channel, 'unknown') as order_channel,
    coalesce(o.campaign_id, 'none') as campaign,
    coalesce(c.format, 'none') as content_format,
    o.local_date
  from order_day as o
  left join content as c on c.id = o.content_id
  where o.local_date in :days
    and o.is_paid = 1
),

joins as (
  select campaign_id, user_id, local_date
  from campaign_user_day
  where local_date in :days
    and join_events > 0
),

segment_days as (
  select 'dau' as metric, 'channel' as dimension, channel as element, local_date,
    cast(count(distinct user_id) as double) as amount, cast(null as double) as denominator
  from channel_users
  group by channel, local_date
  union all
  select 'dau', 'user_type',
    case when first_signup_time is not null then 'new' else 'returning' end, local_date,
    cast(count(*) as double), cast(null as double)
  from active_users
  group by case when first_signup_time is not null then 'new' else 'returning' end, local_date
  union all
  select 'dau', 'domain',
    case when private_channel_events > 0 then 'private' else 'public' end, local_date,
    cast(count(*) as double), cast(null as double)
  from active_users
  group by case when private_channel_events > 0 then 'private' else 'public' end, local_date
  union all
  select 'new_users', 'channel', channel, local_date,
    cast(count(*) as double), cast(null as double)
  from first_signups
  where signup_rank = 1
  group by channel, local_date
  union all
  select 'orders', 'order_channel', order_channel, local_date,
    cast(count(*) as double), cast(null as double)
  from paid_orders
  group by order_channel, local_date
  union all
  select 'orders', 'campaign', campaign, local_date, cast(count(*) as double), cast(null as double)
  from paid_orders
  group by campaign, local_date
  union all
  select 'orders', 'content_format', content_format, local_date,
    cast(count(*) as double), cast(null as double)
  from paid_orders
  group by content_format, local_date
  union all
  select 'gmv', 'order_channel', order_channel, local_date,
    cast(sum(amount) as double), cast(null as double)
  from paid_orders
  group by order_channel, local_date
  union all
  select 'gmv', 'campaign', campaign, local_date, cast(sum(amount) as double), cast(null as double)
  from paid_orders
  group by campaign, local_date
  union all
  select 'gmv', 'content_format', content_format, local_date,
    cast(sum(amount) as double), cast(null as double)
  from paid_orders
  group by content_format, local_date
  union all
  select 'paying_users', 'order_channel', order_channel, local_date,
    cast(count(distinct user_id) as double), cast(null as double)
  from paid_orders
  group by order_channel, local_date
  union all
  select 'aov', 'order_channel', order_channel, local_date,
    cast(sum(amount) as double), cast(count(*) as double)
  from paid_orders
  group by order_channel, local_date
  union all
  select 'campaign_participants', 'campaign', campaign_id, local_date,
    cast(count(distinct user_id) as double), cast(null as double)
  from joins
  group by campaign_id, local_date
),

flagged_segment_days as (
  select metric, dimension, element, local_date, amount, denominator
  from segment_days
  where metric in :metrics
    and (local_date = :report_day or metric || '|' || local_date in :baseline_keys)
),

baseline_days as (
  select distinct metric, local_date
  from flagged_segment_days
  where local_date <> :report_day
),

elements as (
  select distinct metric, dimension, element
  from flagged_segment_days
),

-- Every element on every baseline day, 0 where it had no rows.
baseline_grid as (
  select
    el.metric,
    el.dimension,
    el.element,
    coalesce(s.amount, 0) as amount,
    case when el.metric = 'aov' then coalesce(s.denominator, 0) end as denominator
  from elements as el
  join baseline_days as b
    on b.metric = el.metric
  left join flagged_segment_days as s
    on s.metric = el.metric
    and s.dimension = el.dimension
    and s.element = el.element
    and s.local_date = b.local_date
),

baseline_ranked as (
  select
    metric,
    dimension,
    element,
    amount,
    denominator,
    row_number() over (partition by metric, dimension, element order by amount) as amount_rank,
    row_number() over (
      partition by metric, dimension, element order by denominator
    ) as denominator_rank,
    count(*) over (partition by metric, dimension, element) as days_counted
  from baseline_grid
),

-- The middle rank(s): 2 · rank in [n, n + 2] picks rank (n + 1) / 2 for an odd n and the
-- ranks n / 2 and n / 2 + 1 for an even one, without dividing.
baseline_medians as (
  select
    metric,
    dimension,
    element,
    min(case when 2 * amount_rank between days_counted and days_counted + 2 then amount end)
      as median_low,
    max(case when 2 * amount_rank between days_counted and days_counted + 2 then amount end)
      as median_high,
    min(
      case when 2 * denominator_rank between days_counted and days_counted + 2 then denominator end
    ) as median_low_denominator,
    max(
      case when 2 * denominator_rank between days_counted and days_counted + 2 then denominator end
    ) as median_high_denominator,
    max(days_counted) as baseline_days
  from baseline_ranked
  group by metric, dimension, element
),

report_day_values as (
  select metric, dimension, element, amount, denominator
  from flagged_segment_days
  where local_date = :report_day
),

final as (
  select
    el.metric,
    el.dimension,
    el.element,
    coalesce(r.amount, 0) as actual,
    case when el.metric = 'aov' then coalesce(r.denominator, 0) end as actual_denominator,
    coalesce(m.median_low, 0) as median_low,
    coalesce(m.median_high, 0) as median_high,
    m.median_low_denominator,
    m.median_high_denominator,
    coalesce(m.baseline_days, 0) as baseline_days
  from elements as el
  left join report_day_values as r
    on r.metric = el.metric
    and r.dimension = el.dimension
    and r.element = el.element
  left join baseline_medians as m
    on m.metric = el.metric
    and m.dimension = el.dimension
    and m.element = el.element
)

select * from final
