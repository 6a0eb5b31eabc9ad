-- Raw read of the rollup builds: the orders of some dt partitions, read once for every day
-- rollup built from them (functions/lib/rollups/refresh.ts builds all the rollups of a raw
-- table for the same days from one read; DuckDB holds these rows in a temporary table that
-- each build's COPY reads in place of `orders`). This file is the one place where a rollup
-- build reads the raw table: a change here (a mapping of user ids, say) changes every
-- build's definition, and the next run rebuilds them.
--
-- Grain: one row per raw record of the partitions (every record: the profiles count the
-- invalid ones too; each build filters what it keeps).
--
-- @param orders_dts varchar_list the dt partitions of orders the builds read
-- @partitions orders :orders_dts
--
-- Output columns: every column of `orders`, dt included.

with

final as (
  select *
  from orders
  where dt in :orders_dts
)

select * from final
