-- Operations costs touching a report period: the campaigns whose days overlap it (their
-- whole cost; functions/lib/kpi/efficiency.ts spreads it evenly over the campaign's days)
-- and the content items published in it (their production cost).
--
-- Grain: one row per campaign overlapping the period, and one per content item published
-- in it.
--
-- @param period_start date first local day of the period
-- @param period_end date last local day of the period
-- @param period_from timestamp UTC start of the period
-- @param period_to timestamp UTC end (exclusive) of the period
--
-- Output columns:
--   cost_kind     'campaign' or 'content'
--   item_id       campaign id or content id
--   start_date, end_date   the campaign's days (null for content)
--   cost          whole campaign cost, or production cost (decimal; 0 when missing)

with

campaign_costs as (
  select
    'campaign' as cost_kind,
    id as item_id,
    start_date,
    end_date,
    cost
  from campaigns
  where start_date <= :period_end
    and end_date >= :period_start
),

content_costs as (
  select
    'content' as cost_kind,
    id as item_id,
    cast(null as date) as start_date,
    cast(null as date) as end_date,
    coalesce(production_cost, cast('0.00' as decimal(18,2))) as cost
  from content
  where published_at >= :period_from
    and published_at < :period_to
),

final as (
  select cost_kind, item_id, start_date, end_date, cost from campaign_costs
  union all
  select cost_kind, item_id, start_date, end_date, cost from content_costs
)

select * from final
