-- Identity coverage of a period (the data-quality section): how much of the period's
-- activity the identity map resolves to a person — the active ids (distinct user_id values
-- as recorded, with a valid event in the period) with a mapping valid at one of their
-- events, and the paid orders whose buyer id had a mapping valid at the order's time
-- (shared/kpi-spec.md, "Identity"; queries/_fragments/mapped_events.sql).
--
-- Grain: one row.
--
-- @param events_dts varchar_list the dt partitions of events to read
-- @param orders_dts varchar_list the dt partitions of orders to read
-- @param period_from timestamp UTC start of the period
-- @param period_to timestamp UTC end (exclusive) of the period
-- @param event_types varchar_list the known event types of the data contract
-- @partitions events :events_dts
-- @partitions orders :orders_dts
--
-- Output columns (one row):
--   mapping_rows        rows of the identity map (0: no map, coverage is not measured)
--   active_ids          distinct ids with a valid event in the period
--   mapped_active_ids   of those, the ids mapped at one of their events
--   paid_orders         paid orders placed in the period
--   mapped_paid_orders  of those, the orders whose buyer id was mapped at order_time

with

-- @include mapped_events

-- @include mapped_orders

period_events as (
  select
    e.source_user_id,
    e.is_mapped
  from mapped_events as e
  where e.dt in :events_dts
    and e.event_time >= :period_from
    and e.event_time < :period_to
    and e.source_user_id is not null
    and e.event_type in :event_types
),

order_records as (
  select
    o.order_id,
    o.user_id,
    o.status,
    o.updated_at,
    o.amount,
    o.is_mapped,
    1 as order_scope
  from mapped_orders as o
  where o.dt in :orders_dts
    and o.order_time >= :period_from
    and o.order_time < :period_to
),

-- @include latest_order_records

final as (
  select
    (select count(*) from identities) as mapping_rows,
    (select count(distinct source_user_id) from period_events) as active_ids,
    (
      select count(distinct case when is_mapped = 1 then source_user_id end)
      from period_events
    ) as mapped_active_ids,
    (select count(*) from latest_order_records where is_paid = 1) as paid_orders,
    (
      select count(*) from latest_order_records where is_paid = 1 and is_mapped = 1
    ) as mapped_paid_orders
)

select * from final
