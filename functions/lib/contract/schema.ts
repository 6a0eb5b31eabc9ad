/**
 * The data contract: the tables opspulse reads, their columns, SQL types and row validation.
 *
 * One source for three things: the zod schemas that validate imported rows, the TypeScript
 * row types, and the column list with SQL types that the engines (DuckDB views, Glue tables)
 * and `docs/data-contract.md` use. A test checks the doc against this file.
 */
import * as z from "zod";
import { campaignIdProblem, contentIdProblem } from "./identifiers.ts";

/** Every event type the product knows; anything else is counted as invalid by data quality. */
export const EVENT_TYPES = [
  "signup",
  "session_start",
  "page_view",
  "content_view",
  "content_like",
  "content_comment",
  "content_share",
  "content_click",
  "campaign_join",
  "invite_sent",
  "invite_accepted",
  "message_sent",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const ORDER_STATUSES = ["paid", "refunded", "cancelled"] as const;
export const CAMPAIGN_TYPES = ["acquisition", "activation", "conversion", "viral"] as const;
export const CONTENT_FORMATS = ["article", "video", "live"] as const;

/** SQL column types shared by DuckDB and Athena (Trino) spellings. */
export type SqlType = "varchar" | "timestamp" | "date" | "boolean" | "decimal(18,2)";

/** One column of a contract table. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
  readonly description: string;
}

/** A table of the contract: its columns and how it is laid out in the lake. */
export interface TableSpec {
  readonly name: "events" | "orders" | "campaigns" | "content" | "identities";
  readonly columns: readonly ColumnSpec[];
  /** Column whose UTC date gives the `dt` partition, for fact tables. */
  readonly partitionTimeColumn?: string;
}

const col = (name: string, type: SqlType, nullable: boolean, description: string): ColumnSpec => ({
  name,
  type,
  nullable,
  description,
});

export const TABLES: Record<TableSpec["name"], TableSpec> = {
  events: {
    name: "events",
    partitionTimeColumn: "event_time",
    columns: [
      col("event_id", "varchar", false, "Unique id of the event (duplicates are de-duplicated)."),
      col("event_time", "timestamp", false, "When it happened, UTC."),
      col("user_id", "varchar", false, "The user; null rows are invalid."),
      col("event_type", "varchar", false, `One of: ${EVENT_TYPES.join(", ")}.`),
      col("channel", "varchar", true, "Acquisition/touch channel, e.g. app, web, wecom."),
      col("content_id", "varchar", true, "Content item for content_* events."),
      col("campaign_id", "varchar", true, "Campaign the event is attributed to."),
      col("referrer_user_id", "varchar", true, "Inviting user, for invite_* events."),
      col("automated", "boolean", true, "For message_sent: sent by automation."),
    ],
  },
  orders: {
    name: "orders",
    partitionTimeColumn: "order_time",
    columns: [
      col("order_id", "varchar", false, "Order id; several records per order are expected."),
      col("user_id", "varchar", false, "The buyer."),
      col("order_time", "timestamp", false, "When the order was placed, UTC."),
      col("updated_at", "timestamp", false, "When this record was written; the latest wins."),
      col("amount", "decimal(18,2)", false, "Order amount, exact decimal, in `currency`."),
      col("currency", "varchar", false, "ISO 4217 code; one per deployment (default CNY)."),
      col("status", "varchar", false, `One of: ${ORDER_STATUSES.join(", ")}.`),
      col("channel", "varchar", true, "Channel of the order."),
      col("campaign_id", "varchar", true, "Campaign the order is attributed to."),
      col("content_id", "varchar", true, "Content item the order is attributed to."),
    ],
  },
  campaigns: {
    name: "campaigns",
    columns: [
      col("id", "varchar", false, "Campaign id: letters, digits, `_` and `-`, at most 64; unique."),
      col("name", "varchar", false, "Display name."),
      col("type", "varchar", false, `One of: ${CAMPAIGN_TYPES.join(", ")}.`),
      col("start_date", "date", false, "First local day of the campaign."),
      col("end_date", "date", false, "Last local day of the campaign (inclusive)."),
      col("cost", "decimal(18,2)", false, "Whole cost of the campaign, not negative."),
    ],
  },
  content: {
    name: "content",
    columns: [
      col(
        "id",
        "varchar",
        false,
        "Content id: printable, at most 256 characters (a URL is fine); unique.",
      ),
      col("title", "varchar", false, "Title."),
      col("format", "varchar", false, `One of: ${CONTENT_FORMATS.join(", ")}.`),
      col("channel", "varchar", true, "Where it was published."),
      col("published_at", "timestamp", false, "When it was published, UTC."),
      col("production_cost", "decimal(18,2)", true, "What it cost to produce, not negative."),
    ],
  },
  identities: {
    name: "identities",
    columns: [
      col(
        "source",
        "varchar",
        false,
        "The system the id comes from, e.g. app, web, wecom, orders (for coverage figures).",
      ),
      col(
        "source_user_id",
        "varchar",
        false,
        "The id exactly as it appears in events.user_id / orders.user_id.",
      ),
      col("user_id", "varchar", false, "The person it maps to (the unified user id)."),
      col("valid_from", "timestamp", false, "From when the mapping holds, UTC (inclusive)."),
      col(
        "valid_to",
        "timestamp",
        true,
        "Until when it holds, UTC (exclusive); null: still holds. Mappings of one id must not overlap.",
      ),
    ],
  },
};

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const DECIMAL_18_2 = /^-?\d{1,16}(\.\d{1,2})?$/;

/** True when text starting `YYYY-MM-DD` names a real day (`Date` would roll 02-30 into March). */
function isCalendarDay(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

/** An ISO 8601 instant with `Z` or an offset; parsed to a `Date`. */
const instant = z
  .string()
  .regex(ISO_INSTANT, "expected an ISO 8601 time with Z or an offset, e.g. 2026-03-01T08:30:00Z")
  .refine(
    (text) => isCalendarDay(text) && Number(text.slice(11, 13)) < 24,
    "not a real date and time",
  )
  .transform((text) => new Date(text))
  .refine((date) => !Number.isNaN(date.getTime()), "not a real date and time");

/** A decimal(18,2): a number or a decimal string, kept as an exact string. */
const money = z
  .union([z.number(), z.string()])
  .transform((value) => (typeof value === "number" ? String(value) : value.trim()))
  .refine(
    (text) => DECIMAL_18_2.test(text),
    "expected a decimal with at most 2 places, e.g. 129.90",
  );

const optionalText = z
  .string()
  .nullish()
  .transform((value) => (value === "" || value == null ? null : value));

const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date YYYY-MM-DD")
  .refine(isCalendarDay, "not a real date");

const booleanish = z
  .union([z.boolean(), z.enum(["true", "false", ""])])
  .nullish()
  .transform((value) =>
    value === "" || value == null ? null : value === true || value === "true",
  );

export const eventRowSchema = z.strictObject({
  event_id: z.string().min(1),
  event_time: instant,
  user_id: z.string().min(1, "user_id is required"),
  event_type: z.enum(EVENT_TYPES),
  channel: optionalText,
  content_id: optionalText,
  campaign_id: optionalText,
  referrer_user_id: optionalText,
  automated: booleanish,
});

/**
 * An order record. The sign of a `refunded` or `cancelled` record's amount does not matter
 * (many sources record a refund as a negative amount); a negative amount is invalid only on
 * a `paid` record (shared/kpi-spec.md, "Paid order").
 */
export const orderRowSchema = z
  .strictObject({
    order_id: z.string().min(1),
    user_id: z.string().min(1, "user_id is required"),
    order_time: instant,
    updated_at: instant,
    amount: money,
    currency: z.string().regex(/^[A-Z]{3}$/, "expected an ISO 4217 code such as CNY"),
    status: z.enum(ORDER_STATUSES),
    channel: optionalText,
    campaign_id: optionalText,
    content_id: optionalText,
  })
  .refine((row) => !(row.status === "paid" && /^-(?!0*(\.0*)?$)/.test(row.amount)), {
    message:
      "a paid record's amount must not be negative (only refunded and cancelled records may carry a negative amount)",
    path: ["amount"],
  });

/** A money amount that must not be negative (costs). */
const cost = money.refine((text) => !text.startsWith("-"), "a cost must not be negative");

/** A string checked by one of the identifier rules of `identifiers.ts`. */
const identifier = (problem: (id: unknown) => string | undefined) =>
  z.string().superRefine((id, context) => {
    const message = problem(id);
    if (message) context.addIssue({ code: "custom", message });
  });

export const campaignRowSchema = z
  .strictObject({
    id: identifier(campaignIdProblem),
    name: z.string().min(1),
    type: z.enum(CAMPAIGN_TYPES),
    start_date: calendarDate,
    end_date: calendarDate,
    cost,
  })
  .refine((row) => row.end_date >= row.start_date, {
    message: "end_date must not be before start_date",
    path: ["end_date"],
  });

export const contentRowSchema = z.strictObject({
  id: identifier(contentIdProblem),
  title: z.string().min(1),
  format: z.enum(CONTENT_FORMATS),
  channel: optionalText,
  published_at: instant,
  production_cost: cost.nullish().transform((value) => value ?? null),
});

/**
 * A mapping of a source id to a person (shared/kpi-spec.md, "Identity"): a record of the id
 * maps by its own time. Overlaps between rows are checked over the whole file
 * (`contract/identities.ts`).
 */
export const identityRowSchema = z
  .strictObject({
    source: z.string().min(1, "source is required"),
    source_user_id: z.string().min(1, "source_user_id is required"),
    user_id: z.string().min(1, "user_id is required"),
    valid_from: instant,
    valid_to: z
      .preprocess((value) => (value === "" ? null : value), instant.nullish())
      .transform((value) => value ?? null),
  })
  .refine((row) => row.valid_to === null || row.valid_to > row.valid_from, {
    message: "valid_to must be after valid_from (or empty: the mapping still holds)",
    path: ["valid_to"],
  });

export type EventRow = z.output<typeof eventRowSchema>;
export type OrderRow = z.output<typeof orderRowSchema>;
export type CampaignRow = z.output<typeof campaignRowSchema>;
export type ContentRow = z.output<typeof contentRowSchema>;
export type IdentityRow = z.output<typeof identityRowSchema>;

/** The zod schema that validates one imported row of each table. */
export const ROW_SCHEMAS = {
  events: eventRowSchema,
  orders: orderRowSchema,
  campaigns: campaignRowSchema,
  content: contentRowSchema,
  identities: identityRowSchema,
} as const;
