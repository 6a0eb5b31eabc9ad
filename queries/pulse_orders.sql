-- Intra-day pulse, orders: today so far per local hour and channel (each order's latest
-- record as of :at, queries/_fragments/latest_order_records.sql), the newest valid order
-- before today per channel, and the same hours of the baseline days from the hourly
-- rollup. One query per pulse, reading raw only the dt partitions of today's local day;
-- records with an order_time or updated_at after :at are ignored (replays).
--
-- Grain: one row per source (today, before, baseline), local day, local hour and channel;
-- see pulse_events.sql.
--
-- @param today varchar today's local date, YYYY-MM-DD
-- @param day_start timestamp UTC start of today's local day
-- @param at timestamp the pulse's instant (UTC); later records are ignored
-- @param lookback_start timestamp UTC start of the freshness look-back (the first partition's start)
-- @param orders_dts varchar_list the dt partitions of today's local day
-- @param baseline_days varchar_list the local days of the baseline (order_hour partitions)
-- @partitions orders :orders_dts
-- @partitions order_hour :baseline_days
--
-- Output columns:
--   source               today, before or baseline
--   local_date           the local day, YYYY-MM-DD
--   local_hour           whole hours since the local day's start (null: before)
--   channel              the channel of the orders' latest records (null: none)
--   records              order records (all)
--   orders               distinct valid orders
--   paid_orders          orders whose latest record is paid
--   buyers               distinct users with a paid order
--   gmv                  amount of the paid orders
--   oldest_valid_time    oldest order_time of the valid records
--   newest_valid_time    newest order_time of the valid records

with

order_records as (
  select
    o.order_id,
    o.user_id,
    o.order_time,
    o.updated_at,
    o.amount,
    o.status,
    o.channel,
    case when o.order_time >= :day_start then 'today' else 'before' end as order_scope
  from orders as o
  where o.dt in :orders_dts
    and o.order_time >= :lookback_start
    and o.order_time <= :at
    and (o.updated_at is null or o.updated_at <= :at)
),

-- @include latest_order_records

hourly_records as (
  select
    cast(extract(day from (r.order_time - :day_start)) * 24 + extract(hour from (r.order_time - :day_start)) as bigint) as local_hour,
    r.channel,
    count(*) as records
  from order_records as r
  where r.order_scope = 'today'
  group by cast(extract(day from (r.order_time - :day_start)) * 24 + extract(hour from (r.order_time - :day_start)) as bigint), r.channel
),

hourly_orders as (
  select
    cast(extract(day from (o.order_time - :day_start)) * 24 + extract(hour from (o.order_time - :day_start)) as bigint) as local_hour,
    o.channel,
    count(*) as orders,
    sum(o.is_paid) as paid_orders,
    count(distinct case when o.is_paid = 1 then o.user_id end) as buyers,
    cast(coalesce(sum(case when o.is_paid = 1 then o.amount end), 0) as decimal(18, 2)) as gmv,
    min(o.order_time) as oldest_valid_time,
    max(o.order_time) as newest_valid_time
  from latest_order_records as o
  where o.order_scope = 'today'
  group by cast(extract(day from (o.order_time - :day_start)) * 24 + extract(hour from (o.order_time - :day_start)) as bigint), o.channel
),

today_rows as (
  select
    'today' as source,
    :today as local_date,
    r.local_hour,
    r.channel,
    r.records,
    coalesce(o.orders, 0) as orders,
    coalesce(o.paid_orders, 0) as paid_orders,
    coalesce(o.buyers, 0) as buyers,
    coalesce(o.gmv, 0) as gmv,
    o.oldest_valid_time,
    o.newest_valid_time
  from hourly_records as r
  left join hourly_orders as o
    on r.local_hour = o.local_hour
    and coalesce(r.channel, '') = coalesce(o.channel, '')
),

before_rows as (
  select
    'before' as source,
    :today as local_date,
    cast(null as bigint) as local_hour,
    channel,
    count(*) as records,
    count(*) as orders,
    cast(0 as bigint) as paid_orders,
    cast(0 as bigint) as buyers,
    cast(0 as decimal(18, 2)) as gmv,
    min(order_time) as oldest_valid_time,
    max(order_time) as newest_valid_time
  from latest_order_records
  where order_scope = 'before'
  group by channel
),

baseline_rows as (
  select
    'baseline' as source,
    b.local_date,
    b.local_hour,
    b.channel,
    b.records,
    b.orders,
    b.paid_orders,
    b.buyers,
    b.gmv,
    b.oldest_valid_time,
    b.newest_valid_time
  from order_hour as b
  where b.local_date in :baseline_days
),

final as (
  select * from today_rows
  union all
  select * from before_rows
  union all
  select * from baseline_rows
)

select * from final
