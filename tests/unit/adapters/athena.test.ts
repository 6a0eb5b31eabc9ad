import {
  AthenaClient,
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
} from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AthenaEngineOptions,
  createAthenaEngine,
} from "../../../functions/lib/adapters/athena.ts";
import { isDeadlineExceeded } from "../../../functions/lib/deadline.ts";
import { parseQueryFile, QueryParamError } from "../../../functions/lib/query/query-file.ts";

const athena = mockClient(AthenaClient);
const client = new AthenaClient({ region: "eu-west-1" });

const QUERY = parseQueryFile(
  "orders_by_channel",
  [
    "-- grain: one row per channel",
    "-- @param report_date date  the local day",
    "-- @param channel varchar   the channel to keep",
    "select channel, count(*) as orders from orders",
    "where dt = cast(:report_date as varchar) and channel = :channel",
    "group by channel",
  ].join("\n"),
);
const PARAMS = { report_date: "2026-03-01", channel: "wecom" };

/** A fake clock that only the injected sleep moves, and the sleeps it was asked for. */
function fakeTime() {
  const clock = { ms: 1_000_000, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.ms,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.ms += ms;
    },
  };
}

function engine(overrides: Partial<AthenaEngineOptions> = {}) {
  const time = fakeTime();
  const created = createAthenaEngine({
    client,
    workgroup: "opspulse",
    database: "opspulse_lake",
    pollIntervalMs: 200,
    timeoutMs: 60_000,
    maxRetries: 3,
    sleep: time.sleep,
    now: time.now,
    ...overrides,
  });
  return { engine: created, time };
}

function state(
  State: "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED",
  extra: { reason?: string; bytes?: number } = {},
): GetQueryExecutionCommandOutput {
  return {
    $metadata: {},
    QueryExecution: {
      QueryExecutionId: "q-1",
      Status: { State, ...(extra.reason ? { StateChangeReason: extra.reason } : {}) },
      ...(extra.bytes === undefined ? {} : { Statistics: { DataScannedInBytes: extra.bytes } }),
    },
  };
}

/** One page of GetQueryResults the way Athena shapes it: every value a VarCharValue string. */
function page(
  columns: readonly [string, string][],
  rows: readonly (readonly (string | undefined)[])[],
  options: { header?: boolean; nextToken?: string } = {},
): GetQueryResultsCommandOutput {
  const header = options.header
    ? [{ Data: columns.map(([name]) => ({ VarCharValue: name })) }]
    : [];
  return {
    $metadata: {},
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: columns.map(([Name, Type]) => ({ Name, Type })) },
      Rows: [
        ...header,
        ...rows.map((row) => ({
          Data: row.map((value) => (value === undefined ? {} : { VarCharValue: value })),
        })),
      ],
    },
    ...(options.nextToken ? { NextToken: options.nextToken } : {}),
  };
}

function throttled(name = "ThrottlingException"): Error {
  return Object.assign(new Error("Rate exceeded"), { name, $metadata: { httpStatusCode: 400 } });
}

beforeEach(() => {
  athena.reset();
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
});
afterEach(() => athena.reset());

