import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import {
  bindParams,
  type CalendarParamRow,
  PARAM_TYPES,
  type ParamValue,
  parseQueryFile,
  placeholdersIn,
  QueryParamError,
  sampleParamValue,
} from "../../../functions/lib/query/query-file.ts";

const query = (body: string, header = "") => parseQueryFile("probe", `${header}${body}`);

/** A one-parameter query `select :v as v` with `v` of the given type. */
const probe = (type: string) => query("select :v as v", `-- @param v ${type}  the value\n`);

const calendarRow = (localDate: string, dt: string): CalendarParamRow => ({
  localDate,
  dt,
  dayStartUtc: new Date(`${localDate}T00:00:00Z`),
  dayEndUtc: new Date(`${localDate}T23:00:00Z`),
});

describe("parseQueryFile", () => {
  it("reads the declared parameters with their types and descriptions", () => {
    const file = parseQueryFile(
      "daily",
      "-- Grain: one row\r\n-- @param day date  the report day\r\n--   @param   dts varchar_list partitions\r\nselect 1",
    );
    expect(file.name).toBe("daily");
    expect(file.params).toEqual([
      { name: "day", type: "date", description: "the report day" },
      { name: "dts", type: "varchar_list", description: "partitions" },
    ]);
  });

  it("rejects an unknown type, naming the file and the valid types", () => {
    expect(() => parseQueryFile("daily", "-- @param day datetime  x\nselect 1")).toThrow(
      /queries\/daily\.sql declares @param day with unknown type "datetime": use one of date, timestamp/,
    );
  });

  it.each([
    "-- @param day",
    "-- @param Day date  upper-case name",
    "-- @param 1day date  starts with a digit",
  ])("rejects the malformed declaration %j instead of ignoring it", (line) => {
    expect(() => parseQueryFile("daily", `${line}\nselect 1`)).toThrow(
      /queries\/daily\.sql has a malformed line .* write "-- @param <name> <type> <description>"/,
    );
  });

  it("rejects a parameter declared twice", () => {
    expect(() =>
      parseQueryFile("daily", "-- @param day date  a\n-- @param day date  b\nselect :day"),
    ).toThrow(/queries\/daily\.sql declares @param day twice/);
  });
});

describe("parseQueryFile: @partitions", () => {
  const header = (lines: string) =>
    `-- @param dts varchar_list partitions\n-- @param first varchar first\n-- @param last varchar last\n${lines}\nselect 1`;

  it("reads list and range scopes", () => {
    const parsed = parseQueryFile(
      "q",
      header("-- @partitions events :dts\n-- @partitions orders :first..:last"),
    );
    expect(parsed.partitions).toEqual([
      { table: "events", list: "dts" },
      { table: "orders", from: "first", to: "last" },
    ]);
    expect(parseQueryFile("plain", header("")).partitions).toBeUndefined();
  });

  it("rejects a malformed line, an undeclared parameter and a parameter of the wrong type", () => {
    expect(() => parseQueryFile("q", header("-- @partitions events dts"))).toThrow(
      /queries\/q\.sql has a malformed line "-- @partitions events dts": write "-- @partitions <table> :<dt list>"/,
    );
    expect(() => parseQueryFile("q", header("-- @partitions events :nope"))).toThrow(
      /queries\/q\.sql scopes events by :nope, which is not a declared varchar_list parameter/,
    );
    expect(() => parseQueryFile("q", header("-- @partitions events :first"))).toThrow(
      /scopes events by :first, which is not a declared varchar_list parameter/,
    );
    expect(() => parseQueryFile("q", header("-- @partitions events :dts..:last"))).toThrow(
      /scopes events by :dts, which is not a declared varchar parameter/,
    );
  });
});

describe("placeholdersIn", () => {
  it("finds :name in code and ignores comments, strings, quoted names and :: casts", () => {
    const sql = [
      "-- @param a date  uses :not_in_line_comment",
      "select :a, :b_2, :a as again, '10:30' as t, ':not_in_string' as s,",
      '  "odd:name" as q, x::date as c /* :not_in_block_comment */',
      "from t where y = 'it''s :still_a_string' and z = :c",
    ].join("\n");
    expect(placeholdersIn(sql).sort()).toEqual(["a", "b_2", "c"]);
  });

  it("treats an unterminated string or comment as running to the end", () => {
    expect(placeholdersIn("select :a, 'open :b")).toEqual(["a"]);
    expect(placeholdersIn("select :a /* open :b")).toEqual(["a"]);
  });
});

