-- Data operations KPIs from the orders table: data quality of the period's order records,
-- and the period's paid orders and revenue (the denominator of the ops cost ratio).
--
-- Grain: one row.
--
-- The period's records are the order records with order_time in [:period_from, :period_to).
-- Several records of one order_id are expected (status updates); a record is a duplicate
-- when it repeats the (order_id, updated_at) of another record. Failure reasons (a record
-- may have several):
--   missing_id       no order_id
--   null_user        no user_id
--   negative_amount  a `paid` record with an amount below zero (a refund or cancellation may
--                    carry a negative amount: many sources record refunds so)
--   unknown_status   status null or not one of :order_statuses
--   future           order_time or updated_at after the run (:run_time)
--   duplicate        a copy of an (order_id, updated_at) beyond its first record
-- A record passes when it has none: per (order_id, updated_at), one record passes when at
-- least one of its copies is otherwise valid.
-- Paid order (for the revenue): as in every KPI query, from the latest valid record of each
-- order (queries/_fragments/latest_order_records.sql).
--
-- @param orders_dt_from varchar first dt partition of orders to read
-- @param orders_dt_to varchar last dt partition of orders to read
-- @param period_from timestamp UTC start of the period
-- @param period_to timestamp UTC end (exclusive) of the period
-- @param run_time timestamp UTC time of the run
-- @param order_statuses varchar_list the known order statuses of the data contract
-- @partitions orders :orders_dt_from..:orders_dt_to
--
-- Output columns (one row):
--   records, passing_records                   the period's order records, those passing
--   missing_id, null_user, negative_amount, unknown_status, future, duplicate   failures by reason
--   paid_orders, revenue                       paid orders of the period and their amounts (decimal)

with

order_records as (
  select
    order_id,
    user_id,
    updated_at,
    amount,
    status,
    'window' as order_scope,
    case
      when user_id is not null
        and not (status = 'paid' and amount < 0)
        and status in :order_statuses
        and order_time <= :run_time
        and updated_at <= :run_time then 1
      else 0
    end as otherwise_valid,
    case when order_time > :run_time or updated_at > :run_time then 1 else 0 end as is_future
  from orders
  where dt between :orders_dt_from and :orders_dt_to
    and order_time >= :period_from
    and order_time < :period_to
),

-- (included from queries/_fragments/latest_order_records.sql)
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

paid_totals as (
  select
    count(*) as paid_orders,
    sum(amount) as revenue
  from latest_order_records
  where is_paid = 1
),

record_keys as (
  select
    order_id,
    updated_at,
    count(*) as records,
    count(case when user_id is null then 1 end) as null_user,
    count(case when status = 'paid' and amount < 0 then 1 end) as negative_amount,
    count(case when status is null or status not in :order_statuses then 1 end)
      as unknown_status,
    sum(is_future) as future,
    max(otherwise_valid) as has_valid_record
  from order_records
  group by order_id, updated_at
),

final as (
  select
    coalesce(sum(records), 0) as records,
    count(case when order_id is not null and has_valid_record = 1 then 1 end)
      as passing_records,
    coalesce(sum(case when order_id is null then records else 0 end), 0) as missing_id,
    coalesce(sum(null_user), 0) as null_user,
    coalesce(sum(negative_amount), 0) as negative_amount,
    coalesce(sum(unknown_status), 0) as unknown_status,
    coalesce(sum(future), 0) as future,
    coalesce(sum(case when order_id is not null and records > 1 then records - 1 else 0 end), 0)
      as duplicate,
    coalesce(max(p.paid_orders), 0) as paid_orders,
    coalesce(max(p.revenue), cast('0.00' as decimal(18,2))) as revenue
  from record_keys
  cross join paid_totals as p
)

select * from final
