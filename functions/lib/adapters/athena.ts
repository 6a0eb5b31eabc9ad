/**
 * The AWS `QueryEngine`: the same `.sql` files of `queries/` run on Athena (Trino).
 *
 * Logical table names are the Glue table names of `database` (the CDK stack creates them
 * from `queries/_sources.yaml`), so a query's `from events` needs no rewriting. Parameters
 * are bound by {@link bindParams}: each value is validated against its declared type and
 * rendered as a typed literal (`DATE '2026-03-01'`, quoted strings with quotes doubled),
 * never concatenated as raw text.
 *
 * A run is: StartQueryExecution (with a client request token, so that a retried start
 * does not start a second query) → GetQueryExecution polled with exponential backoff until
 * the query ends, the total timeout passes or the run's deadline comes (then
 * StopQueryExecution: a query is never left running behind a run that gave up) → GetQueryResults
 * page by page, each value converted from Athena's text to the `Cell` form the DuckDB
 * adapter also returns. Throttled calls are retried, boundedly, with backoff.
 */
import { randomUUID } from "node:crypto";
import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { DeadlineExceededError, msUntil } from "../deadline.ts";
import type { Cell, QueryEngine, QueryResult, Row } from "../ports.ts";
import { bindParams, type QueryFile, type QueryParams } from "../query/query-file.ts";
import {
  errorMessage,
  errorName,
  isServerError,
  isThrottling,
  type RetryPolicy,
  realSleep,
  type Sleep,
  withRetry,
} from "./aws-errors.ts";

/** Options of {@link createAthenaEngine}. */
export interface AthenaEngineOptions {
  /** The SDK client (region, credentials and endpoint are the caller's business). */
  readonly client: AthenaClient;
  /** Workgroup the queries run in; it carries the bytes-scanned cutoff and result location. */
  readonly workgroup: string;
  /** Glue database holding the tables of `queries/_sources.yaml`. */
  readonly database: string;
  /** Data catalog (default `AwsDataCatalog`). */
  readonly catalog?: string;
  /** `s3://…/` for results, when the workgroup does not enforce its own. */
  readonly outputLocation?: string;
  /** First wait between two status polls (default 200 ms); doubles up to `maxPollIntervalMs`. */
  readonly pollIntervalMs?: number;
  /** Longest wait between two status polls (default 5 s). */
  readonly maxPollIntervalMs?: number;
  /** Longest time a query may take from start to end (default 5 min); then it is stopped. */
  readonly timeoutMs?: number;
  /** Retries of a throttled API call (default 5). */
  readonly maxRetries?: number;
  /** Injected so that tests do not wait. */
  readonly sleep?: Sleep;
  /** Milliseconds now, for the timeout and the stats (default `Date.now`). */
  readonly now?: () => number;
  /** Makes the idempotency token of one query start (default a random UUID). */
  readonly requestToken?: () => string;
  /** First `dt` the tables' partition projection covers; the engine reports it as `visibleFrom`. */
  readonly firstDay?: string;
}

/**
 * How a query ended without rows: `failed` and `cancelled` as Athena says (a query over the
 * workgroup's bytes-scanned cutoff is cancelled), `timeout` after the engine's own limit,
 * `deadline` when the run's deadline came first, `api` when a call itself failed.
 */
export type AthenaFailureKind = "failed" | "cancelled" | "timeout" | "deadline" | "api";

/** A query failed, was cancelled or timed out in Athena; the message says which and why. */
export class AthenaQueryError extends Error {
  override name = "AthenaQueryError";
  readonly queryName: string;
  readonly queryExecutionId: string | undefined;
  readonly kind: AthenaFailureKind;
  constructor(
    message: string,
    details: {
      queryName: string;
      queryExecutionId?: string | undefined;
      cause?: unknown;
      kind?: AthenaFailureKind;
    },
  ) {
    super(message, { cause: details.cause });
    this.queryName = details.queryName;
    this.queryExecutionId = details.queryExecutionId;
    this.kind = details.kind ?? "api";
  }
}

const RESULTS_PAGE_SIZE = 1000;

/**
 * Creates the Athena engine. `close()` leaves the client to its owner; `withDeadline(d)`
 * is the same engine for one run that must stop by `d`.
 */
export function createAthenaEngine(options: AthenaEngineOptions): QueryEngine {
  return athenaEngine(options, undefined);
}

