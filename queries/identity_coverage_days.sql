-- Identity coverage of a period (the data-quality section), from the identity_day and
-- order_identity_day rollups (rollup_identity_day.sql, rollup_order_identity_day.sql)
-- instead of the period's raw events and orders: the figures of identity_coverage.sql (see
-- there and shared/kpi-spec.md, "Identity").
--
-- Grain: one row.
--
-- @param first_day varchar first local day of the period
-- @param last_day varchar last local day of the period
-- @partitions identity_day :first_day..:last_day
-- @partitions order_identity_day :first_day..:last_day
--
-- Output columns (one row): as identity_coverage.sql
--   mapping_rows        rows of the identity map (0: no map, coverage is not measured)
--   active_ids          distinct ids with a valid event in the period
--   mapped_active_ids   of those, the ids mapped at one of their events
--   paid_orders         paid orders placed in the period
--   mapped_paid_orders  of those, the orders whose buyer id was mapped at order_time

with

period_ids as (
  select
    source_user_id,
    max(is_mapped) as is_mapped
  from identity_day
  where local_date between :first_day and :last_day
  group by source_user_id
),

period_orders as (
  select
    coalesce(cast(sum(paid_orders) as bigint), 0) as paid_orders,
    coalesce(cast(sum(mapped_paid_orders) as bigint), 0) as mapped_paid_orders
  from order_identity_day
  where local_date between :first_day and :last_day
),

final as (
  select
    (select count(*) from identities) as mapping_rows,
    (select count(*) from period_ids) as active_ids,
    (select count(case when is_mapped = 1 then 1 end) from period_ids) as mapped_active_ids,
    o.paid_orders,
    o.mapped_paid_orders
  from period_orders as o
)

select * from final
