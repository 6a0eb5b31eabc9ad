import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import {
  DEFAULT_QUERIES_DIR,
  loadSources,
  readQueryText,
} from "../../functions/lib/query/catalog.ts";
import {
  checkPortableSql,
  checkQueryFolder,
  formatProblem,
  PORTABLE_FUNCTIONS,
} from "../../functions/lib/query/portable.ts";
import {
  type ParamValue,
  parseQueryFile,
  sampleParamValue,
} from "../../functions/lib/query/query-file.ts";

const sources = loadSources();
const tmp = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const queryFiles = readdirSync(DEFAULT_QUERIES_DIR).filter((f) => f.endsWith(".sql"));

/** A portable query exercising the allowed constructs; each bad case breaks one rule. */
const GOOD = `-- Active users and paid orders per local day.
-- Grain: one row per local day of :cal.
-- @param cal calendar  local days with their UTC bounds and dt partitions
-- @param dts varchar_list  dt partitions the days touch
-- @param report_day date  the report day
-- Output: local_date, active_users, paid_orders, gmv, days_ago
with day_events as (
  select cal.local_date, e.user_id
  from events as e
  join :cal as cal (local_date, dt, day_start, day_end)
    on e.dt = cal.dt
  where e.dt in :dts
    and e.event_time >= cal.day_start
    and e.event_time < cal.day_end
    and e.event_type <> 'a/b -- not a comment'
),
latest_orders as (
  -- dedup: date_trunc(), x / y and approx_distinct() in a comment are not calls
  select order_id, amount, status,
    row_number() over (partition by order_id order by updated_at desc) as recency_rank
  from orders
  where dt in :dts and order_time < TIMESTAMP '2026-01-02 00:00:00' + interval '7' day
),
final as (
  select
    d.local_date,
    count(distinct d.user_id) as active_users,
    count_if(o.status = 'paid') as paid_orders,
    coalesce(sum(o.amount), cast('0.00' as decimal(18,2))) as gmv,
    date_diff('day', d.local_date, :report_day) as days_ago,
    greatest(coalesce(max(o.amount), 0), 0) as largest
  from day_events as d
  left join latest_orders as o on o.recency_rank = 1
  group by d.local_date
)
select * from final
`;

const problemsOf = async (file: string, sql: string) =>
  (await checkPortableSql(file, sql, { sources })).map(formatProblem);

describe("queries/ folder", () => {
  it("has only portable query files", async () => {
    const problems = (await checkQueryFolder()).map(formatProblem);
    console.log(`portable-sql: checked ${queryFiles.length} query files in queries/`);
    expect(problems).toEqual([]);
  });

  it("declares only sources that the engines can read", () => {
    for (const source of sources) expect(source.location).toMatch(/\/$/);
    expect(sources.map((s) => s.name)).toEqual(
      expect.arrayContaining(["events", "orders", "campaigns", "content"]),
    );
  });

  it.skipIf(queryFiles.length === 0)(
    "every query file also runs on DuckDB with sample parameters",
    async () => {
      const engine = await createDuckDbEngine({ lakeDir: join(tmp, "empty-lake"), threads: 1 });
      try {
        for (const file of queryFiles) {
          const query = parseQueryFile(
            file.replace(/\.sql$/, ""),
            readQueryText(DEFAULT_QUERIES_DIR, file),
          );
          const params: Record<string, ParamValue> = {};
          for (const p of query.params) params[p.name] = sampleParamValue(p.type);
          await expect(engine.run(query, params), file).resolves.toHaveProperty("rows");
        }
      } finally {
        await engine.close();
      }
    },
  );
});

