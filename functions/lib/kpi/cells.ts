/**
 * Reading typed cells of a query's row, with an error naming the row (`source`, e.g.
 * `campaign row`) and the column when a cell is not what the query promises.
 */
import type { Row } from "./values.ts";

/** A non-negative whole count (a BIGINT may arrive as a string). */
export function countCell(row: Row, column: string, source: string): number {
  const cell = row[column];
  const value = typeof cell === "string" ? Number(cell) : cell;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${source}: column ${column} must be a count, got ${String(cell)}`);
  }
  return value;
}

/** Exact cents of a decimal cell (decimal(38,2) arrives as a string); null is 0. */
export function centsCell(row: Row, column: string, source: string): number {
  const cell = row[column];
  if (cell === null || cell === undefined) return 0;
  const value = Number(cell);
  if (!Number.isFinite(value)) {
    throw new Error(`${source}: column ${column} must be a decimal, got ${String(cell)}`);
  }
  return Math.round(value * 100);
}
