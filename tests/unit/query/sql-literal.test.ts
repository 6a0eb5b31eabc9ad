import { describe, expect, it } from "vitest";
import {
  globPathProblem,
  SqlLiteralError,
  sqlString,
} from "../../../functions/lib/query/sql-literal.ts";

describe("sqlString", () => {
  it("quotes text and doubles its quotes; other characters are kept as they are", () => {
    expect(sqlString("/tmp/o'brien's lake 数据")).toBe("'/tmp/o''brien''s lake 数据'");
    expect(sqlString("a\nb\u001b")).toBe("'a\nb\u001b'");
    expect(sqlString("")).toBe("''");
  });

  it("refuses NUL, which no SQL string can hold", () => {
    expect(() => sqlString("a\u0000b")).toThrow(SqlLiteralError);
  });
});

describe("globPathProblem", () => {
  it("names glob and control characters, and nothing in an ordinary path", () => {
    expect(globPathProblem("/data/o'brien lake 数据")).toBeUndefined();
    for (const path of ["/data/lake*", "/data/[a]", "/data/{a,b}", "/data/?"]) {
      expect(globPathProblem(path)).toMatch(/glob character/);
    }
    expect(globPathProblem("/data/a\nb")).toMatch(/control character/);
  });
});
