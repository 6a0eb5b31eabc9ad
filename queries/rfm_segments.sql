-- RFM segmentation of the customers of the 365 days ending a report week's Sunday, and of
-- the week before, with the movement of every customer between the two.
--
-- Grain: one row per movement, i.e. per combination of a customer's RFM flags in the
-- previous window and in the current window (flags are null when the customer has no paid
-- order in that window). Classification into the 8 named segments happens in TypeScript
-- (functions/lib/kpi/rfm.ts), from the three flags.
--
-- Window: the local days :current_start … :current_end (365 days ending the Sunday), and
-- :previous_start … :previous_end for the week before; customers are users with a paid
-- order in the window. Per customer and window:
--   R = whole days from the local date of the last paid order to the window's last day,
--   F = distinct paid order_ids, M = their amounts (exact decimal).
-- A flag is 1 ("high") when strictly better than the window's exact population median
-- (R below it, F and M above it), ties are 0 ("low"). The median is exact: the middle value,
-- or the mean of the two middle values for an even count; to stay exact and free of
-- division it is carried doubled (`…_median_x2` = the two middle values added, or twice the
-- single middle value) and compared with twice the customer's value. A configured cut-off
-- (:use_…_cutoff = 1) replaces the median of its dimension.
--
-- Paid order: the latest record of an order_id (by updated_at; on a tie a non-paid record
-- wins, then the smaller amount) has status 'paid'. Reads the rollup `order_day` (each
-- order's final record by local order day, rollup_order_day.sql), which the run brings up
-- to date first (functions/lib/rollups/refresh.ts): a weekly run reads the raw orders of the
-- new or changed days only, not 372 days of them. Records that fail validation never reach
-- it, so bad data never moves a KPI (data quality counts them, see efficiency_orders.sql):
-- order records without an order id or a user, or with a negative amount.
--
-- @param orders_first_day varchar :previous_start as YYYY-MM-DD (the first local day read)
-- @param orders_last_day varchar :current_end as YYYY-MM-DD (the last local day read)
-- @param current_start date first local day of the current window (the Sunday − 364)
-- @param current_end date last local day of the current window (the report week's Sunday)
-- @param previous_start date first local day of the previous window (current_start − 7)
-- @param previous_end date last local day of the previous window (current_end − 7)
-- @param use_recency_cutoff integer 1 to compare R with :recency_cutoff_days instead of the median
-- @param recency_cutoff_days decimal configured R cut-off in days (used when :use_recency_cutoff = 1)
-- @param use_frequency_cutoff integer 1 to compare F with :frequency_cutoff instead of the median
-- @param frequency_cutoff decimal configured F cut-off in orders
-- @param use_monetary_cutoff integer 1 to compare M with :monetary_cutoff instead of the median
-- @param monetary_cutoff decimal configured M cut-off in currency units
-- @partitions order_day :orders_first_day..:orders_last_day
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

order_records as (
  select
    order_id,
    user_id,
    updated_at,
    amount,
    status,
    local_date,
    'window' as order_scope
  from order_day
  where local_date between :orders_first_day and :orders_last_day
),

-- @include latest_order_records

paid_orders as (
  select
    o.order_id,
    o.user_id,
    o.amount,
    cast(o.local_date as date) as order_date
  from latest_order_records as o
  where o.is_paid = 1
),

rfm_windows as (
  select
    window_name,
    window_start_date,
    window_end_date
  from (
    values
      ('current', :current_start, :current_end),
      ('previous', :previous_start, :previous_end)
  ) as w (window_name, window_start_date, window_end_date)
),

customer_windows as (
  select
    w.window_name,
    w.window_end_date,
    p.user_id,
    max(p.order_date) as last_order_date,
    count(distinct p.order_id) as frequency,
    sum(p.amount) as monetary
  from paid_orders as p
  join rfm_windows as w
    on p.order_date between w.window_start_date and w.window_end_date
  group by w.window_name, w.window_end_date, p.user_id
),

customer_rfm as (
  select
    window_name,
    user_id,
    date_diff('day', last_order_date, window_end_date) as recency_days,
    frequency,
    monetary
  from customer_windows
),

customer_ranks as (
  select
    window_name,
    user_id,
    recency_days,
    frequency,
    monetary,
    count(*) over (partition by window_name) as window_customers,
    row_number() over (partition by window_name order by recency_days) as recency_rank,
    row_number() over (partition by window_name order by frequency) as frequency_rank,
    row_number() over (partition by window_name order by monetary) as monetary_rank
  from customer_rfm
),

-- The middle rank(s) of n values are those with n <= 2 × rank <= n + 2: one for an odd n,
-- two for an even n.
medians as (
  select
    window_name,
    max(window_customers) as window_customers,
    case
      when count(case when 2 * recency_rank between window_customers and window_customers + 2 then 1 end) = 1
        then 2 * sum(case when 2 * recency_rank between window_customers and window_customers + 2 then recency_days end)
      else sum(case when 2 * recency_rank between window_customers and window_customers + 2 then recency_days end)
    end as recency_median_x2,
    case
      when count(case when 2 * frequency_rank between window_customers and window_customers + 2 then 1 end) = 1
        then 2 * sum(case when 2 * frequency_rank between window_customers and window_customers + 2 then frequency end)
      else sum(case when 2 * frequency_rank between window_customers and window_customers + 2 then frequency end)
    end as frequency_median_x2,
    case
      when count(case when 2 * monetary_rank between window_customers and window_customers + 2 then 1 end) = 1
        then 2 * sum(case when 2 * monetary_rank between window_customers and window_customers + 2 then monetary end)
      else sum(case when 2 * monetary_rank between window_customers and window_customers + 2 then monetary end)
    end as monetary_median_x2
  from customer_ranks
  group by window_name
),

customer_flags as (
  select
    c.window_name,
    c.user_id,
    c.monetary,
    case
      when :use_recency_cutoff = 1 and c.recency_days < :recency_cutoff_days then 1
      when :use_recency_cutoff = 0 and 2 * c.recency_days < m.recency_median_x2 then 1
      else 0
    end as recency_high,
    case
      when :use_frequency_cutoff = 1 and c.frequency > :frequency_cutoff then 1
      when :use_frequency_cutoff = 0 and 2 * c.frequency > m.frequency_median_x2 then 1
      else 0
    end as frequency_high,
    case
      when :use_monetary_cutoff = 1 and c.monetary > :monetary_cutoff then 1
      when :use_monetary_cutoff = 0 and 2 * c.monetary > m.monetary_median_x2 then 1
      else 0
    end as monetary_high
  from customer_ranks as c
  join medians as m
    on c.window_name = m.window_name
),

customer_movements as (
  select
    user_id,
    max(case when window_name = 'previous' then recency_high end) as previous_recency_high,
    max(case when window_name = 'previous' then frequency_high end) as previous_frequency_high,
    max(case when window_name = 'previous' then monetary_high end) as previous_monetary_high,
    max(case when window_name = 'current' then recency_high end) as current_recency_high,
    max(case when window_name = 'current' then frequency_high end) as current_frequency_high,
    max(case when window_name = 'current' then monetary_high end) as current_monetary_high,
    sum(case when window_name = 'previous' then monetary end) as previous_revenue,
    sum(case when window_name = 'current' then monetary end) as current_revenue
  from customer_flags
  group by user_id
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
    coalesce(sum(previous_revenue), cast('0.00' as decimal(18,2))) as previous_revenue,
    coalesce(sum(current_revenue), cast('0.00' as decimal(18,2))) as current_revenue
  from customer_movements
  group by
    previous_recency_high,
    previous_frequency_high,
    previous_monetary_high,
    current_recency_high,
    current_frequency_high,
    current_monetary_high
),

window_medians as (
  select
    coalesce(max(case when window_name = 'current' then window_customers end), 0) as current_customers,
    coalesce(max(case when window_name = 'previous' then window_customers end), 0) as previous_customers,
    max(case when window_name = 'current' then recency_median_x2 end) as current_recency_median_x2,
    max(case when window_name = 'current' then frequency_median_x2 end) as current_frequency_median_x2,
    max(case when window_name = 'current' then monetary_median_x2 end) as current_monetary_median_x2,
    max(case when window_name = 'previous' then recency_median_x2 end) as previous_recency_median_x2,
    max(case when window_name = 'previous' then frequency_median_x2 end) as previous_frequency_median_x2,
    max(case when window_name = 'previous' then monetary_median_x2 end) as previous_monetary_median_x2
  from medians
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