describe("checkPortableSql", () => {
  it("accepts a query using the allowed constructs, and DuckDB runs it", async () => {
    expect(await problemsOf("good.sql", GOOD)).toEqual([]);
    const engine = await createDuckDbEngine({ lakeDir: join(tmp, "empty-lake"), threads: 1 });
    try {
      const cal = [
        {
          localDate: "2026-01-01",
          dt: "2025-12-31",
          dayStartUtc: new Date("2025-12-31T16:00:00Z"),
          dayEndUtc: new Date("2026-01-01T16:00:00Z"),
        },
      ];
      const result = await engine.run(parseQueryFile("good", GOOD), {
        cal,
        dts: ["2025-12-31", "2026-01-01"],
        report_day: "2026-01-02",
      });
      expect(result.rows).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  const replace = (from: string, to: string) => {
    expect(GOOD).toContain(from);
    return GOOD.replace(from, to);
  };

  it.each([
    [
      "banned function",
      replace("count(distinct d.user_id)", "approx_distinct(d.user_id)"),
      /bad\.sql:\d+: uses approx_distinct\(\): approximate aggregates/,
    ],
    [
      "division",
      replace("as days_ago", "/ 7 as weeks_ago"),
      /bad\.sql:\d+: uses '\/': division is integer division on Trino/,
    ],
    [
      "undeclared table",
      replace("from orders", "from orders_raw"),
      /bad\.sql:\d+: reads table orders_raw, which is not declared in queries\/_sources\.yaml/,
    ],
    [
      "statement that does not parse",
      replace("select order_id, amount", "select order_id,, amount"),
      /bad\.sql:\d+: does not parse as Trino SQL/,
    ],
    [
      "function outside the allow-list",
      replace("count_if(", "arbitrary("),
      /bad\.sql:\d+: uses arbitrary\(\), which is not on the portable function list/,
    ],
    [
      "time-zone conversion",
      replace("e.event_time >= cal.day_start", "e.event_time at time zone 'Asia/Shanghai' >= 0"),
      /bad\.sql:13: uses AT TIME ZONE: time-zone arithmetic belongs in TypeScript/,
    ],
    [
      "time-zone function",
      replace("count_if(", "with_timezone("),
      /uses with_timezone\(\): time-zone arithmetic/,
    ],
    ["the clock", replace(":report_day)", "current_date)"), /uses current_date: reads the clock/],
    ["now()", replace(":report_day)", "now())"), /uses now\(\): reads the clock/],
    [
      "date_trunc",
      replace("d.local_date,\n    count", "date_trunc('day', d.local_date),\n    count"),
      /uses date_trunc\(\): date_trunc truncates in UTC/,
    ],
    [
      "avg",
      replace("count_if(o.status = 'paid')", "avg(o.amount)"),
      /uses avg\(\): avg is a ratio/,
    ],
    [
      "DuckDB-only function",
      replace("count_if(o.status = 'paid')", "strftime(max(o.amount), '%Y')"),
      /uses strftime\(\): DuckDB-only/,
    ],
    [
      "regexp",
      replace("e.event_type <> 'a/b -- not a comment'", "regexp_like(e.event_type, 'a')"),
      /uses regexp_like\(\): regular-expression dialects differ/,
    ],
    [
      "date_diff on timestamps",
      replace("date_diff('day', d.local_date", "date_diff('day', max(o.updated_at)"),
      /date_diff\('day', …\) on max\(o\.updated_at\): on timestamps Trino counts whole days/,
    ],
    [
      "date_diff in months",
      replace("date_diff('day'", "date_diff('month'"),
      /only the 'day' unit means the same on both engines/,
    ],
    [
      "greatest of a nullable value",
      replace("greatest(coalesce(max(o.amount), 0), 0)", "greatest(max(o.amount), 0)"),
      /greatest\(…\) with max\(o\.amount\), which may be NULL/,
    ],
    [
      "DECIMAL literal",
      replace("cast('0.00' as decimal(18,2))", "DECIMAL '0.00'"),
      /only DATE and TIMESTAMP literals read the same/,
    ],
    [
      "timestamp literal with a zone",
      replace("'2026-01-02 00:00:00'", "'2026-01-02 00:00:00 UTC'"),
      /a timestamp literal with a zone/,
    ],
    [
      "cast to timestamp with time zone",
      replace("cast('0.00' as decimal(18,2))", "cast(null as timestamp with time zone)"),
      /casts to timestamp.*time-zone arithmetic/,
    ],
    [
      "weekday extraction",
      replace("d.local_date,\n    count", "extract(dow from d.local_date),\n    count"),
      /extract\(dow …\): engines number weekdays/,
    ],
    ["month interval", replace("interval '7' day", "interval '1' month"), /INTERVAL … MONTH/],
    [
      "UNNEST",
      replace("from day_events as d", "from day_events as d cross join unnest(array[1]) as t (x)"),
      /uses (UNNEST|ARRAY\[…\]), which is engine-specific/,
    ],
    [
      "partitioned table read without a dt filter",
      replace("where dt in :dts and order_time", "where order_time"),
      /reads orders without a dt filter in the where clause/,
    ],
    [
      "dt filter only inside a subquery of the where clause",
      replace(
        "where dt in :dts and order_time",
        "where order_id in (select order_id from orders where dt in :dts) and order_time",
      ),
      /bad\.sql:21: reads orders without a dt filter/,
    ],
    ["missing grain", replace("-- Grain:", "-- Level:"), /header has no "-- Grain: /],
    ["missing output columns", replace("-- Output:", "-- Returns"), /header has no "-- Output: /],
    ["SQL before the header", `select 1;\n${GOOD}`, /bad\.sql:1: must start with a header comment/],
    [
      "@param outside the header",
      replace("latest_orders as (", "latest_orders as (\n  -- @param extra date  x"),
      /@param lines belong in the header comment/,
    ],
    [
      "unused parameter",
      replace("-- Output:", "-- @param unused integer  never used\n-- Output:"),
      /declares @param unused but never uses :unused/,
    ],
    [
      "undeclared parameter",
      replace(":report_day)", ":other_day)"),
      /uses :other_day but does not declare it/,
    ],
    ["unknown parameter type", replace("report_day date", "report_day datetime"), /unknown type/],
    [
      "no final CTE",
      replace("select * from final", "select local_date from final"),
      /must end with `select \* from final`/,
    ],
    ["trailing semicolon", `${GOOD.trimEnd()};\n`, /ends with ';'/],
  ])("reports a %s with the file name and the reason", async (_, sql, expected) => {
    const problems = await problemsOf("bad.sql", sql);
    expect(problems.length, problems.join("\n")).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith("bad.sql"))).toBe(true);
    expect(problems.join("\n")).toMatch(expected);
  });

  it("names the failing file when checking a folder", async () => {
    const dir = join(tmp, "queries");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "_sources.yaml"),
      readFileSync(join(DEFAULT_QUERIES_DIR, "_sources.yaml")),
    );
    writeFileSync(join(dir, "a_good.sql"), GOOD);
    writeFileSync(join(dir, "b_bad.sql"), GOOD.replace("count_if(", "approx_count_distinct("));
    const problems = (await checkQueryFolder(dir)).map(formatProblem);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^b_bad\.sql:\d+: uses approx_count_distinct\(\)/);
  });

  it("keeps the allow-list free of functions whose meaning differs between engines", () => {
    for (const name of ["avg", "date_trunc", "concat", "now", "approx_distinct", "strftime"]) {
      expect(PORTABLE_FUNCTIONS.has(name), name).toBe(false);
    }
  });
});
