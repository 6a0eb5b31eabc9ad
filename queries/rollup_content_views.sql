-- Content views rollup: per report-zone local day, content item and event_time, the distinct
-- content_view events, so that the weekly reach (an item's views in [published_at,
-- published_at + 7 × 24 h), content_items_days.sql) is a sum over rows of 14 small days
-- instead of a scan of two weeks of raw events: the window cuts days at the item's own
-- publication instant, which only the exact event_time can place.
--
-- Grain: one row per local day of :cal, content_id (not null) and event_time with valid
-- content_view events (an event_id and a user). Counts are of distinct event_ids: the
-- copies of an event share its event_time (at-least-once delivery repeats the record), so
-- the rows' counts add up to a window's.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events those days overlap
-- @partitions events :events_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   content_id   the item
--   event_time   the views' event_time (UTC)
--   views        distinct content_view event ids at that instant
--   local_date   the local day, YYYY-MM-DD (the partition)

with

views as (
  select
    cal.local_date,
    e.content_id,
    e.event_time,
    e.event_id
  from events as e
  join :cal as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in :events_dts
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
    and e.event_type = 'content_view'
    and e.content_id is not null
    and e.event_id is not null
    and e.user_id is not null
),

final as (
  select
    content_id,
    event_time,
    count(distinct event_id) as views,
    cast(local_date as varchar) as local_date
  from views
  group by local_date, content_id, event_time
)

select * from final
