-- RFM state of a report week: every customer of the 365 local days ending the week's Sunday
-- or of those ending the Sunday before, with the facts R, F and M are made of in each
-- window, carried from week to week (functions/lib/rollups/rfm-week.ts).
--
-- Grain: one row per week (its Sunday, the partition `local_date`) and customer, a user with
-- a paid order in either window; the weekly query (rfm_segments.sql) reads one partition
-- and finds each customer's movement between the windows on one row. Two ways to the same
-- rows:
--   - from scratch (:use_previous = 0): the paid orders of the 372 days of `order_day`
--     the two windows span;
--   - carried (:use_previous = 1): the stored state of the week before (:previous_week_end,
--     built from the order_day days that are still current: rfm-week.ts checks its
--     manifest), whose window facts become the previous window's, minus the paid orders of
--     the 7 days that leave the window, plus those of the 7 days that enter it. Leaving days
--     are the window's oldest, so a customer whose last order left with them has no order
--     left (F falls to 0: no longer a customer); any other keeps a last order inside the
--     window, and the newer of it and the entering days' is the last one. Counts and sums
--     are exact integers and decimals, so carrying them gives what adding up the 365 days
--     gives.
--
-- Paid order: an order_day row is an order's latest record, and the records of an order
-- carry its order_time (docs/data-contract.md), so an order has one row, whose `is_paid`
-- holds the rule's verdict (queries/_fragments/latest_order_records.sql, applied when the
-- day was built): both ways count the same rows.
--
-- @param source_days varchar_list the local days of order_day read (from scratch: the 372
--   days of both windows; carried: the 7 leaving and the 7 entering days)
-- @param week_end date the week's Sunday
-- @param week_start date :week_end − 364, the first day of its window
-- @param previous_week_end date :week_end − 7
-- @param previous_week_start date :previous_week_end − 364
-- @param use_previous integer 1: carry the stored state of :previous_week_end; 0: from scratch
-- @param previous_weeks varchar_list [:previous_week_end as YYYY-MM-DD]: the state partition read
-- @partitions order_day :source_days
-- @partitions rfm_week :previous_weeks
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   user_id                     the customer
--   last_order_date             local date of the last paid order in the week's window (null: none)
--   frequency                   paid orders (distinct order_id) in it (0: not a customer)
--   monetary                    their amounts, decimal(18,2)
--   previous_last_order_date, previous_frequency, previous_monetary
--                               the same in the window of the Sunday before
--   local_date                  the week's Sunday, YYYY-MM-DD (the partition)

with

-- Every sum is cast back to its stored type (bigint, decimal(18,2)): DuckDB sums into
-- 128-bit integers, and the carry's arithmetic and filter over them took 40 % of this
-- build's CPU on the bench lake (0.69 s against 0.42 s for 1.26 M customers).
paid_days as (
  select
    user_id,
    cast(local_date as date) as order_date,
    cast(count(*) as bigint) as orders,
    cast(sum(amount) as decimal(18,2)) as amount
  from order_day
  where local_date in :source_days
    and is_paid = 1
  group by user_id, local_date
),

from_scratch as (
  select
    user_id,
    max(case when order_date >= :week_start then order_date end) as last_order_date,
    cast(sum(case when order_date >= :week_start then orders else 0 end) as bigint) as frequency,
    cast(sum(case when order_date >= :week_start then amount else cast('0.00' as decimal(18,2)) end) as decimal(18,2)) as monetary,
    max(case when order_date <= :previous_week_end then order_date end) as previous_last_order_date,
    cast(sum(case when order_date <= :previous_week_end then orders else 0 end) as bigint) as previous_frequency,
    cast(sum(case when order_date <= :previous_week_end then amount else cast('0.00' as decimal(18,2)) end) as decimal(18,2)) as previous_monetary
  from paid_days
  where :use_previous = 0
    and order_date between :previous_week_start and :week_end
  group by user_id
),

-- The week before's customers, with their facts in its window.
previous_state as (
  select
    user_id,
    last_order_date,
    frequency,
    monetary
  from rfm_week
  where :use_previous = 1
    and local_date in :previous_weeks
    and frequency > 0
),

leaving as (
  select
    user_id,
    cast(sum(orders) as bigint) as frequency,
    cast(sum(amount) as decimal(18,2)) as monetary
  from paid_days
  where :use_previous = 1
    and order_date < :week_start
  group by user_id
),

entering as (
  select
    user_id,
    max(order_date) as last_order_date,
    cast(sum(orders) as bigint) as frequency,
    cast(sum(amount) as decimal(18,2)) as monetary
  from paid_days
  where :use_previous = 1
    and order_date > :previous_week_end
  group by user_id
),

carried as (
  select
    coalesce(s.user_id, e.user_id) as user_id,
    case
      when coalesce(s.frequency, 0) - coalesce(l.frequency, 0) + coalesce(e.frequency, 0) > 0
        then coalesce(e.last_order_date, s.last_order_date)
    end as last_order_date,
    coalesce(s.frequency, 0) - coalesce(l.frequency, 0) + coalesce(e.frequency, 0) as frequency,
    coalesce(s.monetary, cast('0.00' as decimal(18,2)))
      - coalesce(l.monetary, cast('0.00' as decimal(18,2)))
      + coalesce(e.monetary, cast('0.00' as decimal(18,2))) as monetary,
    s.last_order_date as previous_last_order_date,
    coalesce(s.frequency, 0) as previous_frequency,
    coalesce(s.monetary, cast('0.00' as decimal(18,2))) as previous_monetary
  from previous_state as s
  left join leaving as l
    on l.user_id = s.user_id
  full outer join entering as e
    on e.user_id = s.user_id
),

states as (
  select * from from_scratch
  union all
  select * from carried
),

final as (
  select
    user_id,
    last_order_date,
    cast(frequency as bigint) as frequency,
    cast(monetary as decimal(18,2)) as monetary,
    previous_last_order_date,
    cast(previous_frequency as bigint) as previous_frequency,
    cast(previous_monetary as decimal(18,2)) as previous_monetary,
    cast(:week_end as varchar) as local_date
  from states
  where frequency > 0
    or previous_frequency > 0
)

select * from final
