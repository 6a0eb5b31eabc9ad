-- The campaigns that get a snapshot on a day D: those running on D (a cumulative-to-date
-- snapshot) and those that ended on D-1 (their final snapshot).
--
-- Grain: one row per campaign.
--
-- @param snapshot_date date the snapshot day D
-- @param final_date date D-1: campaigns that ended then get their final snapshot on D
--
-- Output columns: id, name, type, start_date, end_date, cost (decimal)

with

campaigns_in_scope as (
  select
    id,
    name,
    type,
    start_date,
    end_date,
    cost
  from campaigns
  where start_date <= :snapshot_date
    and end_date >= :final_date
),

final as (
  select
    id,
    name,
    type,
    start_date,
    end_date,
    cost
  from campaigns_in_scope
)

select * from final
