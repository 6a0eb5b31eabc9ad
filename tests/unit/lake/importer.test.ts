import {
  existsSync,
  globSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import {
  formatProblems,
  ImportError,
  InvalidRowsError,
  importFile,
  listImportedFiles,
  MAX_REPORTED_PROBLEMS,
} from "../../../functions/lib/lake/importer.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let cases = 0;
/** A fresh folder holding a lake path (not created) and the given files. */
function fixture(files: Record<string, string>): { lake: string; dir: string } {
  const dir = join(root, `case-${++cases}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { lake: join(dir, "lake"), dir };
}

async function readBack(lake: string, sql: string) {
  const engine = await createDuckDbEngine({ lakeDir: lake, threads: 1 });
  try {
    return await engine.raw(sql);
  } finally {
    await engine.close();
  }
}

/** Every file under the lake, relative, sorted. */
function lakeFiles(lake: string): string[] {
  if (!existsSync(lake)) return [];
  return globSync("**/*", { cwd: lake, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(lake.length + 1))
    .sort();
}

const EVENTS_CSV = `event_id,event_time,user_id,event_type,channel,content_id,campaign_id,referrer_user_id,automated
e1,2026-03-01T08:30:00Z,u1,signup,app,,,,
e2,2026-03-01T23:30:00+08:00,u1,message_sent,wecom,,,,true
e3,2026-03-02T01:00:00.250Z,u2,content_view,"web, mobile",c1,,,
e4,2026-03-02T10:00:00Z,u3,invite_accepted,app,,cmp_1,u1,false
`;

describe("import events from CSV", () => {
  it("round-trips the rows into their dt partitions", async () => {
    const { lake, dir } = fixture({ "events.csv": EVENTS_CSV });
    const report = await importFile({
      table: "events",
      file: join(dir, "events.csv"),
      lakeDir: lake,
    });
    expect(report).toMatchObject({ format: "csv", rowsRead: 4, rowsWritten: 4, rowsSkipped: 0 });
    expect(report.partitions).toEqual(["2026-03-01", "2026-03-02"]);
    const files = lakeFiles(lake);
    expect(files).toHaveLength(2);
    expect(
      files.every((f) => /^events\/dt=2026-03-0[12]\/import-[0-9a-f]{16}-0-0\.parquet$/.test(f)),
    ).toBe(true);

    const rows = (await readBack(lake, "SELECT * FROM events ORDER BY event_id")).map((row) => ({
      ...row,
      event_time: new Date(String(row.event_time)).toISOString().replace(".000Z", "Z"),
    }));
    expect(rows).toEqual([
      {
        event_id: "e1",
        event_time: "2026-03-01T08:30:00Z",
        user_id: "u1",
        event_type: "signup",
        channel: "app",
        content_id: null,
        campaign_id: null,
        referrer_user_id: null,
        automated: null,
        dt: "2026-03-01",
      },
      // 23:30 at +08:00 is 15:30 UTC, the same UTC day.
      {
        event_id: "e2",
        event_time: "2026-03-01T15:30:00Z",
        user_id: "u1",
        event_type: "message_sent",
        channel: "wecom",
        content_id: null,
        campaign_id: null,
        referrer_user_id: null,
        automated: true,
        dt: "2026-03-01",
      },
      {
        event_id: "e3",
        event_time: "2026-03-02T01:00:00.250Z",
        user_id: "u2",
        event_type: "content_view",
        channel: "web, mobile",
        content_id: "c1",
        campaign_id: null,
        referrer_user_id: null,
        automated: null,
        dt: "2026-03-02",
      },
      {
        event_id: "e4",
        event_time: "2026-03-02T10:00:00Z",
        user_id: "u3",
        event_type: "invite_accepted",
        channel: "app",
        content_id: null,
        campaign_id: "cmp_1",
        referrer_user_id: "u1",
        automated: false,
        dt: "2026-03-02",
      },
    ]);
  });

  it("accepts a header in any order that leaves out nullable columns", async () => {
    const { lake, dir } = fixture({
      "events.csv": "event_type,user_id,event_time,event_id\nsignup,u9,2026-03-05T00:00:00Z,e9\n",
    });
    await importFile({ table: "events", file: join(dir, "events.csv"), lakeDir: lake });
    expect(await readBack(lake, "SELECT event_id, user_id, channel, dt FROM events")).toEqual([
      { event_id: "e9", user_id: "u9", channel: null, dt: "2026-03-05" },
    ]);
  });

  it("appends to existing partitions and refuses to import the same file twice", async () => {
    const { lake, dir } = fixture({
      "events.csv": EVENTS_CSV,
      "more.csv": "event_id,event_time,user_id,event_type\ne5,2026-03-02T12:00:00Z,u4,page_view\n",
    });
    await importFile({ table: "events", file: join(dir, "events.csv"), lakeDir: lake });
    await importFile({ table: "events", file: join(dir, "more.csv"), lakeDir: lake });
    expect(readdirSync(join(lake, "events", "dt=2026-03-02"))).toHaveLength(2);
    await expect(
      importFile({ table: "events", file: join(dir, "events.csv"), lakeDir: lake }),
    ).rejects.toThrow(/already imported into events.*nothing written/);
    expect(await readBack(lake, "SELECT count(*) AS n FROM events")).toEqual([{ n: 5 }]);
    expect(listImportedFiles(lake)).toHaveLength(3);
  });
});

describe("import orders from JSON Lines", () => {
  it("round-trips amounts exactly, numbers or strings, and timestamps with offsets", async () => {
    const lines = [
      {
        order_id: "o1",
        user_id: "u1",
        order_time: "2026-03-01T10:00:00Z",
        updated_at: "2026-03-01T10:00:05Z",
        amount: 129.9,
        currency: "CNY",
        status: "paid",
      },
      {
        order_id: "o1",
        user_id: "u1",
        order_time: "2026-03-01T10:00:00Z",
        updated_at: "2026-03-03T09:00:00+08:00",
        amount: "129.90",
        currency: "CNY",
        status: "refunded",
        channel: "app",
        campaign_id: null,
        content_id: "c7",
      },
      {
        order_id: "o2",
        user_id: "u2",
        order_time: "2026-03-02T00:30:00+08:00",
        updated_at: "2026-03-02T00:30:00+08:00",
        amount: "0.10",
        currency: "CNY",
        status: "paid",
      },
    ];
    const { lake, dir } = fixture({
      "orders.jsonl": `${lines.map((l) => JSON.stringify(l)).join("\n")}\n\n`,
    });
    const report = await importFile({
      table: "orders",
      file: join(dir, "orders.jsonl"),
      lakeDir: lake,
    });
    expect(report).toMatchObject({ format: "jsonl", rowsWritten: 3 });
    const rows = await readBack(lake, "SELECT * FROM orders ORDER BY order_id, updated_at");
    expect(rows).toEqual([
      {
        order_id: "o1",
        user_id: "u1",
        order_time: "2026-03-01T10:00:00Z",
        updated_at: "2026-03-01T10:00:05Z",
        amount: "129.90",
        currency: "CNY",
        status: "paid",
        channel: null,
        campaign_id: null,
        content_id: null,
        dt: "2026-03-01",
      },
      {
        order_id: "o1",
        user_id: "u1",
        order_time: "2026-03-01T10:00:00Z",
        updated_at: "2026-03-03T01:00:00Z",
        amount: "129.90",
        currency: "CNY",
        status: "refunded",
        channel: "app",
        campaign_id: null,
        content_id: "c7",
        dt: "2026-03-01",
      },
      // 00:30 at +08:00 is the previous UTC day: the dt partition follows UTC.
      {
        order_id: "o2",
        user_id: "u2",
        order_time: "2026-03-01T16:30:00Z",
        updated_at: "2026-03-01T16:30:00Z",
        amount: "0.10",
        currency: "CNY",
        status: "paid",
        channel: null,
        campaign_id: null,
        content_id: null,
        dt: "2026-03-01",
      },
    ]);
  });
});

describe("invalid rows", () => {
  const BAD_CSV = `event_id,event_time,user_id,event_type,channel,content_id,campaign_id,referrer_user_id,automated
e1,2026-03-01 08:30,u1,signup,app,,,,
e2,2026-03-01T23:30:00+08:00,,message_sent,wecom,,,,true
e3,2026-03-02T01:00:00Z,u2,content_view,web,c1,,,
e4,2026-03-02T01:00:00Z,u2,purchase,web,,,,
e5,2026-03-02T01:00:00Z,u2,page_view
e6,2026-03-02T02:00:00Z,u2,message_sent,app,,,,maybe
e7,2026-02-30T02:00:00Z,u2,page_view,app,,,,
e8,2026-03-01T24:00:00Z,u2,page_view,app,,,,
`;

  it("rejects the file with row-level problems and writes nothing", async () => {
    const { lake, dir } = fixture({ "events.csv": BAD_CSV });
    const error = await importFile({
      table: "events",
      file: join(dir, "events.csv"),
      lakeDir: lake,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRowsError);
    const invalid = error as InvalidRowsError;
    expect(invalid.problemCount).toBe(7);
    expect(invalid.rowsRead).toBe(8);
    expect(invalid.message).toMatch(/7 of 8 rows are invalid, nothing was written.*--skip-invalid/);
    expect(invalid.problems.map((p) => [p.line, p.column, p.reason])).toEqual([
      [2, "event_time", expect.stringMatching(/^expected an ISO 8601 time with Z or an offset/)],
      [3, "user_id", "required, but empty"],
      [5, "event_type", expect.stringMatching(/^expected one of signup, session_start, /)],
      [6, null, "expected 9 fields, found 4"],
      [7, "automated", "expected true or false (or empty)"],
      // Date would silently roll these over to March 2nd and to the next day.
      [8, "event_time", "not a real date and time"],
      [9, "event_time", "not a real date and time"],
    ]);
    expect(lakeFiles(lake)).toEqual([]);
  });

  it("with skipInvalid writes only the valid rows and counts the others", async () => {
    const { lake, dir } = fixture({ "events.csv": BAD_CSV });
    const report = await importFile({
      table: "events",
      file: join(dir, "events.csv"),
      lakeDir: lake,
      skipInvalid: true,
    });
    expect(report).toMatchObject({ rowsRead: 8, rowsWritten: 1, rowsSkipped: 7 });
    expect(report.problems).toHaveLength(7);
    expect(await readBack(lake, "SELECT event_id FROM events")).toEqual([{ event_id: "e3" }]);
    expect(lakeFiles(lake)).toHaveLength(1);
  });

  it("rejects negative paid amounts, unknown statuses and unknown JSON keys in orders", async () => {
    const ok = {
      order_id: "o1",
      user_id: "u1",
      order_time: "2026-03-01T10:00:00Z",
      updated_at: "2026-03-01T10:00:00Z",
      amount: "10.00",
      currency: "CNY",
      status: "paid",
    };
    const { lake, dir } = fixture({
      "orders.jsonl": [
        JSON.stringify({ ...ok, amount: -5 }),
        JSON.stringify({ ...ok, status: "shipped" }),
        JSON.stringify({ ...ok, amount: 1.234 }),
        JSON.stringify({ ...ok, coupon: "X" }),
        "[1, 2]",
        "{not json",
        JSON.stringify(ok),
      ].join("\n"),
    });
    const error = (await importFile({
      table: "orders",
      file: join(dir, "orders.jsonl"),
      lakeDir: lake,
    }).catch((e: unknown) => e)) as InvalidRowsError;
    expect(error).toBeInstanceOf(InvalidRowsError);
    expect(error.problems.map((p) => [p.line, p.column, p.reason])).toEqual([
      [
        1,
        "amount",
        "a paid record's amount must not be negative (only refunded and cancelled records may carry a negative amount)",
      ],
      [2, "status", "expected one of paid, refunded, cancelled"],
      [3, "amount", "expected a decimal with at most 2 places, e.g. 129.90"],
      [4, "coupon", "not a column of this table (unknown key)"],
      [5, null, "expected a JSON object"],
      [6, null, "not valid JSON"],
    ]);
    expect(lakeFiles(lake)).toEqual([]);
  });

  it("lists the first problems and then how many more", () => {
    const problems = Array.from({ length: 25 }, (_, i) => ({
      line: i + 2,
      column: "user_id",
      reason: "user_id is required",
    }));
    const lines = formatProblems(problems.slice(0, MAX_REPORTED_PROBLEMS), 25);
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe("  line 2, user_id: user_id is required");
    expect(lines[20]).toBe("  … and 5 more");
  });
});

describe("files that cannot be imported", () => {
  it("names the fix for a missing file, an unknown extension and a wrong format", async () => {
    const { lake, dir } = fixture({
      "events.txt": EVENTS_CSV,
      "events.jsonl": EVENTS_CSV,
      "json.csv": '{"event_id":"e1"}\n',
      "empty.csv": "",
    });
    const attempt = (file: string, format?: "csv" | "jsonl") =>
      importFile({ table: "events", file: join(dir, file), lakeDir: lake, format });
    await expect(attempt("nope.csv")).rejects.toThrow(/cannot read .*nope\.csv: give the path/);
    await expect(attempt("events.txt")).rejects.toThrow(/pass --format csv or --format jsonl/);
    await expect(attempt("events.jsonl")).rejects.toThrow(
      /does not look like JSON Lines.*--format csv/,
    );
    await expect(attempt("json.csv")).rejects.toThrow(/is not valid CSV.*pass --format jsonl/);
    await expect(attempt("empty.csv")).rejects.toThrow(
      /empty: expected a header line such as event_id,event_time/,
    );
    await expect(attempt("events.txt", "csv")).resolves.toMatchObject({ rowsWritten: 4 });
    expect(await attempt("nope.csv").catch((e: unknown) => e)).toBeInstanceOf(ImportError);
  });

  it("names the expected header when a column is unknown or a required one is missing", async () => {
    const { lake, dir } = fixture({
      "typo.csv": "event_id,event_tim,user_id,event_type\n",
      "short.csv": "event_id,user_id\n",
    });
    await expect(
      importFile({ table: "events", file: join(dir, "typo.csv"), lakeDir: lake }),
    ).rejects.toThrow(/unknown column "event_tim".*event_id,event_time,user_id,event_type,channel/);
    await expect(
      importFile({ table: "events", file: join(dir, "short.csv"), lakeDir: lake }),
    ).rejects.toThrow(/lacks required columns event_time, event_type/);
    expect(lakeFiles(lake)).toEqual([]);
  });
});

describe("import dimensions", () => {
  it("replaces the dimension table", async () => {
    const { lake, dir } = fixture({
      "a.csv":
        "id,name,type,start_date,end_date,cost\nc1,Spring,viral,2026-03-01,2026-03-14,1000\nc2,Summer,conversion,2026-06-01,2026-06-30,2500.50\n",
      "b.jsonl": `${JSON.stringify({ id: "c3", title: "Guide", format: "article", published_at: "2026-03-01T09:00:00+08:00", production_cost: 120 })}\n`,
      "c.csv":
        "id,name,type,start_date,end_date,cost\nc9,Autumn,activation,2026-09-01,2026-09-07,300\n",
    });
    await importFile({ table: "campaigns", file: join(dir, "a.csv"), lakeDir: lake });
    expect(await readBack(lake, "SELECT * FROM campaigns ORDER BY id")).toEqual([
      {
        id: "c1",
        name: "Spring",
        type: "viral",
        start_date: "2026-03-01",
        end_date: "2026-03-14",
        cost: "1000.00",
      },
      {
        id: "c2",
        name: "Summer",
        type: "conversion",
        start_date: "2026-06-01",
        end_date: "2026-06-30",
        cost: "2500.50",
      },
    ]);
    await importFile({ table: "campaigns", file: join(dir, "c.csv"), lakeDir: lake });
    expect(await readBack(lake, "SELECT id FROM campaigns")).toEqual([{ id: "c9" }]);
    await importFile({ table: "content", file: join(dir, "b.jsonl"), lakeDir: lake });
    expect(
      await readBack(lake, "SELECT id, published_at, production_cost, channel FROM content"),
    ).toEqual([
      { id: "c3", published_at: "2026-03-01T01:00:00Z", production_cost: "120.00", channel: null },
    ]);
    expect(lakeFiles(lake).map((f) => f.replace(/[0-9a-f]{16}/, "<hash>"))).toEqual([
      "dims/campaigns/import-<hash>.parquet",
      "dims/content/import-<hash>.parquet",
    ]);
  });

  it("rejects a campaign that ends before it starts", async () => {
    const { lake, dir } = fixture({
      "bad.csv":
        "id,name,type,start_date,end_date,cost\nc1,Spring,viral,2026-03-14,2026-03-01,1000\n",
    });
    const error = (await importFile({
      table: "campaigns",
      file: join(dir, "bad.csv"),
      lakeDir: lake,
    }).catch((e: unknown) => e)) as InvalidRowsError;
    expect(error.problems).toEqual([
      { line: 2, column: "end_date", reason: "end_date must not be before start_date" },
    ]);
    expect(lakeFiles(lake)).toEqual([]);
  });
});
