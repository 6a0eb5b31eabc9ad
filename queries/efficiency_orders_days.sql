-- Data operations KPIs from the orders table, for a period already over at the run: the
-- figures of efficiency_orders.sql from the rollups instead of a scan of the period's raw
-- orders. Data quality is summed from order_quality_day (rollup_order_quality_day.sql): a
-- record updated after its day's end keeps its exact updated_at there, so `future` and the
-- passing keys compare it with :run_time as efficiency_orders.sql does (order_time, in a day
-- over, is never after the run). Paid orders and revenue come from order_day (each order's
-- latest record, one row per order, with the verdict of queries/_fragments/
-- latest_order_records.sql in is_paid, which efficiency_orders.sql applies to the raw records).
--
-- Grain: one row.
--
-- @param first_day varchar first local day of the period
-- @param last_day varchar last local day of the period
-- @param period_from timestamp UTC start of the period
-- @param period_to timestamp UTC end (exclusive) of the period
-- @param run_time timestamp UTC time of the run
-- @partitions order_quality_day :first_day..:last_day
-- @partitions order_day :first_day..:last_day
--
-- Output columns (one row): as efficiency_orders.sql
--   records, passing_records                   the period's order records, those passing
--   missing_id, null_user, negative_amount, unknown_status, future, duplicate   failures by reason
--   paid_orders, revenue                       paid orders of the period and their amounts (decimal)

with

paid_totals as (
  select
    count(*) as paid_orders,
    sum(amount) as revenue
  from order_day
  where local_date between :first_day and :last_day
    and order_time >= :period_from
    and order_time < :period_to
    and is_paid = 1
),

quality as (
  select
    coalesce(cast(sum(records) as bigint), 0) as records,
    coalesce(cast(sum(case
      when late_updated_at is null or late_updated_at <= :run_time then passing_keys else 0
    end) as bigint), 0) as passing_records,
    coalesce(cast(sum(missing_id) as bigint), 0) as missing_id,
    coalesce(cast(sum(null_user) as bigint), 0) as null_user,
    coalesce(cast(sum(negative_amount) as bigint), 0) as negative_amount,
    coalesce(cast(sum(unknown_status) as bigint), 0) as unknown_status,
    coalesce(cast(sum(case when late_updated_at > :run_time then records else 0 end) as bigint), 0)
      as future,
    coalesce(cast(sum(duplicate) as bigint), 0) as duplicate
  from order_quality_day
  where local_date between :first_day and :last_day
),

final as (
  select
    q.records,
    q.passing_records,
    q.missing_id,
    q.null_user,
    q.negative_amount,
    q.unknown_status,
    q.future,
    q.duplicate,
    coalesce(p.paid_orders, 0) as paid_orders,
    coalesce(p.revenue, cast('0.00' as decimal(18,2))) as revenue
  from quality as q
  cross join paid_totals as p
)

select * from final
