-- Fragment: the raw events with `user_id` mapped to the person (shared/kpi-spec.md,
-- "Identity"). A record's id maps to the person whose mapping in `identities` was valid at
-- the record's own `event_time` (`valid_from` inclusive, `valid_to` exclusive, open when
-- null); an id with no valid mapping is its own person, and without any mapping row every
-- event is as in `events`. The rollup builds read this instead of `events`, so the mapping
-- is applied once, where rollups are built (and in their inlined form), never per query.
-- `source_user_id` keeps the id as recorded (the identity coverage counts it).
-- The import refuses overlapping mappings of one id, so a record matches at most one row.
-- The including query declares :events_dts (varchar_list, the dt partitions it reads) and
-- scopes events by it; its own CTEs filter mapped_events further by their days.
--
-- Defines:
--   mapped_events   every column of `events`, user_id mapped, plus source_user_id and
--                   is_mapped (1: a mapping row matched)

mapped_events as (
  select
    e.event_id,
    e.event_time,
    coalesce(i.user_id, e.user_id) as user_id,
    e.event_type,
    e.channel,
    e.content_id,
    e.campaign_id,
    e.referrer_user_id,
    e.automated,
    e.dt,
    e.user_id as source_user_id,
    case when i.user_id is null then 0 else 1 end as is_mapped
  from events as e
  -- Only rows that can match (a null id never does). The filter also tells DuckDB's
  -- planner the map is the smaller side: a day's events filtered by a build look few to
  -- it, and it would otherwise hash the events, not the map (bench: 2.5x slower builds).
  left join (select * from identities where source_user_id is not null) as i
    on i.source_user_id = e.user_id
    and e.event_time >= i.valid_from
    -- coalesce, not "valid_to is null or …": an OR in the condition turns the hash join
    -- into a nested loop (DuckDB: 1.5 s instead of 40 ms for one day of events).
    and e.event_time < coalesce(i.valid_to, timestamp '9999-12-31 00:00:00')
  where e.dt in :events_dts
),