describe("bindParams renders each type as a typed literal", () => {
  it.each<[string, ParamValue, string]>([
    ["date", "2026-03-01", "DATE '2026-03-01'"],
    ["timestamp", new Date("2026-02-28T16:00:00Z"), "TIMESTAMP '2026-02-28 16:00:00.000'"],
    ["timestamp", new Date("2026-02-28T16:00:00.123Z"), "TIMESTAMP '2026-02-28 16:00:00.123'"],
    ["varchar", "wecom", "'wecom'"],
    ["varchar", "it's", "'it''s'"],
    ["varchar", "", "''"],
    ["varchar", "微信 ✓", "'微信 ✓'"],
    ["integer", 7, "7"],
    ["integer", 0, "0"],
    ["integer", -3, "(-3)"],
    ["decimal", 1.5, "CAST('1.5' AS DOUBLE)"],
    ["decimal", -0.25, "CAST('-0.25' AS DOUBLE)"],
    ["varchar_list", ["wecom", "it's"], "('wecom', 'it''s')"],
    [
      "calendar",
      [calendarRow("2026-03-01", "2026-02-28"), calendarRow("2026-03-01", "2026-03-01")],
      "(VALUES (DATE '2026-03-01', '2026-02-28', TIMESTAMP '2026-03-01 00:00:00.000', TIMESTAMP '2026-03-01 23:00:00.000'), (DATE '2026-03-01', '2026-03-01', TIMESTAMP '2026-03-01 00:00:00.000', TIMESTAMP '2026-03-01 23:00:00.000'))",
    ],
  ])("%s %j", (type, value, literal) => {
    expect(bindParams(probe(type), { v: value }).split("\n")[1]).toBe(`select ${literal} as v`);
  });

  it("leaves comments and strings alone while replacing every use of a parameter", () => {
    const file = query(
      "select :day as d, ':day' as s -- :day\nwhere x = :day",
      "-- @param day date  the day\n",
    );
    expect(bindParams(file, { day: "2026-03-01" })).toBe(
      "-- @param day date  the day\nselect DATE '2026-03-01' as d, ':day' as s -- :day\nwhere x = DATE '2026-03-01'",
    );
  });

  it("has a sample value of every type that binds", () => {
    for (const type of PARAM_TYPES) {
      expect(() => bindParams(probe(type), { v: sampleParamValue(type) }), type).not.toThrow();
    }
  });
});

