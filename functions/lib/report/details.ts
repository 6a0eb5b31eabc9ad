/**
 * The tables a KPI module may return beside its metrics (`ModuleResult.details`), and how
 * the report reads them without knowing the module.
 *
 * A module gets a good-looking table by returning a {@link DetailTable}:
 *
 * ```ts
 * details: {
 *   rfm_segments: {
 *     section: "segments",
 *     title: { en: "RFM segments", "zh-CN": "RFM 分层" },
 *     columns: [
 *       { key: "segment", label: { en: "Segment", "zh-CN": "分层" } },
 *       { key: "customers", label: { en: "Customers", "zh-CN": "客户数" }, unit: "count" },
 *       { key: "revenue", label: { en: "Revenue", "zh-CN": "收入" }, unit: "money" },
 *     ],
 *     rows: [{ segment: "important value", customers: 812, revenue: 120345.5 }],
 *   },
 * }
 * ```
 *
 * Anything simpler also renders: a list of flat records (columns from their keys), or one
 * flat record (a two-column key/value table). Column keys that are metric ids get the
 * registry's label. A cell may be a text in each locale (`{ en: "New", "zh-CN": "新用户" }`),
 * shown in the email's language. Other shapes are kept in the snapshot but not shown.
 */
import { isMetricId, type Locale, metric, type Section, type Unit } from "../kpi/registry.ts";
import type { Cell } from "../ports.ts";

/** A text in each locale, or one text for all. */
export type LocalizedText = string | Readonly<Partial<Record<Locale, string>>>;

export interface DetailColumn {
  readonly key: string;
  readonly label?: LocalizedText;
  /** Formats numbers of the column like metric values of this unit. */
  readonly unit?: Unit;
}

/** A cell of a detail table: a value, or a text in each locale. */
export type DetailCell = Cell | Readonly<Partial<Record<Locale, string>>>;

/** A table for the report email, from a module's `details`. */
export interface DetailTable {
  /** The registry section it is shown in; without one it goes to "More details". */
  readonly section?: Section;
  readonly title?: LocalizedText;
  readonly columns?: readonly (string | DetailColumn)[];
  /** Records keyed by column, or arrays in column order (then `columns` is required). */
  readonly rows: readonly (Readonly<Record<string, DetailCell>> | readonly DetailCell[])[];
}

/** A detail in the one shape the renderer draws. */
export interface NormalizedTable {
  readonly key: string;
  readonly section?: Section;
  readonly title: LocalizedText;
  readonly columns: readonly DetailColumn[];
  readonly rows: readonly (readonly Cell[])[];
}

/** Reads one `details` entry for `locale`; undefined when its shape is not a table. */
export function normalizeDetail(
  key: string,
  value: unknown,
  locale: Locale,
): NormalizedTable | undefined {
  const title = humanize(key);
  if (Array.isArray(value)) return fromRecords(key, title, undefined, undefined, value, locale);
  if (!isRecord(value)) return undefined;
  if (Array.isArray(value.rows)) {
    const section = typeof value.section === "string" ? (value.section as Section) : undefined;
    const ownTitle = isLocalizedText(value.title) ? value.title : title;
    const columns = Array.isArray(value.columns) ? value.columns.map(toColumn) : undefined;
    if (columns?.some((c) => c === undefined)) return undefined;
    return fromRecords(
      key,
      ownTitle,
      section,
      columns as DetailColumn[] | undefined,
      value.rows,
      locale,
    );
  }
  const entries = Object.entries(value);
  if (entries.length === 0 || !entries.every(([, v]) => isCell(v))) return undefined;
  return {
    key,
    title,
    columns: [
      { key: "key", label: "" },
      { key: "value", label: "" },
    ],
    rows: entries.map(([k, v]) => [columnLabel({ key: k }, locale), v as Cell]),
  };
}

/** The label of a column key: the metric's label when the key is a metric id. */
export function columnLabel(column: DetailColumn, locale: Locale): string {
  if (column.label !== undefined) return localize(column.label, locale);
  return isMetricId(column.key) ? metric(column.key).label[locale] : humanize(column.key);
}

/** The text of `locale`, falling back to English, then to any. */
export function localize(text: LocalizedText, locale: Locale): string {
  if (typeof text === "string") return text;
  return text[locale] ?? text.en ?? Object.values(text)[0] ?? "";
}

function fromRecords(
  key: string,
  title: LocalizedText,
  section: Section | undefined,
  columns: readonly DetailColumn[] | undefined,
  rows: readonly unknown[],
  locale: Locale,
): NormalizedTable | undefined {
  const cellOf = (value: unknown) => localizedCell(value, locale);
  if (rows.every((row) => Array.isArray(row))) {
    if (!columns) return undefined;
    const cells = (rows as unknown[][]).map((row) => row.map(cellOf));
    if (!cells.every((row) => row.every((cell) => cell !== undefined))) return undefined;
    return { key, title, ...(section ? { section } : {}), columns, rows: cells as Cell[][] };
  }
  if (
    !rows.every((row) => isRecord(row) && Object.values(row).every((v) => cellOf(v) !== undefined))
  ) {
    return undefined;
  }
  const records = (rows as Record<string, unknown>[]).map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, cellOf(v) as Cell])),
  );
  const keys = columns ?? unionOfKeys(records).map((k) => ({ key: k }));
  return {
    key,
    title,
    ...(section ? { section } : {}),
    columns: keys,
    rows: records.map((record) => keys.map((column) => record[column.key] ?? null)),
  };
}

function unionOfKeys(records: readonly Record<string, Cell>[]): string[] {
  const keys = new Set<string>();
  for (const record of records) for (const k of Object.keys(record)) keys.add(k);
  return [...keys];
}

function toColumn(value: unknown): DetailColumn | undefined {
  if (typeof value === "string") return { key: value };
  if (isRecord(value) && typeof value.key === "string") {
    return {
      key: value.key,
      ...(isLocalizedText(value.label) ? { label: value.label } : {}),
      ...(typeof value.unit === "string" ? { unit: value.unit as Unit } : {}),
    };
  }
  return undefined;
}

/** `rfm_segments` → `Rfm segments`. */
function humanize(key: string): string {
  const words = key.replaceAll(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A cell as drawn: itself, or a per-locale text in `locale`; undefined for other shapes. */
function localizedCell(value: unknown, locale: Locale): Cell | undefined {
  if (isCell(value)) return value;
  if (
    isRecord(value) &&
    Object.keys(value).length > 0 &&
    Object.entries(value).every(([k, v]) => (k === "en" || k === "zh-CN") && typeof v === "string")
  ) {
    return localize(value as Readonly<Partial<Record<Locale, string>>>, locale);
  }
  return undefined;
}

function isCell(value: unknown): value is Cell {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean"
  );
}

function isLocalizedText(value: unknown): value is LocalizedText {
  return (
    typeof value === "string" ||
    (isRecord(value) && Object.values(value).every((v) => typeof v === "string"))
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
