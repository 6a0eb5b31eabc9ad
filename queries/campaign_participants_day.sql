-- Campaign joins of a day: the users who joined any campaign that local day, and how many
-- campaigns were running (none: the metric has no value that day, so a gap between
-- campaigns is not a drop).
--
-- Grain: one row for the report day D.
--
-- Reads the `campaign_user_day` rollup (one row per campaign, user and local day with a
-- join or accepted invite carrying the campaign's id; rollup_campaign_user_day.sql): a join
-- whose event lost its campaign_id does not count, which is what the anomaly band watches.
--
-- @param report_day varchar the local day D, YYYY-MM-DD
-- @param report_date date the same day, as a date (for the campaigns dimension)
-- @partitions campaign_user_day :report_day..:report_day
--
-- Output columns (one row):
--   participants        distinct users with a campaign join that day
--   running_campaigns   campaigns whose days include D

with

day_joins as (
  select user_id
  from campaign_user_day
  where local_date between :report_day and :report_day
    and join_events > 0
),

running as (
  select id
  from campaigns
  where start_date <= :report_date
    and end_date >= :report_date
),

final as (
  select
    (select count(distinct user_id) from day_joins) as participants,
    (select count(*) from running) as running_campaigns
)

select * from final
