-- Event profile rollup: how many event records landed in each UTC quarter-hour of each
-- report-zone local day, and the newest of them. The data-completeness gate compares the
-- same hours of past weeks from it, and the efficiency module's freshness looks a week back
-- through it, so that neither reads a week of raw events at every run.
--
-- Grain: one row per local day of :cal, dt partition and UTC quarter-hour (bucket_start)
-- holding event records of the day; plus, per dt partition, rows with a null bucket_start
-- for its records whose event_time is missing or not on the partition's UTC date (strays,
-- filed under the local day that holds the partition's first instant; one row per valid
-- time among them, one for the rest), so that the rows of a partition add up to its record
-- count over the local days it overlaps, and a stray's exact time stays known.
--
-- Every time-zone offset is a multiple of 15 minutes, so any span between local-day edges,
-- shifted by whole weeks, is a sum of quarter-hours. Every record counts (invalid ones and
-- duplicated deliveries too: the gate counts what landed); newest_valid_time only counts
-- the records every KPI keeps, those with a user and a type of :event_types.
--
-- @param cal calendar the local days to build, each with the dt partitions it overlaps
-- @param events_dts varchar_list every dt partition of events those days overlap
-- @param event_types varchar_list the known event types of the data contract
-- @partitions events :events_dts
--
-- Output columns (local_date last: UNLOAD partitions on the trailing columns):
--   dt                   the raw partition of the records, YYYY-MM-DD
--   bucket_start         the UTC quarter-hour their event_time is in (null: see the grain)
--   records              event records
--   newest_time          newest event_time among them
--   newest_valid_time    newest event_time of those with a user and a known type
--   local_date           the local day, YYYY-MM-DD (the partition)

with

-- Where each record is counted: at its time when that is on the partition's UTC date, else
-- (a stray) at the partition's first instant. One placement time, so the calendar join is an
-- equality on dt and a range on it (an OR of the two cases made it a filter over every
-- record paired with every local day of its partition: twice the CPU of the whole build).
placed as (
  select
    e.dt,
    e.event_time,
    case
      when e.user_id is not null and e.event_type in :event_types then e.event_time
    end as valid_event_time,
    case
      when cast(e.event_time as date) = cast(e.dt as date) then e.event_time
      else cast(cast(e.dt as date) as timestamp)
    end as placed_at,
    case
      when cast(e.event_time as date) = cast(e.dt as date) then
        extract(hour from e.event_time) * 4
        + case
          when extract(minute from e.event_time) < 15 then 0
          when extract(minute from e.event_time) < 30 then 1
          when extract(minute from e.event_time) < 45 then 2
          else 3
        end
    end as quarter_of_dt
  from events as e
  where e.dt in :events_dts
),

events_of_days as (
  select
    cal.local_date,
    p.dt,
    p.event_time,
    p.valid_event_time,
    p.quarter_of_dt
  from placed as p
  join :cal as cal (local_date, dt, day_start, day_end)
    on p.dt = cal.dt
  where p.placed_at >= cal.day_start
    and p.placed_at < cal.day_end
),

final as (
  select
    dt,
    cast(cast(dt as date) as timestamp) + interval '15' minute * quarter_of_dt as bucket_start,
    count(*) as records,
    max(event_time) as newest_time,
    max(valid_event_time) as newest_valid_time,
    cast(local_date as varchar) as local_date
  from events_of_days
  -- A stray's valid time is a key of its own: a reader can then bound it exactly.
  group by
    local_date,
    dt,
    quarter_of_dt,
    case when quarter_of_dt is null then valid_event_time end
)

select * from final
