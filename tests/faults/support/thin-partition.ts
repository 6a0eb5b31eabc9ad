/**
 * Makes one `dt` partition of a lake table thin: keeps every n-th row of it (by its order in
 * the files), in one Parquet file with the same columns, instead of the partition's files.
 */
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

/** Keeps about `share` of the rows of `<lakeDir>/<table>/dt=<dt>`; returns the share kept. */
export async function thinPartition(
  lakeDir: string,
  table: string,
  dt: string,
  share: number,
): Promise<number> {
  const folder = join(lakeDir, table, `dt=${dt}`);
  const files = readdirSync(folder).filter((f) => f.endsWith(".parquet"));
  const every = Math.round(1 / share);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const list = files.map((f) => `'${join(folder, f).replaceAll("'", "''")}'`).join(", ");
    await connection.run(
      `CREATE TABLE source AS SELECT * FROM read_parquet([${list}]) ORDER BY ALL`,
    );
    for (const file of files) rmSync(join(folder, file));
    const target = join(folder, "thin.parquet").replaceAll("'", "''");
    await connection.run(
      `COPY (SELECT * EXCLUDE (n) FROM (SELECT *, row_number() OVER () AS n FROM source) WHERE n % ${every} = 0) TO '${target}' (FORMAT parquet)`,
    );
    const before = await connection.runAndReadAll("SELECT count(*) FROM source");
    const after = await connection.runAndReadAll(`SELECT count(*) FROM read_parquet('${target}')`);
    return Number(after.getRows()[0]?.[0]) / Number(before.getRows()[0]?.[0]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
