-- Activity by channel in a report period and in the period before it, for alert emails:
-- on-call sees which channel moved most when a KPI breaches.
--
-- Grain: one row per channel seen in either period (events or paid orders); a null channel
-- is reported as 'unknown'. Counts only; the alert renderer picks the measure that fits
-- the metric and ranks channels by the size of their change.
--
-- Paid order: the latest valid record of an order_id is a paid one, as in every query
-- (queries/_fragments/latest_order_records.sql).
--
-- @param current_from timestamp UTC start of the report period
-- @param current_to timestamp UTC end (exclusive) of the report period
-- @param previous_from timestamp UTC start of the period before (it ends at current_from)
-- @param partitions varchar_list dt partitions of both periods
-- @param event_types varchar_list the known event types of the data contract (an active user has a valid event)
-- @partitions events :partitions
-- @partitions orders :partitions
--
-- Output columns:
--   channel                                      channel name, or 'unknown'
--   active_users_current, active_users_previous  distinct users with any event
--   new_users_current, new_users_previous        distinct users with a signup event
--   events_current, events_previous              events
--   paid_orders_current, paid_orders_previous    paid orders
--   gmv_current, gmv_previous                    their amounts (exact decimal)

with

period_events as (
  select
    coalesce(channel, 'unknown') as channel,
    user_id,
    event_type,
    event_time >= :current_from as in_current
  from events
  where dt in :partitions
    and event_time >= :previous_from
    and event_time < :current_to
    and user_id is not null
    and event_type in :event_types
),

event_measures as (
  select
    channel,
    count(distinct case when in_current then user_id end) as active_users_current,
    count(distinct case when not in_current then user_id end) as active_users_previous,
    count(distinct case when in_current and event_type = 'signup' then user_id end)
      as new_users_current,
    count(distinct case when not in_current and event_type = 'signup' then user_id end)
      as new_users_previous,
    count_if(in_current) as events_current,
    count_if(not in_current) as events_previous
  from period_events
  group by channel
),

order_records as (
  select
    order_id,
    user_id,
    updated_at,
    coalesce(channel, 'unknown') as channel,
    order_time,
    amount,
    status,
    'window' as order_scope
  from orders
  where dt in :partitions
    and order_time >= :previous_from
    and order_time < :current_to
),

-- @include latest_order_records

order_measures as (
  select
    channel,
    count_if(order_time >= :current_from) as paid_orders_current,
    count_if(order_time < :current_from) as paid_orders_previous,
    coalesce(sum(case when order_time >= :current_from then amount end), 0) as gmv_current,
    coalesce(sum(case when order_time < :current_from then amount end), 0) as gmv_previous
  from latest_order_records
  where is_paid = 1
  group by channel
),

all_channels as (
  select channel from event_measures
  union
  select channel from order_measures
),

final as (
  select
    c.channel,
    coalesce(e.active_users_current, 0) as active_users_current,
    coalesce(e.active_users_previous, 0) as active_users_previous,
    coalesce(e.new_users_current, 0) as new_users_current,
    coalesce(e.new_users_previous, 0) as new_users_previous,
    coalesce(e.events_current, 0) as events_current,
    coalesce(e.events_previous, 0) as events_previous,
    coalesce(o.paid_orders_current, 0) as paid_orders_current,
    coalesce(o.paid_orders_previous, 0) as paid_orders_previous,
    coalesce(o.gmv_current, 0) as gmv_current,
    coalesce(o.gmv_previous, 0) as gmv_previous
  from all_channels as c
  left join event_measures as e on e.channel = c.channel
  left join order_measures as o on o.channel = c.channel
)

select * from final
