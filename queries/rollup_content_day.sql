-- Content day rollup: per report-zone local day and content item, the distinct content
-- events the content module counts (content_items_days.sql), so that a daily run reads no
-- raw events for content and a weekly one reads 7 small days instead of a week of events.
--
-- Grain: one row per local day of :cal and content_id (null: the content events without a
-- content id) with a valid content event that day: an event_id and a user, a type among
-- content_view, content_like, content_comment, content_share, event_time in the local day.
--
-- Counts are of distinct event_ids, as content_items.sql counts them over its period: the
-- copies of an event (at-least-once delivery repeats the record, event_time included) share
-- its local day, so the days' counts add up to the period's.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events those days overlap
-- @partitions events :events_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   content_id                     the item (null: events without a content id)
--   views, likes, comments, shares distinct content_view, content_like, content_comment,
--                                  content_share event ids of the day
--   local_date                     the local day, YYYY-MM-DD (the partition)

with

content_events as (
  select
    cal.local_date,
    e.event_id,
    e.event_type,
    e.content_id
  from events as e
  join :cal as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in :events_dts
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
    and e.event_type in ('content_view', 'content_like', 'content_comment', 'content_share')
    and e.event_id is not null
    and e.user_id is not null
),

final as (
  select
    content_id,
    count(distinct case when event_type = 'content_view' then event_id end) as views,
    count(distinct case when event_type = 'content_like' then event_id end) as likes,
    count(distinct case when event_type = 'content_comment' then event_id end) as comments,
    count(distinct case when event_type = 'content_share' then event_id end) as shares,
    cast(local_date as varchar) as local_date
  from content_events
  group by local_date, content_id
)

select * from final
