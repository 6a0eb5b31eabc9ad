-- Campaign rollup: what each user did for each campaign on each report-zone local day.
--
-- Grain: one row per campaign_id, user_id and local day of :cal on which the user has a
-- `campaign_join` or an `invite_accepted` event carrying that campaign's id. The runs build
-- it themselves (functions/lib/rollups/refresh.ts), only the days that are missing or whose
-- raw dt partitions changed; campaign_snapshots.sql then reads it instead of the raw events
-- of every campaign's window.
--
-- Invites count distinct event_ids per day. The copies of a delivered event share its
-- event_time, hence its local day, so the per-day counts of a (campaign, user) add up to
-- its distinct invites over any run of days. Records that fail validation are left out, as
-- in every KPI query: events without a user (or without a campaign id, which no campaign
-- can claim).
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events those days overlap
-- @partitions events :events_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   campaign_id        the campaign the events carry
--   user_id            the user
--   join_events        campaign_join records that day (duplicates included; > 0: joined)
--   invites_accepted   distinct invite_accepted event_ids that day
--   local_date         the local day, YYYY-MM-DD (the partition)

with

-- @include mapped_events

campaign_events as (
  select
    e.campaign_id,
    e.user_id,
    e.event_id,
    e.event_type,
    cal.local_date
  from mapped_events as e
  join :cal as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in :events_dts
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
    and e.event_type in ('campaign_join', 'invite_accepted')
    and e.campaign_id is not null
    and e.user_id is not null
),

final as (
  select
    campaign_id,
    user_id,
    count(case when event_type = 'campaign_join' then 1 end) as join_events,
    count(distinct case when event_type = 'invite_accepted' then event_id end)
      as invites_accepted,
    cast(local_date as varchar) as local_date
  from campaign_events
  group by campaign_id, user_id, local_date
)

select * from final
