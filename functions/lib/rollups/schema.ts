/**
 * The rollup tables: small, per-local-day summaries of the raw tables that the runs write
 * themselves, so that a window metric reads one row per user and day instead of every event
 * of 30 to 365 days (dbt's incremental models, kept fresh by fingerprints; see refresh.ts).
 *
 * Each rollup is a logical table of `queries/_sources.yaml` (location `rollups/<name>/`,
 * partitioned by `local_date`, the report-zone day as `YYYY-MM-DD`), built by one portable
 * query file, `queries/rollup_<name>.sql`, from one raw table. The columns below are what
 * that query returns, in order; the DuckDB views and the Glue tables are generated from them
 * as the raw tables' are from the data contract.
 */
import type { SqlType } from "../contract/schema.ts";

/** Column types of a rollup: the contract's types plus the counts. */
export type RollupColumnType = SqlType | "bigint";

export interface RollupColumn {
  readonly name: string;
  readonly type: RollupColumnType;
  readonly description: string;
}

export interface RollupSpec {
  /** Logical table name, as in `_sources.yaml` and in the queries that read it. */
  readonly name: RollupName;
  /** The query file that builds it (`queries/<buildQuery>.sql`). */
  readonly buildQuery: string;
  /** The raw table its partitions are built from; a change there rebuilds them. */
  readonly rawTable: "events" | "orders";
  /** The build query's parameter holding the raw `dt` partitions to read. */
  readonly dtsParam: string;
  /**
   * Whether the build reads its raw table with user ids mapped to persons
   * (`queries/_fragments/mapped_*.sql`): its days' manifests then carry the fingerprint of
   * the mappings valid during the day (identity-map.ts).
   */
  readonly mapsIdentities: boolean;
  /** Output columns without the partition column `local_date`, which comes last. */
  readonly columns: readonly RollupColumn[];
}

export type RollupName =
  | "user_day"
  | "order_day"
  | "campaign_user_day"
  | "channel_user_day"
  | "event_profile"
  | "order_profile"
  | "event_hour"
  | "order_hour"
  | "content_day"
  | "content_views"
  | "event_quality_day"
  | "order_quality_day"
  | "identity_day"
  | "order_identity_day";

/**
 * The query that reads a raw table's partitions for the rollup builds
 * (`queries/rollup_source_<table>.sql`): the one place a build reads raw data, read once
 * for every rollup of the table built for the same days.
 */
export const RAW_READ_QUERIES: Readonly<Record<RollupSpec["rawTable"], string>> = {
  events: "rollup_source_events",
  orders: "rollup_source_orders",
};

/** The rollups built from a raw table (one read of its partitions builds them all). */
export function rollupsReading(rawTable: RollupSpec["rawTable"]): RollupSpec[] {
  return Object.values(ROLLUPS).filter((spec) => spec.rawTable === rawTable);
}

/** The partition column of every rollup: the report-zone local date, `YYYY-MM-DD`. */
export const ROLLUP_PARTITION_COLUMN = "local_date";

const col = (name: string, type: RollupColumnType, description: string): RollupColumn => ({
  name,
  type,
  description,
});

/** The columns both profiles have: records and newest time per dt and UTC quarter-hour. */
function profileColumns(timeColumn: string, records: string): RollupColumn[] {
  return [
    col("dt", "varchar", "The raw dt partition of the records."),
    col(
      "bucket_start",
      "timestamp",
      `UTC quarter-hour of their ${timeColumn}; null: time missing or not on the dt's date.`,
    ),
    col("records", "bigint", records),
    col("newest_time", "timestamp", `Newest ${timeColumn} among them.`),
  ];
}

/** Event types counted in their own `user_day` column, with the column's name. */
export const EVENT_COUNT_COLUMNS = [
  ["signup", "signup_events"],
  ["session_start", "session_start_events"],
  ["page_view", "page_view_events"],
  ["content_view", "content_view_events"],
  ["content_like", "content_like_events"],
  ["content_comment", "content_comment_events"],
  ["content_share", "content_share_events"],
  ["content_click", "content_click_events"],
  ["campaign_join", "campaign_join_events"],
  ["invite_sent", "invite_sent_events"],
  ["invite_accepted", "invite_accepted_events"],
  ["message_sent", "message_sent_events"],
] as const;

