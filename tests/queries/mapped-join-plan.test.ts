/**
 * The identity map's join in queries/_fragments/mapped_events.sql hashes the map, not the
 * events. A build filters the day's events (known types, ids present), and DuckDB's planner
 * then takes them for a few thousand rows and hashes them instead of the map: the bench's
 * builds with a 77 k-row map took 2.5× as long (rollup_channel_user_day 530 ms → 150 ms).
 * The fragment reads only the map rows that can match (`source_user_id is not null`),
 * which keeps the map the smaller side to the planner. Read from EXPLAIN's plan tree: the
 * build side of a DuckDB hash join is its second child.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_QUERIES_DIR, FRAGMENTS_DIR } from "../../functions/lib/query/catalog.ts";
import { expandIncludes } from "../../functions/lib/query/query-file.ts";

interface PlanNode {
  readonly name: string;
  readonly extra_info?: Record<string, unknown>;
  readonly children: readonly PlanNode[];
}

const fragment = (name: string) =>
  readFileSync(join(DEFAULT_QUERIES_DIR, FRAGMENTS_DIR, `${name}.sql`), "utf8");

/** A build's read of the mapped events: filtered as the rollup builds filter them. */
const buildRead = (mappedEvents: string) =>
  expandIncludes(
    "plan_probe",
    `with

-- @include mapped_events

final as (
  select user_id, count(*) as events
  from mapped_events
  where dt in ('2026-03-01', '2026-03-02')
    and user_id is not null
    and event_type in ('page_view', 'signup', 'purchase')
  group by user_id
)

select * from final`,
    () => mappedEvents,
  ).replaceAll(":events_dts", "('2026-03-01', '2026-03-02')");

const scans = (node: PlanNode): string[] => [
  ...(node.name === "SEQ_SCAN" ? [String(node.extra_info?.Table ?? "").replace(/^.*\./, "")] : []),
  ...node.children.flatMap(scans),
];

/** The tables scanned under the build side of the hash join on the map's id. */
function hashedSide(plan: PlanNode): string[] {
  const join = (node: PlanNode): PlanNode | undefined =>
    node.name === "HASH_JOIN" && JSON.stringify(node.extra_info).includes("source_user_id")
      ? node
      : node.children.map(join).find((found) => found !== undefined);
  const found = join(plan);
  if (!found?.children[1]) throw new Error("the plan has no hash join on the map's id");
  return scans(found.children[1]);
}

let instance: DuckDBInstance;
const explain = async (sql: string): Promise<PlanNode> => {
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(`EXPLAIN (FORMAT json) ${sql}`);
  const text = String(reader.getRows()[0]?.[1] ?? "[]");
  connection.closeSync();
  return (JSON.parse(text) as PlanNode[])[0] as PlanNode;
};

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  // Two days of 600 k events of 120 k ids, and a map of a fifth of those ids.
  await connection.run(`create table events as
    select 'e' || i as event_id,
      timestamp '2026-03-01 00:00:00' + to_seconds(i % 172800) as event_time,
      'u' || (i % 120000) as user_id,
      ['page_view', 'signup', 'purchase', 'share'][1 + i % 4] as event_type,
      'web' as channel, null::varchar as content_id, null::varchar as campaign_id,
      null::varchar as referrer_user_id, false as automated,
      case when i % 172800 < 86400 then '2026-03-01' else '2026-03-02' end as dt
    from range(600000) as t(i)`);
  await connection.run(`create table identities as
    select 'web' as source, 'u' || (i * 5) as source_user_id, 'u' || (i * 5 + 1) as user_id,
      timestamp '2026-01-01 00:00:00' as valid_from, null::timestamp as valid_to
    from range(24000) as t(i)`);
  connection.closeSync();
});
afterAll(() => instance?.closeSync());

describe("the mapped events' join on DuckDB", () => {
  it("hashes the identity map, not the day's filtered events", async () => {
    const plan = await explain(buildRead(fragment("mapped_events")));
    expect(hashedSide(plan)).toEqual(["identities"]);
  });

  it("would hash the events with the map read whole (why the fragment filters it)", async () => {
    const unfiltered = fragment("mapped_events").replace(
      /left join \(select \* from identities where source_user_id is not null\) as i/,
      "left join identities as i",
    );
    expect(unfiltered).not.toEqual(fragment("mapped_events"));
    const plan = await explain(buildRead(unfiltered));
    expect(hashedSide(plan)).toEqual(["events"]);
  });
});
