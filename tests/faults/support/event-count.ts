/** Counting what an import put in a lake, read back through the real DuckDB engine. */
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { parseQueryFile } from "../../../functions/lib/query/query-file.ts";

/** Rows of `events` in `lake` whose event_id starts with `prefix`. */
export async function countEventsWithPrefix(lake: string, prefix: string): Promise<number> {
  const engine = await createDuckDbEngine({ lakeDir: lake, threads: 1, rollups: false });
  try {
    const result = await engine.run(
      parseQueryFile(
        "count_prefix",
        "-- @param prefix varchar ids\nselect count(*) as n from events where starts_with(event_id, :prefix)",
      ),
      { prefix },
    );
    return Number(result.rows[0]?.n);
  } finally {
    await engine.close();
  }
}