export const ROLLUPS: Readonly<Record<RollupName, RollupSpec>> = {
  user_day: {
    name: "user_day",
    mapsIdentities: true,
    buildQuery: "rollup_user_day",
    rawTable: "events",
    dtsParam: "events_dts",
    columns: [
      col("user_id", "varchar", "The user."),
      col("events", "bigint", "Event records of the user that day (duplicates included)."),
      ...EVENT_COUNT_COLUMNS.map(([type, name]) =>
        col(name, "bigint", `Event records of type ${type}.`),
      ),
      col("automated_messages", "bigint", "message_sent records with automated = true."),
      col(
        "private_channel_events",
        "bigint",
        "Event records on a private-domain channel (the configured list); > 0 is the flag.",
      ),
      col(
        "first_signup_time",
        "timestamp",
        "First signup event of the day (UTC); null when the user did not sign up that day.",
      ),
    ],
  },
  order_day: {
    name: "order_day",
    mapsIdentities: true,
    buildQuery: "rollup_order_day",
    rawTable: "orders",
    dtsParam: "orders_dts",
    columns: [
      col("order_id", "varchar", "The order."),
      col("user_id", "varchar", "The buyer."),
      col("order_time", "timestamp", "When the order was placed, UTC."),
      col("updated_at", "timestamp", "updated_at of the record that won."),
      col("amount", "decimal(18,2)", "Amount of the record that won."),
      col("currency", "varchar", "Currency of the record that won."),
      col(
        "status",
        "varchar",
        "Final status: the latest record's (ties: non-paid, then smaller amount).",
      ),
      col("channel", "varchar", "Channel of the record that won."),
      col("campaign_id", "varchar", "Campaign of the record that won."),
      col("content_id", "varchar", "Content item of the record that won."),
      col(
        "is_paid",
        "bigint",
        "1: a paid order (its latest record is paid with a non-negative amount), else 0.",
      ),
      col("records", "bigint", "Records of the order that local day (duplicates, updates)."),
    ],
  },
  campaign_user_day: {
    name: "campaign_user_day",
    mapsIdentities: true,
    buildQuery: "rollup_campaign_user_day",
    rawTable: "events",
    dtsParam: "events_dts",
    columns: [
      col("campaign_id", "varchar", "The campaign the events carry."),
      col("user_id", "varchar", "The user."),
      col("join_events", "bigint", "campaign_join records that day (duplicates included)."),
      col("invites_accepted", "bigint", "Distinct invite_accepted event_ids that day."),
    ],
  },
  channel_user_day: {
    name: "channel_user_day",
    // People, as DAU and new users are: the drivers' channel users add up to what they explain.
    mapsIdentities: true,
    buildQuery: "rollup_channel_user_day",
    rawTable: "events",
    dtsParam: "events_dts",
    columns: [
      col("user_id", "varchar", "The user."),
      col("channel", "varchar", "The channel of the events ('unknown' when they carry none)."),
      col("events", "bigint", "Event records of the user on the channel that day."),
      col(
        "first_signup_time",
        "timestamp",
        "First signup event of the day on the channel (UTC); null when none.",
      ),
    ],
  },
  event_profile: {
    name: "event_profile",
    mapsIdentities: false,
    buildQuery: "rollup_event_profile",
    rawTable: "events",
    dtsParam: "events_dts",
    columns: [
      ...profileColumns("event_time", "Event records (invalid ones and duplicates included)."),
      col(
        "newest_valid_time",
        "timestamp",
        "Newest event_time of those with a user and a known event type.",
      ),
    ],
  },
  order_profile: {
    name: "order_profile",
    mapsIdentities: false,
    buildQuery: "rollup_order_profile",
    rawTable: "orders",
    dtsParam: "orders_dts",
    columns: profileColumns(
      "order_time",
      "Order records (invalid ones, duplicates and updates included).",
    ),
  },
  ...hourlyRollups(),
  ...qualityRollups(),
};

/**
 * The hourly rollups of the intra-day pulse (functions/lib/kpi/pulse.ts): per local day,
 * local hour and channel. Kept apart from {@link ROLLUPS}' other entries so that a build
 * scanning each raw table once can fold them in as they are.
 */
function hourlyRollups(): Pick<Record<RollupName, RollupSpec>, "event_hour" | "order_hour"> {
  const hourAndChannel = [
    col(
      "local_hour",
      "bigint",
      "Whole hours since the local day's start (0–23; 24 on a 25-hour day).",
    ),
    col(
      "channel",
      "varchar",
      "Channel of the records (orders: of their latest record); null: none.",
    ),
  ];
  return {
    event_hour: {
      name: "event_hour",
      // Built from raw (unmapped) records: the intra-day pulse counts ids (docs/identity.md).
      mapsIdentities: false,
      buildQuery: "rollup_event_hour",
      rawTable: "events",
      dtsParam: "events_dts",
      columns: [
        ...hourAndChannel,
        col("records", "bigint", "Event records (invalid ones and duplicates included)."),
        col("valid_events", "bigint", "Records with a user and a known event type."),
        col("users", "bigint", "Distinct users of the valid records."),
        col("signups", "bigint", "Distinct users with a valid signup record."),
        col("oldest_valid_time", "timestamp", "Oldest event_time of the valid records."),
        col("newest_valid_time", "timestamp", "Newest event_time of the valid records."),
      ],
    },
    order_hour: {
      name: "order_hour",
      // Built from raw (unmapped) records: the intra-day pulse counts ids (docs/identity.md).
      mapsIdentities: false,
      buildQuery: "rollup_order_hour",
      rawTable: "orders",
      dtsParam: "orders_dts",
      columns: [
        ...hourAndChannel,
        col("records", "bigint", "Order records (duplicates and updates included)."),
        col("orders", "bigint", "Distinct valid orders."),
        col("paid_orders", "bigint", "Orders whose latest record is paid."),
        col("buyers", "bigint", "Distinct users with a paid order."),
        col("gmv", "decimal(18,2)", "Amount of the paid orders."),
        col("oldest_valid_time", "timestamp", "Oldest order_time of the valid records."),
        col("newest_valid_time", "timestamp", "Newest order_time of the valid records."),
      ],
    },
  };
}

