-- Raw read of the rollup builds: the orders of some dt partitions, read once for every day
-- rollup built from them (functions/lib/rollups/refresh.ts builds all the rollups of a raw
-- table for the same days from one read; DuckDB holds these rows in a temporary table that
-- each build's COPY reads in place of `orders`). This file is the one place where a rollup
-- build reads the raw table: a change here (a mapping of user ids, say) changes every
-- build's definition, and the next run rebuilds them.
--
-- Grain: one row per raw record of the partitions that a build of the days can use (every
-- such record: the profiles count the invalid ones too; each build filters what it keeps).
-- The first partition, which starts before the first day does (in any zone but UTC; in
-- Shanghai it holds the day's first eight hours), is read from the first day's start only:
-- its other records belong to the day before, even a stray one (an order_time off the
-- partition's date, or none), which the profiles place at the partition's start. Every
-- later partition is read whole, as the completeness gate and freshness read them again
-- from these rows (functions/lib/adapters/duckdb-held-raw.ts). Shanghai's day needs a third
-- of the day before's partition: a third fewer rows held and scanned by every build.
--
-- @param orders_dts varchar_list the dt partitions of orders the builds read
-- @param first_time timestamp UTC start of the first day built
-- @param whole_from_dt varchar the first of :orders_dts read whole (those before start before :first_time)
-- @partitions orders :orders_dts
--
-- Output columns: every column of `orders`, dt included.

with

final as (
  select *
  from orders
  where dt in :orders_dts
    and (dt >= :whole_from_dt or order_time >= :first_time)
)

select * from final