describe("createAthenaEngine", () => {
  it("polls QUEUED → RUNNING → SUCCEEDED with growing waits, then returns rows and stats", async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(state("QUEUED"))
      .resolvesOnce(state("RUNNING"))
      .resolvesOnce(state("SUCCEEDED", { bytes: 123_456 }));
    athena.on(GetQueryResultsCommand).resolves(
      page(
        [
          ["channel", "varchar"],
          ["orders", "bigint"],
        ],
        [["wecom", "42"]],
        { header: true },
      ),
    );
    const { engine: athenaEngine, time } = engine();

    const result = await athenaEngine.run(QUERY, PARAMS);

    expect(result.rows).toEqual([{ channel: "wecom", orders: 42 }]);
    expect(result.stats).toMatchObject({
      query: "orders_by_channel",
      engineQueryId: "q-1",
      bytesScanned: 123_456,
      rows: 1,
    });
    expect(time.clock.sleeps).toEqual([200, 400]);
    const [start] = athena.commandCalls(StartQueryExecutionCommand);
    expect(start?.args[0].input).toMatchObject({
      WorkGroup: "opspulse",
      QueryExecutionContext: { Database: "opspulse_lake" },
    });
    expect(start?.args[0].input.ClientRequestToken?.length).toBeGreaterThanOrEqual(32);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(3);
    expect(athenaEngine.dialect).toBe("athena");
  });

  it("passes the result location only when one is configured", async () => {
    athena.on(GetQueryExecutionCommand).resolves(state("SUCCEEDED"));
    athena.on(GetQueryResultsCommand).resolves(page([["x", "integer"]], [], { header: true }));
    await engine({ outputLocation: "s3://results.example.com/athena/" }).engine.run(QUERY, PARAMS);
    await engine().engine.run(QUERY, PARAMS);
    const [withLocation, without] = athena.commandCalls(StartQueryExecutionCommand);
    expect(withLocation?.args[0].input.ResultConfiguration).toEqual({
      OutputLocation: "s3://results.example.com/athena/",
    });
    expect(without?.args[0].input.ResultConfiguration).toBeUndefined();
  });

  it("surfaces FAILED with Athena's reason and the query name, and reads no results", async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(state("RUNNING"))
      .resolves(
        state("FAILED", {
          reason: "COLUMN_NOT_FOUND: line 4:7: Column 'chanel' cannot be resolved",
        }),
      );
    const run = engine().engine.run(QUERY, PARAMS);
    await expect(run).rejects.toThrow(
      "Query orders_by_channel failed in Athena (q-1): COLUMN_NOT_FOUND: line 4:7: Column 'chanel' cannot be resolved",
    );
    await expect(run).rejects.toMatchObject({
      name: "AthenaQueryError",
      queryExecutionId: "q-1",
    });
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it("surfaces CANCELLED with its reason", async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolves(state("CANCELLED", { reason: "Query cancelled by user" }));
    await expect(engine().engine.run(QUERY, PARAMS)).rejects.toThrow(
      "Query orders_by_channel was cancelled in Athena (q-1): Query cancelled by user",
    );
  });

  it("stops a query stuck in RUNNING past the timeout and says so", async () => {
    athena.on(GetQueryExecutionCommand).resolves(state("RUNNING"));
    athena.on(StopQueryExecutionCommand).resolves({});
    const { engine: athenaEngine, time } = engine({ timeoutMs: 10_000, maxPollIntervalMs: 2_000 });

    await expect(athenaEngine.run(QUERY, PARAMS)).rejects.toThrow(
      /Query orders_by_channel \(q-1\) did not finish within 10 s, so opspulse stopped it/,
    );

    const stops = athena.commandCalls(StopQueryExecutionCommand);
    expect(stops).toHaveLength(1);
    expect(stops[0]?.args[0].input).toEqual({ QueryExecutionId: "q-1" });
    // Backoff doubles up to the ceiling and never sleeps past the deadline.
    expect(time.clock.sleeps.slice(0, 5)).toEqual([200, 400, 800, 1600, 2000]);
    expect(time.clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(10_000);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it("stops a running query at the run's deadline, before its own timeout", async () => {
    athena.on(GetQueryExecutionCommand).resolves(state("RUNNING"));
    athena.on(StopQueryExecutionCommand).resolves({});
    const { engine: base, time } = engine({ timeoutMs: 300_000 });
    const deadline = new Date(time.clock.ms + 7_000);
    const bound = base.withDeadline?.(deadline);
    if (!bound) throw new Error("the Athena engine takes a deadline");

    const failure = await bound.run(QUERY, PARAMS).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: "AthenaQueryError", kind: "deadline" });
    expect(String(failure)).toMatch(
      /q-1\) was still running at the run's deadline \(.*\), so opspulse stopped it/,
    );
    expect(isDeadlineExceeded(failure)).toBe(true);
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
    // It waited until the deadline, not a poll longer.
    expect(time.clock.ms).toBe(deadline.getTime());

    // Past the deadline no query starts; the unbound engine keeps its own limits.
    await expect(bound.run(QUERY, PARAMS)).rejects.toThrow(/was not started: the run's deadline/);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it("still reports the timeout when StopQueryExecution itself fails", async () => {
    athena.on(GetQueryExecutionCommand).resolves(state("RUNNING"));
    athena
      .on(StopQueryExecutionCommand)
      .rejects(Object.assign(new Error("not allowed"), { name: "AccessDeniedException" }));
    await expect(engine({ timeoutMs: 1_000 }).engine.run(QUERY, PARAMS)).rejects.toThrow(
      /could not stop it \(AccessDeniedException: not allowed\)/,
    );
  });

  it("retries throttled calls with the same request token, then succeeds", async () => {
    athena
      .on(StartQueryExecutionCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(new TooManyRequestsException({ message: "too many queries", $metadata: {} }))
      .resolves({ QueryExecutionId: "q-1" });
    athena.on(GetQueryExecutionCommand).rejectsOnce(throttled()).resolves(state("SUCCEEDED"));
    athena
      .on(GetQueryResultsCommand)
      .rejectsOnce(throttled("TooManyRequestsException"))
      .resolves(page([["orders", "bigint"]], [["7"]], { header: true }));
    const { engine: athenaEngine, time } = engine();

    const result = await athenaEngine.run(QUERY, PARAMS);

    expect(result.rows).toEqual([{ orders: 7 }]);
    const tokens = athena
      .commandCalls(StartQueryExecutionCommand)
      .map((call) => call.args[0].input.ClientRequestToken);
    expect(tokens).toHaveLength(3);
    expect(new Set(tokens).size).toBe(1);
    expect(time.clock.sleeps.length).toBe(4);
  });

  it("gives up after maxRetries throttled attempts with advice", async () => {
    athena.on(StartQueryExecutionCommand).rejects(throttled());
    await expect(engine({ maxRetries: 2 }).engine.run(QUERY, PARAMS)).rejects.toThrow(
      /Athena StartQueryExecution for query orders_by_channel failed: still throttled after 2 retries/,
    );
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
  });

  it("does not retry errors that are not throttling", async () => {
    athena.on(StartQueryExecutionCommand).rejects(
      Object.assign(new Error("WorkGroup opspulse is not found."), {
        name: "InvalidRequestException",
      }),
    );
    await expect(engine().engine.run(QUERY, PARAMS)).rejects.toThrow(
      "Athena StartQueryExecution for query orders_by_channel failed: InvalidRequestException: WorkGroup opspulse is not found..",
    );
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it("reads three pages, skipping only the first page's header, with typed conversion", async () => {
    athena.on(GetQueryExecutionCommand).resolves(state("SUCCEEDED", { bytes: 9 }));
    const columns: [string, string][] = [
      ["user_id", "varchar"],
      ["orders", "bigint"],
      ["gmv", "decimal"],
      ["share", "double"],
      ["private_domain", "boolean"],
      ["local_date", "date"],
      ["last_order_at", "timestamp"],
      ["rank", "integer"],
    ];
    const pages: Record<string, GetQueryResultsCommandOutput> = {
      first: page(
        columns,
        [
          [
            "u1",
            "3",
            "1234567890123.45",
            "0.25",
            "true",
            "2026-03-01",
            "2026-03-01 08:15:30.000",
            "1",
          ],
          [
            "u2",
            "9007199254740993",
            "0.10",
            "1.0E-5",
            "false",
            "2026-02-28",
            "2026-02-28 23:59:59.780",
            "2",
          ],
        ],
        { header: true, nextToken: "page-2" },
      ),
      "page-2": page(
        columns,
        [
          ["user_id", "4", "-0.50", "NaN", "true", "2026-03-02", "2026-03-02 00:00:00.123456", "3"],
          ["u4", undefined, undefined, undefined, undefined, undefined, undefined, undefined],
        ],
        { nextToken: "page-3" },
      ),
      "page-3": page(columns, [
        ["", "0", "0.00", "Infinity", "false", "2026-03-03", "2026-03-03 12:00:00 UTC", "-4"],
      ]),
    };
    athena
      .on(GetQueryResultsCommand)
      .callsFake((input: { NextToken?: string }) => pages[input.NextToken ?? "first"]);

    const result = await engine().engine.run(QUERY, PARAMS);

    expect(result.rows).toEqual([
      {
        user_id: "u1",
        orders: 3,
        gmv: "1234567890123.45",
        share: 0.25,
        private_domain: true,
        local_date: "2026-03-01",
        last_order_at: "2026-03-01T08:15:30Z",
        rank: 1,
      },
      {
        user_id: "u2",
        orders: "9007199254740993",
        gmv: "0.10",
        share: 0.00001,
        private_domain: false,
        local_date: "2026-02-28",
        last_order_at: "2026-02-28T23:59:59.78Z",
        rank: 2,
      },
      {
        // A later page's first row is data, even when it looks like a header.
        user_id: "user_id",
        orders: 4,
        gmv: "-0.50",
        share: Number.NaN,
        private_domain: true,
        local_date: "2026-03-02",
        last_order_at: "2026-03-02T00:00:00.123Z",
        rank: 3,
      },
      {
        user_id: "u4",
        orders: null,
        gmv: null,
        share: null,
        private_domain: null,
        local_date: null,
        last_order_at: null,
        rank: null,
      },
      {
        user_id: "",
        orders: 0,
        gmv: "0.00",
        share: Number.POSITIVE_INFINITY,
        private_domain: false,
        local_date: "2026-03-03",
        last_order_at: "2026-03-03T12:00:00Z",
        rank: -4,
      },
    ]);
    expect(result.stats).toMatchObject({ rows: 5, bytesScanned: 9 });
    const tokens = athena
      .commandCalls(GetQueryResultsCommand)
      .map((call) => call.args[0].input.NextToken);
    expect(tokens).toEqual([undefined, "page-2", "page-3"]);
  });

  it("converts timestamps with a zone offset to UTC", async () => {
    athena.on(GetQueryExecutionCommand).resolves(state("SUCCEEDED"));
    athena.on(GetQueryResultsCommand).resolves(
      page([["at", "timestamp with time zone"]], [["2026-03-01 08:00:00.500 +08:00"]], {
        header: true,
      }),
    );
    const result = await engine().engine.run(QUERY, PARAMS);
    expect(result.rows).toEqual([{ at: "2026-03-01T00:00:00.5Z" }]);
  });

  it("fails clearly on a value that does not match its column type", async () => {
    athena.on(GetQueryExecutionCommand).resolves(state("SUCCEEDED"));
    athena
      .on(GetQueryResultsCommand)
      .resolves(page([["orders", "bigint"]], [["12abc"]], { header: true }));
    await expect(engine().engine.run(QUERY, PARAMS)).rejects.toThrow(
      'Query orders_by_channel: column orders of type bigint holds "12abc", not an integer.',
    );
  });

  it("binds parameters as typed, quoted literals, never as raw text", async () => {
    athena.on(GetQueryExecutionCommand).resolves(state("SUCCEEDED"));
    athena.on(GetQueryResultsCommand).resolves(page([["orders", "bigint"]], [], { header: true }));

    await engine().engine.run(QUERY, { report_date: "2026-03-01", channel: "x' OR '1'='1" });

    const sql = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input.QueryString ?? "";
    expect(sql).toContain("dt = cast(DATE '2026-03-01' as varchar)");
    expect(sql).toContain("channel = 'x'' OR ''1''=''1'");
    expect(sql).not.toContain(":channel");
    expect(sql).not.toContain("channel = 'x' OR");
  });

  it("rejects a malformed parameter before anything reaches Athena", async () => {
    const run = engine().engine.run(QUERY, {
      report_date: "2026-03-01'; drop table orders; --",
      channel: "wecom",
    });
    await expect(run).rejects.toBeInstanceOf(QueryParamError);
    await expect(run).rejects.toThrow(/must be a date YYYY-MM-DD/);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});
