/**
 * A lake's tables read back as the oracles' plain rows (tests/oracle/ops-lake.ts,
 * tests/oracle/identities.ts), straight from its Parquet files: for tests that run the
 * product on a generated lake and check it against the oracles. Instants as epoch
 * milliseconds and decimals as text, so nothing is rounded on the way.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { OracleIdentity } from "../oracle/identities.ts";
import type { Lake, LakeCampaign, LakeContent, LakeEvent, LakeOrder } from "../oracle/ops-lake.ts";

type Row = Record<string, unknown>;

const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
const instant = (value: unknown) => new Date(Number(value));

/** Every row of the lake's events, orders, campaigns and content, and its identity map (empty without one). */
export async function readLakeRows(
  lakeDir: string,
): Promise<Lake & { readonly identities: readonly OracleIdentity[] }> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const read = async (sql: string): Promise<Row[]> =>
    (await connection.runAndReadAll(sql)).getRowObjectsJS() as Row[];
  const files = (...parts: string[]) => `read_parquet('${join(lakeDir, ...parts)}')`;
  try {
    const events = (
      await read(`select event_id, epoch_ms(event_time) as event_time, user_id, event_type, channel,
        content_id, campaign_id, referrer_user_id, automated
        from ${files("events", "dt=*", "*.parquet")}`)
    ).map(
      (r): LakeEvent => ({
        event_id: text(r.event_id),
        event_time: instant(r.event_time),
        user_id: text(r.user_id),
        event_type: text(r.event_type),
        channel: text(r.channel),
        content_id: text(r.content_id),
        campaign_id: text(r.campaign_id),
        referrer_user_id: text(r.referrer_user_id),
        automated: r.automated === null ? null : Boolean(r.automated),
      }),
    );
    const orders = (
      await read(`select order_id, user_id, epoch_ms(order_time) as order_time,
        epoch_ms(updated_at) as updated_at, cast(amount as varchar) as amount, currency, status,
        channel, campaign_id, content_id
        from ${files("orders", "dt=*", "*.parquet")}`)
    ).map(
      (r): LakeOrder => ({
        order_id: text(r.order_id),
        user_id: text(r.user_id),
        order_time: instant(r.order_time),
        updated_at: instant(r.updated_at),
        amount: String(r.amount),
        currency: String(r.currency),
        status: text(r.status),
        channel: text(r.channel),
        campaign_id: text(r.campaign_id),
        content_id: text(r.content_id),
      }),
    );
    const campaigns = (
      await read(`select id, name, type, cast(start_date as varchar) as start_date,
        cast(end_date as varchar) as end_date, cast(cost as varchar) as cost
        from ${files("dims", "campaigns", "*.parquet")}`)
    ).map(
      (r): LakeCampaign => ({
        id: String(r.id),
        name: String(r.name),
        type: String(r.type),
        start_date: String(r.start_date),
        end_date: String(r.end_date),
        cost: String(r.cost),
      }),
    );
    const content = (
      await read(`select id, title, format, channel, epoch_ms(published_at) as published_at,
        cast(production_cost as varchar) as production_cost
        from ${files("dims", "content", "*.parquet")}`)
    ).map(
      (r): LakeContent => ({
        id: String(r.id),
        title: String(r.title),
        format: String(r.format),
        channel: text(r.channel),
        published_at: instant(r.published_at),
        production_cost: text(r.production_cost),
      }),
    );
    const identities = existsSync(join(lakeDir, "dims", "identities"))
      ? (
          await read(`select source, source_user_id, user_id, epoch_ms(valid_from) as valid_from,
            epoch_ms(valid_to) as valid_to
            from ${files("dims", "identities", "*.parquet")}`)
        ).map(
          (r): OracleIdentity => ({
            source: String(r.source),
            source_user_id: String(r.source_user_id),
            user_id: String(r.user_id),
            valid_from: instant(r.valid_from),
            valid_to: r.valid_to === null ? null : instant(r.valid_to),
          }),
        )
      : [];
    return { events, orders, campaigns, content, identities };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
