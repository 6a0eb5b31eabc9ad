-- Activity rollup: what each user did on each report-zone local day, from the raw events.
--
-- Grain: one row per user and local day of :cal on which the user has at least one event.
-- The runs build it themselves (functions/lib/rollups/refresh.ts): only the days that have
-- no rollup partition yet, or whose raw dt partitions changed since it was built, in one
-- query for all of them; DuckDB writes the rows with COPY … PARTITION_BY (local_date),
-- Athena with UNLOAD. Window queries then read `user_day` instead of the raw events.
--
-- A local day spans two or three dt partitions, and each dt partition two local days: the
-- calendar join buckets every event into its local day, and the bounds filter keeps the
-- one that holds it. Counts are of event records (duplicated deliveries included); the
-- activity metrics only ask whether a row exists. Records that fail validation are left
-- out, as in every KPI query: events without a user or of a type not in :event_types.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events those days overlap
-- @param event_types varchar_list the known event types of the data contract
-- @param private_channels varchar_list channels that count as private domain
-- @partitions events :events_dts
--
-- A day's rows depend on that day's events alone: "active in the N days ending D" is read
-- from the daily activity state (rollup_activity_day.sql), carried from day to day, not from
-- a look-back of each row at the days before it.
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   user_id                  the user
--   events                   event records that day
--   <type>_events            event records of each known type (signup_events, …)
--   automated_messages       message_sent records with automated = true
--   private_channel_events   records on a private-domain channel (> 0: the private flag)
--   first_signup_time        the day's first signup event (null: no signup that day)
--   local_date               the local day, YYYY-MM-DD (the partition)

with

-- @include mapped_events

events_of_days as (
  select
    e.user_id,
    e.event_type,
    e.channel,
    e.automated,
    e.event_time,
    cal.local_date
  from mapped_events as e
  join :cal as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in :events_dts
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
    and e.user_id is not null
    and e.event_type in :event_types
),

day_rows as (
  select
    user_id,
    count(*) as events,
    count(case when event_type = 'signup' then 1 end) as signup_events,
    count(case when event_type = 'session_start' then 1 end) as session_start_events,
    count(case when event_type = 'page_view' then 1 end) as page_view_events,
    count(case when event_type = 'content_view' then 1 end) as content_view_events,
    count(case when event_type = 'content_like' then 1 end) as content_like_events,
    count(case when event_type = 'content_comment' then 1 end) as content_comment_events,
    count(case when event_type = 'content_share' then 1 end) as content_share_events,
    count(case when event_type = 'content_click' then 1 end) as content_click_events,
    count(case when event_type = 'campaign_join' then 1 end) as campaign_join_events,
    count(case when event_type = 'invite_sent' then 1 end) as invite_sent_events,
    count(case when event_type = 'invite_accepted' then 1 end) as invite_accepted_events,
    count(case when event_type = 'message_sent' then 1 end) as message_sent_events,
    count(case when event_type = 'message_sent' and automated then 1 end) as automated_messages,
    count(case when channel in :private_channels then 1 end) as private_channel_events,
    min(case when event_type = 'signup' then event_time end) as first_signup_time,
    cast(local_date as varchar) as local_date
  from events_of_days
  group by user_id, local_date
),

final as (
  select
    d.user_id,
    d.events,
    d.signup_events,
    d.session_start_events,
    d.page_view_events,
    d.content_view_events,
    d.content_like_events,
    d.content_comment_events,
    d.content_share_events,
    d.content_click_events,
    d.campaign_join_events,
    d.invite_sent_events,
    d.invite_accepted_events,
    d.message_sent_events,
    d.automated_messages,
    d.private_channel_events,
    d.first_signup_time,
    d.local_date
  from day_rows as d
)

select * from final
