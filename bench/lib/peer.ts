/**
 * The peer: the same daily KPIs as a team would compute them without this product, in plain
 * SQL over the raw lake. It is the `OPSPULSE_ROLLUPS=off` path as it was before the
 * performance work of issue 25 (commit 172036c): the statements that path sent to DuckDB for
 * the bench's daily report, frozen under `bench/peer/daily/` (one `.sql` per statement, the
 * query with its rollups inlined as CTEs over the raw partitions of their whole windows, and
 * `statements.json` with each one's parameters and partition scopes). They are not sped up
 * along with the product: the benchmark runs them as they are, side by side with the
 * product's daily run, and reports the ratio.
 *
 * `bench/peer/freeze.ts` wrote them, running that commit's rollups-off daily report.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import type {
  ParamDecl,
  PartitionScope,
  QueryFile,
  QueryParams,
} from "../../functions/lib/query/query-file.ts";

/** One frozen statement: a query file as the engine received it, and its parameters. */
export interface PeerStatement {
  readonly file: string;
  readonly name: string;
  readonly paramDecls: readonly ParamDecl[];
  readonly partitions?: readonly PartitionScope[];
  readonly params: QueryParams;
}

interface Frozen {
  readonly frozenFrom: string;
  readonly report: string;
  readonly date: string;
  readonly statements: readonly Omit<PeerStatement, "params">[];
  readonly params: readonly unknown[];
}

const DATE_TAG = "$date";

/** Writes the statements an engine received under `dir` (freeze.ts). */
export function writePeer(
  dir: string,
  header: { readonly frozenFrom: string; readonly report: string; readonly date: string },
  received: readonly { readonly query: QueryFile; readonly params: QueryParams }[],
): void {
  const statements = received.map(({ query }, i) => {
    const file = `${String(i + 1).padStart(2, "0")}-${query.name}.sql`;
    writeFileSync(join(dir, file), `${query.sql.trimEnd()}\n`);
    return {
      file,
      name: query.name,
      paramDecls: query.params,
      ...(query.partitions ? { partitions: query.partitions } : {}),
    };
  });
  // Dates become {"$date": ISO} (JSON has no date type); readPeer turns them back.
  const params = received.map(({ params: p }) =>
    JSON.parse(
      JSON.stringify(p, function (this: Record<string, unknown>, key, value) {
        const raw = this[key];
        return raw instanceof Date ? { [DATE_TAG]: raw.toISOString() } : value;
      }),
    ),
  );
  writeFileSync(
    join(dir, "statements.json"),
    `${JSON.stringify({ ...header, statements, params }, null, 2)}\n`,
  );
}

/** The frozen statements under `dir`. */
export function readPeer(dir: string): {
  readonly frozenFrom: string;
  readonly date: string;
  readonly statements: readonly PeerStatement[];
} {
  const frozen = JSON.parse(readFileSync(join(dir, "statements.json"), "utf8"), (_key, value) =>
    value && typeof value === "object" && typeof value[DATE_TAG] === "string"
      ? new Date(value[DATE_TAG])
      : value,
  ) as Frozen;
  return {
    frozenFrom: frozen.frozenFrom,
    date: frozen.date,
    statements: frozen.statements.map((statement, i) => ({
      ...statement,
      params: frozen.params[i] as QueryParams,
    })),
  };
}

/** Runs the frozen statements one after another, as the rollups-off run did. */
export async function runPeer(
  engine: QueryEngine,
  dir: string,
  statements: readonly PeerStatement[],
): Promise<{ readonly ms: number; readonly perStatementMs: readonly number[] }> {
  const perStatementMs: number[] = [];
  const started = performance.now();
  for (const statement of statements) {
    const query: QueryFile = {
      name: statement.name,
      sql: readFileSync(join(dir, statement.file), "utf8"),
      params: statement.paramDecls,
      ...(statement.partitions ? { partitions: statement.partitions } : {}),
    };
    const begun = performance.now();
    await engine.run(query, statement.params);
    perStatementMs.push(performance.now() - begun);
  }
  return { ms: performance.now() - started, perStatementMs };
}