/**
 * The day rollups of the content and efficiency modules (issue 25): built from the same
 * staged read as the other rollups of their raw table, so that a run's content and data
 * quality read no raw partition of a period already over.
 */
function qualityRollups(): Pick<
  Record<RollupName, RollupSpec>,
  | "content_day"
  | "content_views"
  | "event_quality_day"
  | "order_quality_day"
  | "identity_day"
  | "order_identity_day"
> {
  const counts = (names: readonly (readonly [string, string])[]) =>
    names.map(([name, description]) => col(name, "bigint", description));
  return {
    content_day: {
      name: "content_day",
      mapsIdentities: false,
      // Content counts ids as recorded (content_items.sql reads unmapped events).
      buildQuery: "rollup_content_day",
      rawTable: "events",
      dtsParam: "events_dts",
      columns: [
        col("content_id", "varchar", "The content item; null: events without a content id."),
        ...counts([
          ["views", "Distinct valid content_view event ids of the day."],
          ["likes", "Distinct valid content_like event ids."],
          ["comments", "Distinct valid content_comment event ids."],
          ["shares", "Distinct valid content_share event ids."],
        ]),
      ],
    },
    content_views: {
      name: "content_views",
      mapsIdentities: false,
      buildQuery: "rollup_content_views",
      rawTable: "events",
      dtsParam: "events_dts",
      columns: [
        col("content_id", "varchar", "The content item."),
        col("event_time", "timestamp", "The views' event_time (UTC)."),
        col("views", "bigint", "Distinct valid content_view event ids at that instant."),
      ],
    },
    identity_day: {
      name: "identity_day",
      // Ids as recorded, with whether the map resolved them (identity coverage).
      mapsIdentities: true,
      buildQuery: "rollup_identity_day",
      rawTable: "events",
      dtsParam: "events_dts",
      columns: [
        col("source_user_id", "varchar", "The id as recorded, with a valid event that day."),
        col("is_mapped", "bigint", "1: a mapping was valid at one of its events that day."),
      ],
    },
    order_identity_day: {
      name: "order_identity_day",
      mapsIdentities: true,
      buildQuery: "rollup_order_identity_day",
      rawTable: "orders",
      dtsParam: "orders_dts",
      columns: counts([
        ["paid_orders", "Paid orders placed that day."],
        ["mapped_paid_orders", "Of those, the orders whose buyer id was mapped at order_time."],
      ]),
    },
    event_quality_day: {
      name: "event_quality_day",
      mapsIdentities: false,
      buildQuery: "rollup_event_quality_day",
      rawTable: "events",
      dtsParam: "events_dts",
      columns: counts([
        ["records", "Event records of the day (event_time in it)."],
        ["passing_records", "Event ids with an otherwise valid record (a user, a known type)."],
        ["missing_id", "Records without an event_id."],
        ["null_user", "Records without a user."],
        ["unknown_type", "Records of a null or unknown event type."],
        ["duplicate", "Copies of an event_id beyond its first record."],
        ["messages", "Distinct message_sent ids with a user."],
        ["automated_messages", "Of those, the ids with an automated record."],
      ]),
    },
    order_quality_day: {
      name: "order_quality_day",
      mapsIdentities: false,
      buildQuery: "rollup_order_quality_day",
      rawTable: "orders",
      dtsParam: "orders_dts",
      columns: [
        col(
          "late_updated_at",
          "timestamp",
          "The records' updated_at when at or after the day's end (compared with a run's time); null: earlier or none.",
        ),
        ...counts([
          ["records", "Order records of the day (order_time in it)."],
          ["passing_keys", "(order_id, updated_at) keys with an otherwise valid copy."],
          ["missing_id", "Records without an order_id."],
          ["null_user", "Records without a user."],
          ["negative_amount", "paid records with a negative amount."],
          ["unknown_status", "Records of a null or unknown status."],
          ["duplicate", "Copies of an (order_id, updated_at) beyond its first record."],
        ]),
      ],
    },
  };
}

/** The rollup spec of a logical table name, or undefined for a raw table. */
export function rollupSpec(name: string): RollupSpec | undefined {
  return (ROLLUPS as Readonly<Record<string, RollupSpec | undefined>>)[name];
}
