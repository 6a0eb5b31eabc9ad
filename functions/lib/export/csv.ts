/**
 * Every CSV the product writes goes through {@link toCsvText}: the emails' metric-table
 * attachment and `opspulse export`. Text cells are neutralised against spreadsheet formula
 * injection the way OWASP recommends ("CSV Injection"): a text cell starting with `=`, `+`,
 * `-`, `@`, a tab or a carriage return gets a leading `'`, so Excel, LibreOffice and Google
 * Sheets show it as text instead of evaluating it (a campaign named `=HYPERLINK(…)` stays a
 * name). Numbers are written as numbers, so a negative number stays a number, and every
 * cell is quoted as RFC 4180 requires (the writer doubles quotes).
 */
import { stringify } from "csv-stringify/sync";

/** First characters a spreadsheet reads as the start of a formula (OWASP's list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell as a spreadsheet shows it verbatim: formula starts get a leading `'`. */
export function neutralizeCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** A number as a spreadsheet reads it back exactly: no exponent for ordinary values. */
export function numberText(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15)));
}

/** One cell of a row: text (neutralised), a number, or empty for null. */
export type CsvCell = string | number | boolean | null | undefined;

/** CSV text with a header row and CRLF line ends; text cells neutralised, numbers kept. */
export function toCsvText(
  columns: readonly string[],
  rows: readonly (readonly CsvCell[])[],
): string {
  return stringify(
    rows.map((row) => row.map((cell) => (typeof cell === "string" ? neutralizeCell(cell) : cell))),
    {
      header: true,
      columns: columns.map(neutralizeCell),
      record_delimiter: "windows",
      cast: { number: (value) => numberText(value) },
    },
  );
}
