/**
 * `@partitions` headers (functions/lib/query/query-file.ts) let the DuckDB engine list only
 * the named partitions' files. They must say exactly what the query's own filter reads, or
 * DuckDB would read other rows than Athena (which prunes by the filter): every scope must
 * be the parameter of a `dt` filter on that table, and every `dt` filter on a raw table
 * must be declared as a scope.
 */
import { describe, expect, it } from "vitest";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import type { PartitionScope } from "../../functions/lib/query/query-file.ts";

const catalog = new QueryCatalog();
const RAW_TABLES = ["events", "orders"];

/** The `dt` filters of a query's code (comments removed): `dt in :p`, `dt between :a and :b`. */
function dtFilters(sql: string): string[] {
  const code = sql
    .split("\n")
    .map((line) => line.replace(/--.*$/, ""))
    .join("\n");
  const filters: string[] = [];
  for (const match of code.matchAll(/\bdt\s+in\s+:([a-z_0-9]+)/g)) filters.push(`:${match[1]}`);
  for (const match of code.matchAll(/\bdt\s+between\s+:([a-z_0-9]+)\s+and\s+:([a-z_0-9]+)/g)) {
    filters.push(`:${match[1]}..:${match[2]}`);
  }
  return filters;
}

/** Which raw tables a query reads (`from events`, `join orders`). */
function rawTablesRead(sql: string): string[] {
  return RAW_TABLES.filter((table) => new RegExp(`\\b(from|join)\\s+${table}\\b`).test(sql));
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

  it("declare a scope for every raw table a query filters by dt", () => {
    const missing = queries.flatMap((query) => {
      const filters = dtFilters(query.sql);
      if (filters.length === 0) return [];
      const scoped = new Set((query.partitions ?? []).map((scope) => scope.table));
      return rawTablesRead(query.sql)
        .filter((table) => !scoped.has(table))
        .map((table) => `${query.name}: ${table}`);
    });
    expect(missing).toEqual([]);
  });

  it("cover every query that reads a raw table by partition (the check is not empty)", () => {
    const scoped = queries.filter((query) => query.partitions?.length).map((q) => q.name);
    expect(scoped).toEqual(
      expect.arrayContaining(["rollup_user_day", "rollup_order_day", "content_items"]),
    );
  });
});