function athenaEngine(options: AthenaEngineOptions, deadline: Date | undefined): QueryEngine {
  const client = options.client;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const firstPollMs = options.pollIntervalMs ?? 200;
  const maxPollMs = options.maxPollIntervalMs ?? 5_000;
  const retry: RetryPolicy = {
    maxRetries: options.maxRetries ?? 5,
    baseDelayMs: Math.max(firstPollMs, 100),
    maxDelayMs: 10_000,
    sleep,
  };
  const requestToken = options.requestToken ?? randomUUID;

  /**
   * Sends one API call, retrying throttling and Athena's 5xx (every call here is safe to
   * repeat: a start carries its idempotency token); a final failure names the call and the query.
   */
  async function call<T>(
    what: string,
    query: QueryFile,
    queryExecutionId: string | undefined,
    send: () => Promise<T>,
  ): Promise<T> {
    try {
      return await withRetry(send, (error) => isThrottling(error) || isServerError(error), retry);
    } catch (error) {
      const advice = isThrottling(error)
        ? `still throttled after ${retry.maxRetries} retries: lower the report's concurrency or raise the account's Athena quotas`
        : `${errorName(error)}: ${errorMessage(error)}`;
      throw new AthenaQueryError(
        `Athena ${what} for query ${query.name}${queryExecutionId ? ` (${queryExecutionId})` : ""} failed: ${advice}.`,
        { queryName: query.name, queryExecutionId, cause: error },
      );
    }
  }

  async function start(query: QueryFile, sql: string): Promise<string> {
    if (deadline && msUntil(deadline, now()) <= 0) {
      throw new DeadlineExceededError(
        `Query ${query.name} was not started: the run's deadline (${deadline.toISOString()}) has passed.`,
        deadline,
      );
    }
    // One token for every attempt of this start: a retried start returns the same query.
    const token = requestToken();
    const started = await call("StartQueryExecution", query, undefined, () =>
      client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          ClientRequestToken: token,
          WorkGroup: options.workgroup,
          QueryExecutionContext: {
            Database: options.database,
            ...(options.catalog ? { Catalog: options.catalog } : {}),
          },
          ...(options.outputLocation
            ? { ResultConfiguration: { OutputLocation: options.outputLocation } }
            : {}),
        }),
      ),
    );
    if (!started.QueryExecutionId) {
      throw new AthenaQueryError(`Athena returned no QueryExecutionId for query ${query.name}.`, {
        queryName: query.name,
      });
    }
    return started.QueryExecutionId;
  }

  async function waitForEnd(
    query: QueryFile,
    id: string,
    startedAt: number,
  ): Promise<QueryExecution> {
    let wait = firstPollMs;
    for (;;) {
      const polled: GetQueryExecutionCommandOutput = await call(
        "GetQueryExecution",
        query,
        id,
        () => client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
      );
      const execution = polled.QueryExecution ?? {};
      const state = execution.Status?.State;
      if (state === "SUCCEEDED") return execution;
      if (state === "FAILED" || state === "CANCELLED") {
        const reason =
          execution.Status?.StateChangeReason ??
          execution.Status?.AthenaError?.ErrorMessage ??
          "Athena gave no reason";
        throw new AthenaQueryError(
          `Query ${query.name} ${state === "FAILED" ? "failed" : "was cancelled"} in Athena (${id}): ${reason}`,
          {
            queryName: query.name,
            queryExecutionId: id,
            kind: state === "FAILED" ? "failed" : "cancelled",
          },
        );
      }
      const remaining = Math.min(startedAt + timeoutMs - now(), msUntil(deadline, now()));
      if (remaining <= 0) {
        await stopRunning(query, id, msUntil(deadline, now()) <= 0 ? "deadline" : "timeout");
      }
      await sleep(Math.min(wait, remaining));
      wait = Math.min(wait * 2, maxPollMs);
    }
  }

  async function stopRunning(
    query: QueryFile,
    id: string,
    why: "timeout" | "deadline",
  ): Promise<never> {
    let stopNote = "stopped it";
    try {
      await withRetry(
        () => client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })),
        isThrottling,
        retry,
      );
    } catch (error) {
      stopNote = `could not stop it (${errorName(error)}: ${errorMessage(error)}); stop it in the console`;
    }
    if (why === "deadline" && deadline) {
      throw new AthenaQueryError(
        `Query ${query.name} (${id}) was still running at the run's deadline (${deadline.toISOString()}, kept before the Lambda's timeout), so opspulse ${stopNote}. Re-run the period; if it recurs, raise the function's timeout or check the query's partition pruning.`,
        {
          queryName: query.name,
          queryExecutionId: id,
          kind: "deadline",
          cause: new DeadlineExceededError("the run's deadline passed", deadline),
        },
      );
    }
    throw new AthenaQueryError(
      `Query ${query.name} (${id}) did not finish within ${Math.round(timeoutMs / 1000)} s, so opspulse ${stopNote}. Check the workgroup's queue and the query's partition pruning, or raise the timeout.`,
      { queryName: query.name, queryExecutionId: id, kind: "timeout" },
    );
  }

  async function readResults(query: QueryFile, id: string): Promise<Row[]> {
    const rows: Row[] = [];
    let columns: readonly ColumnInfo[] | undefined;
    let nextToken: string | undefined;
    let firstPage = true;
    do {
      const token = nextToken;
      const page = await call("GetQueryResults", query, id, () =>
        client.send(
          new GetQueryResultsCommand({
            QueryExecutionId: id,
            MaxResults: RESULTS_PAGE_SIZE,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const pageRows = page.ResultSet?.Rows ?? [];
      // The first page of a SELECT begins with the column names as a row.
      for (const row of firstPage ? pageRows.slice(1) : pageRows) {
        const out: Record<string, Cell> = {};
        columns.forEach((column, i) => {
          const name = column.Name ?? `_col${i}`;
          out[name] = athenaCell(row.Data?.[i]?.VarCharValue, column, query.name);
        });
        rows.push(out);
      }
      firstPage = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }

  return {
    dialect: "athena",
    async run(query: QueryFile, params: QueryParams): Promise<QueryResult> {
      const sql = bindParams(query, params);
      const startedAt = now();
      const id = await start(query, sql);
      const execution = await waitForEnd(query, id, startedAt);
      const rows = await readResults(query, id);
      const bytesScanned = execution.Statistics?.DataScannedInBytes;
      return {
        rows,
        stats: {
          query: query.name,
          engineQueryId: id,
          elapsedMs: now() - startedAt,
          rows: rows.length,
          ...(bytesScanned === undefined ? {} : { bytesScanned }),
        },
      };
    },
    async close() {},
    withDeadline: (runDeadline: Date) => athenaEngine(options, runDeadline),
    ...(options.firstDay ? { visibleFrom: options.firstDay } : {}),
  };
}

const TIMESTAMP_TEXT =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:\s*(UTC|Z|[+-]\d{2}:?\d{2}))?$/;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/**
 * Converts one Athena result value (always text, absent for NULL) to a `Cell`, by the
 * column's type: integers to numbers (to exact strings beyond 2^53, like DuckDB), decimals
 * kept as exact strings, doubles to numbers, booleans, dates as `YYYY-MM-DD`, timestamps as
 * ISO 8601 UTC with `Z` (milliseconds, trailing zeros dropped, as the DuckDB adapter writes
 * them), everything else as text.
 */
export function athenaCell(text: string | undefined, column: ColumnInfo, queryName: string): Cell {
  if (text === undefined) return null;
  const type = (column.Type ?? "varchar").toLowerCase();
  const bad = (expected: string): never => {
    throw new AthenaQueryError(
      `Query ${queryName}: column ${column.Name} of type ${type} holds "${text}", not ${expected}.`,
      { queryName },
    );
  };
  switch (type) {
    case "tinyint":
    case "smallint":
    case "integer":
    case "int":
    case "bigint": {
      if (!/^-?\d+$/.test(text)) return bad("an integer");
      const value = Number(text);
      return Number.isSafeInteger(value) ? value : text;
    }
    case "decimal":
      return DECIMAL_TEXT.test(text) ? text : bad("a decimal");
    case "double":
    case "float":
    case "real": {
      const value = Number(text);
      return Number.isNaN(value) && text !== "NaN" ? bad("a number") : value;
    }
    case "boolean":
      return text === "true" ? true : text === "false" ? false : bad("true or false");
    case "date":
      return DATE_TEXT.test(text) ? text : bad("a date");
    case "timestamp":
    case "timestamp with time zone":
      return isoUtc(text) ?? bad("a timestamp in UTC");
    default:
      return text;
  }
}

function isoUtc(text: string): string | undefined {
  const match = TIMESTAMP_TEXT.exec(text);
  if (!match) return undefined;
  const [, date, time, fraction = "", zone = "UTC"] = match;
  const millis = fraction.slice(0, 3).padEnd(3, "0");
  if (zone === "UTC" || zone === "Z" || /^[+-]00:?00$/.test(zone)) {
    const trimmed = millis.replace(/0+$/, "");
    return `${date}T${time}${trimmed ? `.${trimmed}` : ""}Z`;
  }
  const offset = zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const instant = new Date(`${date}T${time}.${millis}${offset}`);
  if (Number.isNaN(instant.getTime())) return undefined;
  return isoUtc(instant.toISOString());
}
