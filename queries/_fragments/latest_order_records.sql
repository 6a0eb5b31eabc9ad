-- Fragment: the latest record of each order, the contract's "paid order" rule in one place
-- (shared/kpi-spec.md, "Paid order"). Every query that de-duplicates orders includes it with
-- a line `-- @include latest_order_records` in its `with` list, right after its own CTE
-- `order_records`, which must have the columns order_id, user_id, status, updated_at,
-- amount and order_scope (what the latest record is chosen within: the local day in a
-- rollup build, whose partitions stand alone; a constant in a query over its whole window).
--
-- The latest record (by updated_at; on a tie a non-paid record wins, then the smaller
-- amount) is chosen among the records with an order_id, a user_id, a status and an
-- updated_at, whatever the sign of their amount: a refund or cancellation recorded as a
-- negative amount still ends the order's paid state. A negative amount is invalid only on a
-- `paid` record: an order whose latest record is one is not a paid order (data quality
-- counts the record, efficiency_orders.sql).
--
-- Defines:
--   valid_order_records_ranked   the valid records with recency_rank (1 = the latest)
--   latest_order_records         each order's latest record, with is_paid (1: a paid order)

valid_order_records_ranked as (
  select
    r.*,
    row_number() over (
      partition by r.order_scope, r.order_id
      order by r.updated_at desc, case when r.status = 'paid' then 1 else 0 end, r.amount
    ) as recency_rank
  from order_records as r
  where r.order_id is not null
    and r.user_id is not null
    and r.status is not null
    and r.updated_at is not null
),

latest_order_records as (
  select
    v.*,
    case when v.status = 'paid' and v.amount >= 0 then 1 else 0 end as is_paid
  from valid_order_records_ranked as v
  where v.recency_rank = 1
),
