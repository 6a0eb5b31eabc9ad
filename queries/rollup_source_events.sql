-- Raw read of the rollup builds: the events of some dt partitions, read once for every day
-- rollup built from them (functions/lib/rollups/refresh.ts builds all the rollups of a raw
-- table for the same days from one read; DuckDB holds these rows in a temporary table that
-- each build's COPY reads in place of `events`). This file is the one place where a rollup
-- build reads the raw table: a change here (a mapping of user ids, say) changes every
-- build's definition, and the next run rebuilds them.
--
-- Grain: one row per raw record of the partitions (every record: the profiles count the
-- invalid ones too; each build filters what it keeps).
--
-- @param events_dts varchar_list the dt partitions of events the builds read
-- @partitions events :events_dts
--
-- Output columns: every column of `events`, dt included.

with

final as (
  select *
  from events
  where dt in :events_dts
)

select * from final
