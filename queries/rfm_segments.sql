-- RFM segmentation of the customers of the 365 days ending a report week's Sunday, and of
-- the week before, with the movement of every customer between the two.
--
-- Grain: one row per movement, i.e. per combination of a customer's RFM flags in the
-- previous window and in the current window (flags are null when the customer has no paid
-- order in that window). Classification into the 8 named segments happens in TypeScript
-- (functions/lib/kpi/rfm.ts), from the three flags.
--
-- Window: the 365 local days ending :current_end (the Sunday), and those ending
-- :previous_end for the week before; customers are users with a paid order in the window. Per customer and window:
--   R = whole days from the local date of the last paid order to the window's last day,
--   F = distinct paid order_ids, M = their amounts (exact decimal).
-- A flag is 1 ("high") when strictly better than the window's exact population median
-- (R below it, F and M above it), ties are 0 ("low"). The median is exact: the middle value,
-- or the mean of the two middle values for an even count; to stay exact and free of
-- division it is carried doubled (`…_median_x2` = the two middle values added, or twice the
-- single middle value) and compared with twice the customer's value. A configured cut-off
-- (:use_…_cutoff = 1) replaces the median of its dimension.
--
-- Reads the RFM state `rfm_week` of the report week (one row per customer of either window
-- with the date of the last paid order, F and M of each; rollup_rfm_week.sql,
-- functions/lib/rollups/rfm-week.ts), which the run brings up to date first from the
-- `order_day` rollups: a weekly run carries last week's state forward by the 7 days that
-- enter and the 7 that leave the window, instead of adding up 372 days of orders, and the
-- movement needs no join of the two windows' customers (the state pairs them). Paid
-- orders are those of order_day (each order's final record, the contract's rule in
-- `latest_order_records`); records that fail validation never reach it, so bad data never
-- moves a KPI (data quality counts them, see efficiency_orders.sql).
--
-- @param state_weeks varchar_list [:current_end as YYYY-MM-DD]: the state read
-- @param current_end date last local day of the current window (the report week's Sunday)
-- @param previous_end date last local day of the previous window (current_end − 7)
-- @param use_recency_cutoff integer 1 to compare R with :recency_cutoff_days instead of the median
-- @param recency_cutoff_days decimal configured R cut-off in days (used when :use_recency_cutoff = 1)
-- @param use_frequency_cutoff integer 1 to compare F with :frequency_cutoff instead of the median
-- @param frequency_cutoff decimal configured F cut-off in orders
-- @param use_monetary_cutoff integer 1 to compare M with :monetary_cutoff instead of the median
-- @param monetary_cutoff decimal configured M cut-off in currency units
-- @partitions rfm_week :state_weeks
--
-- Output columns:
--   previous_recency_high, previous_frequency_high, previous_monetary_high
--                               1/0 flags in the previous window, null when not a customer then
--   current_recency_high, current_frequency_high, current_monetary_high
--                               the same for the current window
--   customers                   customers with these flags
--   previous_revenue            their M in the previous window (decimal, 0 when absent)
--   current_revenue             their M in the current window (decimal, 0 when absent)
--   current_customers, previous_customers         customers of each window (every row)
--   current_recency_median_x2, current_frequency_median_x2, current_monetary_median_x2,
--   previous_recency_median_x2, previous_frequency_median_x2, previous_monetary_median_x2
--                               twice each window's exact median (every row; null when empty)

with

-- One row per customer of either window, with R, F and M of each (null: not a customer then).
customer_rfm as (
  select
    case when frequency > 0 then date_diff('day', last_order_date, :current_end) end as current_recency,
    case when frequency > 0 then frequency end as current_frequency,
    case when frequency > 0 then monetary end as current_monetary,
    case when previous_frequency > 0 then date_diff('day', previous_last_order_date, :previous_end) end as previous_recency,
    case when previous_frequency > 0 then previous_frequency end as previous_frequency,
    case when previous_frequency > 0 then previous_monetary end as previous_monetary
  from rfm_week
  where local_date in :state_weeks
),

-- Each window's distinct values of R and F, with the customers that have each: the
-- medians are read off their running counts, not off a rank of every customer. `part`
-- numbers the six (window, dimension) pairs (M's are 3 and 6, below): the window
-- functions partition by it.
dimension_values as (
  select 1 as part, 'current' as window_name, 'recency' as dimension, cast(current_recency as decimal(18,2)) as value, count(*) as customers
  from customer_rfm where current_recency is not null group by current_recency
  union all
  select 2 as part, 'current' as window_name, 'frequency' as dimension, cast(current_frequency as decimal(18,2)) as value, count(*) as customers
  from customer_rfm where current_frequency is not null group by current_frequency
  union all
  select 4 as part, 'previous' as window_name, 'recency' as dimension, cast(previous_recency as decimal(18,2)) as value, count(*) as customers
  from customer_rfm where previous_recency is not null group by previous_recency
  union all
  select 5 as part, 'previous' as window_name, 'frequency' as dimension, cast(previous_frequency as decimal(18,2)) as value, count(*) as customers
  from customer_rfm where previous_frequency is not null group by previous_frequency
),

-- M takes about one value per customer (its distinct amounts, ~220 k a window on the bench
-- lake): ranking them all took as long as the rest of the query. They are first counted
-- by whole currency unit, and only the units holding a middle value have their amounts
-- ranked, counted on from the units before them: the same running counts, so the same
-- exact medians (bench lake: the query 0.85 → 0.43 s under load, the same rows).
monetary_values as (
  select 3 as part, current_monetary as value
  from customer_rfm where current_monetary is not null
  union all
  select 6 as part, previous_monetary as value
  from customer_rfm where previous_monetary is not null
),

monetary_units as (
  select part, floor(value) as unit, count(*) as customers
  from monetary_values
  group by part, floor(value)
),

unit_positions as (
  select
    part,
    unit,
    customers,
    sum(customers) over (partition by part) as window_customers,
    sum(customers) over (
      partition by part
      order by unit
      rows between unbounded preceding and current row
    ) as through_unit
  from monetary_units
),

-- The units holding the lower or the upper middle value (see `middles` below).
middle_units as (
  select part, unit, window_customers, through_unit - customers as before_unit
  from unit_positions
  where (2 * (through_unit - customers) < window_customers and 2 * through_unit >= window_customers)
    or (2 * (through_unit - customers) < window_customers + 1 and 2 * through_unit >= window_customers + 1)
),

middle_unit_values as (
  select
    v.part,
    u.unit,
    v.value,
    count(*) as customers,
    max(u.window_customers) as window_customers,
    max(u.before_unit) as before_unit
  from monetary_values as v
  join middle_units as u
    on u.part = v.part
    and u.unit = floor(v.value)
  group by v.part, u.unit, v.value
),

value_positions as (
  select
    window_name,
    dimension,
    value,
    customers,
    -- By the integer `part`: partitioned by the two strings, DuckDB's window took 7× as
    -- long (bench lake, 443 k values: 370 ms instead of 53 ms).
    sum(customers) over (partition by part) as window_customers,
    sum(customers) over (
      partition by part
      order by value
      rows between unbounded preceding and current row
    ) as through_value
  from dimension_values
  union all
  select
    case when part = 3 then 'current' else 'previous' end as window_name,
    'monetary' as dimension,
    value,
    customers,
    window_customers,
    before_unit + sum(customers) over (
      partition by part, unit
      order by value
      rows between unbounded preceding and current row
    ) as through_value
  from middle_unit_values
),

-- Of n sorted values, the k-th is the lower middle one for the smallest k with 2k >= n and
-- the upper middle one for the smallest k with 2k >= n + 1 (the same one when n is odd); a
-- value holds the k-th when fewer than k values come before it and at least k through it.
-- The two added are twice the exact median.
middles as (
  select
    window_name,
    dimension,
    max(window_customers) as window_customers,
    sum(
      case
        when 2 * (through_value - customers) < window_customers and 2 * through_value >= window_customers
          then value
        else cast('0.00' as decimal(18,2))
      end
    ) + sum(
      case
        when 2 * (through_value - customers) < window_customers + 1 and 2 * through_value >= window_customers + 1
          then value
        else cast('0.00' as decimal(18,2))
      end
    ) as middle_x2
  from value_positions
  group by window_name, dimension
),

window_medians as (
  select
    coalesce(max(case when window_name = 'current' and dimension = 'recency' then window_customers end), 0) as current_customers,
    coalesce(max(case when window_name = 'previous' and dimension = 'recency' then window_customers end), 0) as previous_customers,
    cast(max(case when window_name = 'current' and dimension = 'recency' then middle_x2 end) as bigint) as current_recency_median_x2,
    cast(max(case when window_name = 'current' and dimension = 'frequency' then middle_x2 end) as bigint) as current_frequency_median_x2,
    max(case when window_name = 'current' and dimension = 'monetary' then middle_x2 end) as current_monetary_median_x2,
    cast(max(case when window_name = 'previous' and dimension = 'recency' then middle_x2 end) as bigint) as previous_recency_median_x2,
    cast(max(case when window_name = 'previous' and dimension = 'frequency' then middle_x2 end) as bigint) as previous_frequency_median_x2,
    max(case when window_name = 'previous' and dimension = 'monetary' then middle_x2 end) as previous_monetary_median_x2
  from middles
),

-- A flag is null when the customer has no order in the window, else 1 or 0.
customer_flags as (
  select
    case
      when c.previous_recency is null then null
      when :use_recency_cutoff = 1 and c.previous_recency < :recency_cutoff_days then 1
      when :use_recency_cutoff = 0 and 2 * c.previous_recency < m.previous_recency_median_x2 then 1
      else 0
    end as previous_recency_high,
    case
      when c.previous_frequency is null then null
      when :use_frequency_cutoff = 1 and c.previous_frequency > :frequency_cutoff then 1
      when :use_frequency_cutoff = 0 and 2 * c.previous_frequency > m.previous_frequency_median_x2 then 1
      else 0
    end as previous_frequency_high,
    case
      when c.previous_monetary is null then null
      when :use_monetary_cutoff = 1 and c.previous_monetary > :monetary_cutoff then 1
      when :use_monetary_cutoff = 0 and 2 * c.previous_monetary > m.previous_monetary_median_x2 then 1
      else 0
    end as previous_monetary_high,
    case
      when c.current_recency is null then null
      when :use_recency_cutoff = 1 and c.current_recency < :recency_cutoff_days then 1
      when :use_recency_cutoff = 0 and 2 * c.current_recency < m.current_recency_median_x2 then 1
      else 0
    end as current_recency_high,
    case
      when c.current_frequency is null then null
      when :use_frequency_cutoff = 1 and c.current_frequency > :frequency_cutoff then 1
      when :use_frequency_cutoff = 0 and 2 * c.current_frequency > m.current_frequency_median_x2 then 1
      else 0
    end as current_frequency_high,
    case
      when c.current_monetary is null then null
      when :use_monetary_cutoff = 1 and c.current_monetary > :monetary_cutoff then 1
      when :use_monetary_cutoff = 0 and 2 * c.current_monetary > m.current_monetary_median_x2 then 1
      else 0
    end as current_monetary_high,
    c.previous_monetary,
    c.current_monetary
  from customer_rfm as c
  cross join window_medians as m
),

movements as (
  select
    previous_recency_high,
    previous_frequency_high,
    previous_monetary_high,
    current_recency_high,
    current_frequency_high,
    current_monetary_high,
    count(*) as customers,
    coalesce(sum(previous_monetary), cast('0.00' as decimal(18,2))) as previous_revenue,
    coalesce(sum(current_monetary), cast('0.00' as decimal(18,2))) as current_revenue
  from customer_flags
  group by
    previous_recency_high,
    previous_frequency_high,
    previous_monetary_high,
    current_recency_high,
    current_frequency_high,
    current_monetary_high
),

final as (
  select
    mv.previous_recency_high,
    mv.previous_frequency_high,
    mv.previous_monetary_high,
    mv.current_recency_high,
    mv.current_frequency_high,
    mv.current_monetary_high,
    mv.customers,
    mv.previous_revenue,
    mv.current_revenue,
    wm.current_customers,
    wm.previous_customers,
    wm.current_recency_median_x2,
    wm.current_frequency_median_x2,
    wm.current_monetary_median_x2,
    wm.previous_recency_median_x2,
    wm.previous_frequency_median_x2,
    wm.previous_monetary_median_x2
  from movements as mv
  cross join window_medians as wm
)

select * from final
