-- Hourly order rollup: the orders of each report-zone local hour (by order_time), per
-- channel. The intra-day pulse compares today's paid orders and GMV so far with the same
-- hours of the same weekday of past weeks from it (see rollup_event_hour.sql for the hour).
-- Self-contained on purpose: one file, one registration in functions/lib/rollups/schema.ts.
--
-- Grain: one row per local day of :cal, local hour and channel (of the order's latest
-- record; null: none) holding order records of the day. An order's latest record is chosen
-- within its local day, as in rollup_order_day.sql (queries/_fragments/latest_order_records.sql),
-- so status is the order's final status as the lake holds it now.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param orders_dts varchar_list every dt partition of orders those days overlap
-- @partitions orders :orders_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   local_hour           whole hours since the local day's start
--   channel              the channel of the orders' latest records (null: none)
--   records              order records (all, duplicates and updates included)
--   orders               orders (distinct valid order ids)
--   paid_orders          orders whose latest record is paid
--   buyers               distinct users with a paid order
--   gmv                  sum of the paid orders' amounts
--   oldest_valid_time    oldest order_time of the valid records
--   newest_valid_time    newest order_time of the valid records
--   local_date           the local day, YYYY-MM-DD (the partition)

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
    cal.local_date,
    -- Whole hours since the local day's start (elapsed: a day with a daylight-saving change
    -- back has an hour 24), the days and hours of the elapsed interval (not a range join with a table of hours).
    cast(extract(day from (o.order_time - cal.day_start)) * 24 + extract(hour from (o.order_time - cal.day_start)) as bigint) as local_hour,
    cal.local_date as order_scope
  from orders as o
  join :cal as cal (local_date, dt, day_start, day_end)
    on o.dt = cal.dt
  where o.dt in :orders_dts
    and o.order_time >= cal.day_start
    and o.order_time < cal.day_end
),

-- @include latest_order_records

record_counts as (
  select
    local_date,
    local_hour,
    channel,
    count(*) as records
  from order_records
  group by local_date, local_hour, channel
),

order_counts as (
  select
    local_date,
    local_hour,
    channel,
    count(*) as orders,
    sum(is_paid) as paid_orders,
    count(distinct case when is_paid = 1 then user_id end) as buyers,
    cast(coalesce(sum(case when is_paid = 1 then amount end), 0) as decimal(18, 2)) as gmv,
    min(order_time) as oldest_valid_time,
    max(order_time) as newest_valid_time
  from latest_order_records
  group by local_date, local_hour, channel
),

final as (
  select
    cast(r.local_hour as bigint) as local_hour,
    r.channel,
    r.records,
    coalesce(o.orders, 0) as orders,
    coalesce(o.paid_orders, 0) as paid_orders,
    coalesce(o.buyers, 0) as buyers,
    coalesce(o.gmv, 0) as gmv,
    o.oldest_valid_time,
    o.newest_valid_time,
    cast(r.local_date as varchar) as local_date
  from record_counts as r
  left join order_counts as o
    on r.local_date = o.local_date
    and r.local_hour = o.local_hour
    and coalesce(r.channel, '') = coalesce(o.channel, '')
)

select * from final