describe("bindParams rejects what could change the query", () => {
  it.each<[string, unknown, RegExp]>([
    ["date", "2026-03-01' or 1=1 --", /must be a date YYYY-MM-DD/],
    ["date", "2026-02-30", /must be a date YYYY-MM-DD, got "2026-02-30"/],
    ["date", "2026-3-1", /must be a date YYYY-MM-DD/],
    ["date", "yesterday", /must be a date YYYY-MM-DD/],
    [
      "date",
      new Date("2026-03-01T00:00:00Z"),
      /must be a date YYYY-MM-DD, got 2026-03-01T00:00:00\.000Z/,
    ],
    ["timestamp", new Date(Number.NaN), /must be a valid Date, got an invalid Date/],
    ["timestamp", "2026-03-01T00:00:00Z", /must be a valid Date/],
    ["timestamp", new Date(Date.UTC(10_000, 0, 1)), /must be a valid Date/],
    ["integer", Number.NaN, /must be an integer, got NaN/],
    ["integer", Number.POSITIVE_INFINITY, /must be an integer, got Infinity/],
    ["integer", 1.5, /must be an integer, got 1\.5/],
    ["integer", 2 ** 53, /must be an integer, got 9007199254740992/],
    ["integer", "7", /must be an integer, got "7"/],
    ["integer", "1; drop table events", /must be an integer/],
    ["decimal", Number.NaN, /must be a finite number, got NaN/],
    ["decimal", Number.NEGATIVE_INFINITY, /must be a finite number/],
    ["decimal", "1.5", /must be a finite number/],
    ["varchar", "line\nbreak", /must be a string without control characters/],
    ["varchar", "nul\u0000byte", /must be a string without control characters/],
    ["varchar", "tab\there", /must be a string without control characters/],
    ["varchar", 42, /must be a string, got 42/],
    ["varchar_list", [], /must be a non-empty list of strings/],
    ["varchar_list", "wecom", /must be a non-empty list of strings/],
    ["varchar_list", ["wecom", 1], /must be a non-empty list of strings/],
    ["varchar_list", ["ok", "bad\r"], /must be a string without control characters/],
    ["calendar", [], /must be a non-empty calendar/],
    [
      "calendar",
      [{ ...calendarRow("2026-03-01", "2026-03-01"), dt: "2026-03-01' --" }],
      /must be calendar rows/,
    ],
    [
      "calendar",
      [{ ...calendarRow("2026-03-01", "2026-03-01"), dayEndUtc: new Date(Number.NaN) }],
      /must be calendar rows/,
    ],
  ])("%s %j", (type, value, message) => {
    const run = () => bindParams(probe(type), { v: value as ParamValue });
    expect(run).toThrow(QueryParamError);
    expect(run).toThrow(/^queries\/probe\.sql parameter "v" /);
    expect(run).toThrow(message);
  });

  it("names the query and the fix for missing, extra and undeclared parameters", () => {
    const file = parseQueryFile("user_daily", "-- @param day date  d\nselect :day, :other");
    expect(() =>
      bindParams(parseQueryFile("user_daily", "-- @param day date  d\nselect :day"), {}),
    ).toThrow('queries/user_daily.sql needs parameter "day" (date).');
    expect(() =>
      bindParams(parseQueryFile("user_daily", "-- @param day date  d\nselect :day"), {
        day: "2026-03-01",
        extra: 1,
      }),
    ).toThrow('queries/user_daily.sql has no parameter "extra".');
    expect(() => bindParams(file, { day: "2026-03-01" })).toThrow(
      'queries/user_daily.sql uses :other but does not declare it: add "-- @param other <type> <description>" to its header.',
    );
  });
});

describe("bound values read back unchanged in DuckDB", () => {
  let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;
  beforeAll(async () => {
    engine = await createDuckDbEngine({ lakeDir: "/nonexistent", sources: [], threads: 1 });
  });
  afterAll(async () => {
    await engine.close();
  });

  it.each([
    "' or 1=1 --",
    "'; drop table events; --",
    "back\\slash \\' quote",
    'double " quote',
    "/* not a comment */ -- nor this",
    "$$ dollar $$",
    ":day",
  ])("varchar %j", async (text) => {
    const result = await engine.run(probe("varchar"), { v: text });
    expect(result.rows).toEqual([{ v: text }]);
  });

  it("a varchar_list matches exactly its own members", async () => {
    const file = query(
      "select count(*) as n from (values ('a'), ('x'' or ''1''=''1'), ('b')) as t (s) where s in :v",
      "-- @param v varchar_list  values\n",
    );
    const result = await engine.run(file, { v: ["x' or '1'='1", "zzz"] });
    expect(result.rows).toEqual([{ n: 1 }]);
  });

  it("a negative integer after a minus sign is subtracted, not turned into a comment", async () => {
    const file = query("select 10 -:n as v", "-- @param n integer  amount\n");
    expect((await engine.run(file, { n: -5 })).rows).toEqual([{ v: 15 }]);
  });

  it("dates and timestamps keep their value", async () => {
    const file = query(
      "select :d as d, :t as t",
      "-- @param d date  a date\n-- @param t timestamp  an instant\n",
    );
    const result = await engine.run(file, {
      d: "2028-02-29",
      t: new Date("2026-02-28T16:00:00.123Z"),
    });
    expect(result.rows).toEqual([{ d: "2028-02-29", t: "2026-02-28T16:00:00.123Z" }]);
  });
});
