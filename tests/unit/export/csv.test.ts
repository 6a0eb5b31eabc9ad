import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { neutralizeCell, toCsvText } from "../../../functions/lib/export/csv.ts";

describe("neutralizeCell (OWASP CSV injection)", () => {
  it("prefixes a quote to text starting with =, +, -, @, tab or CR, and leaves other text", () => {
    for (const start of ["=", "+", "-", "@", "\t", "\r"]) {
      expect(neutralizeCell(`${start}1+1`)).toBe(`'${start}1+1`);
    }
    for (const text of ["", "a=1", " =1", "'=1", "数据", "1-2"]) {
      expect(neutralizeCell(text)).toBe(text);
    }
  });
});

describe("toCsvText", () => {
  it("neutralises text cells and the header, keeps numbers (negative ones too) as numbers", () => {
    const text = toCsvText(
      ["name", "=value"],
      [
        ["-2", -2],
        ['=HYPERLINK("http://example.com")', 0.1 + 0.2],
        [null, 1e21],
      ],
    );
    const rows = parse(text) as string[][];
    expect(rows).toEqual([
      ["name", "'=value"],
      ["'-2", "-2"],
      ['\'=HYPERLINK("http://example.com")', "0.3"],
      ["", "1e+21"],
    ]);
    expect(text.split("\r\n")).toHaveLength(5);
  });
});
