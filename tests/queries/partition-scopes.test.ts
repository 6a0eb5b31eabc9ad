/**
 * `@partitions` headers (functions/lib/query/query-file.ts) let the DuckDB engine list only
 * the named partitions' files. They must say exactly what the query's own filter reads, or
 * DuckDB would read other rows than Athena (which prunes by the filter): every scope must
 * be the parameter of a partition filter (`dt`, or a rollup's `local_date`), and every
 * partitioned table a query filters by partition must be declared as a scope.
 */
import { describe, expect, it } from "vitest";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import type { PartitionScope } from "../../functions/lib/query/query-file.ts";
import { ROLLUPS } from "../../functions/lib/rollups/schema.ts";

const catalog = new QueryCatalog();
const PARTITIONED_TABLES = ["events", "orders", ...Object.keys(ROLLUPS)];

/** The partition filters of a query's code (comments removed): `dt in :p`, `local_date between :a and :b`. */
function dtFilters(sql: string): string[] {
  const code = sql
    .split("\n")
    .map((line) => line.replace(/--.*$/, ""))
    .join("\n");
  const filters: string[] = [];
  for (const match of code.matchAll(/\b(?:dt|local_date)\s+in\s+:([a-z_0-9]+)/g)) {
    filters.push(`:${match[1]}`);
  }
  for (const match of code.matchAll(
    /\b(?:dt|local_date)\s+between\s+:([a-z_0-9]+)\s+and\s+:([a-z_0-9]+)/g,
  )) {
    filters.push(`:${match[1]}..:${match[2]}`);
  }
  return filters;
}

/** Which partitioned tables a query reads (`from events`, `join order_day`). */
function tablesRead(sql: string): string[] {
  return PARTITIONED_TABLES.filter((table) =>
    new RegExp(`\\b(from|join)\\s+${table}\\b`).test(sql),
  );
}

const scopeText = (scope: PartitionScope) =>
  "list" in scope ? `:${scope.list}` : `:${scope.from}..:${scope.to}`;

describe("partition scopes of the query files", () => {
  const queries = catalog.names().map((name) => catalog.get(name));

  it("scope only what the query's own dt filters read", () => {
    const wrong = queries.flatMap((query) =>
      (query.partitions ?? [])
        .filter((scope) => !dtFilters(query.sql).includes(scopeText(scope)))
        .map((scope) => `${query.name}: ${scope.table} ${scopeText(scope)}`),
    );
    expect(wrong).toEqual([]);
  });

  it("filter every read of a scoped table by one of that table's scopes (in the same CTE)", () => {
    const unfiltered = queries.flatMap((query) => {
      const code = query.sql
        .split("\n")
        .map((line) => line.replace(/--.*$/, ""))
        .join("\n");
      // A CTE ends with a closing parenthesis alone on its line.
      const blocks = code.split(/\n\),?\s*\n/);
      return (query.partitions ?? []).flatMap((scope) => {
        const own = (query.partitions ?? []).filter((s) => s.table === scope.table);
        return blocks
          .filter((block) => new RegExp(`\\b(from|join)\\s+${scope.table}\\b`).test(block))
          .filter((block) => !own.some((s) => dtFilters(block).includes(scopeText(s))))
          .map(() => `${query.name}: a read of ${scope.table} without its scope's filter`);
      });
    });
    expect([...new Set(unfiltered)]).toEqual([]);
  });

  it("declare a scope for every partitioned table a query filters by partition", () => {
    const missing = queries.flatMap((query) => {
      const filters = dtFilters(query.sql);
      if (filters.length === 0) return [];
      const scoped = new Set((query.partitions ?? []).map((scope) => scope.table));
      return tablesRead(query.sql)
        .filter((table) => !scoped.has(table))
        .map((table) => `${query.name}: ${table}`);
    });
    expect(missing).toEqual([]);
  });

  it("cover the queries that read raw tables and rollups (the check is not empty)", () => {
    const scoped = queries.filter((query) => query.partitions?.length).map((q) => q.name);
    expect(scoped).toEqual(
      expect.arrayContaining(["rollup_user_day", "rollup_order_day", "content_items", "user_kpis"]),
    );
  });
});
