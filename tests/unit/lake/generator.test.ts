import { createHash } from "node:crypto";
import { globSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { EVENT_TYPES } from "../../../functions/lib/contract/schema.ts";
import {
  DEFAULT_GENERATE_OPTIONS,
  GenerateOptionsError,
  type GenerateSummary,
  generateLake,
} from "../../../functions/lib/lake/generator.ts";

const SMALL = { seed: 7, days: 20, users: 300, endDate: "2026-11-22" };
const root = mkdtempSync(join(tmpdir(), "opspulse-"));
let summary: GenerateSummary;
let engine: Awaited<ReturnType<typeof createDuckDbEngine>>;

/** sha256 over every file of a folder: relative paths and bytes, in sorted order. */
function contentHash(dir: string): string {
  const hash = createHash("sha256");
  for (const file of globSync("**/*", { cwd: dir, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort()) {
    hash
      .update(file)
      .update("\0")
      .update(readFileSync(join(dir, file)))
      .update("\0");
  }
  return hash.digest("hex");
}

async function rows(sql: string) {
  return engine.raw(sql);
}
async function scalar(sql: string) {
  const [row] = await rows(sql);
  return Object.values(row ?? {})[0];
}

beforeAll(async () => {
  summary = await generateLake({ ...SMALL, lakeDir: join(root, "a") });
  engine = await createDuckDbEngine({ lakeDir: join(root, "a"), threads: 1 });
});
afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("generateLake determinism", () => {
  it("writes the same bytes for the same options, and different ones for another seed", async () => {
    await generateLake({ ...SMALL, lakeDir: join(root, "b") });
    await generateLake({ ...SMALL, seed: 8, lakeDir: join(root, "c") });
    expect(contentHash(join(root, "b"))).toBe(contentHash(join(root, "a")));
    expect(contentHash(join(root, "c"))).not.toBe(contentHash(join(root, "a")));
  });

  it("replaces the tables when run again into the same folder", async () => {
    const again = join(root, "d");
    await generateLake({ ...SMALL, days: 25, lakeDir: again });
    await generateLake({ ...SMALL, lakeDir: again });
    expect(contentHash(again)).toBe(contentHash(join(root, "a")));
  });
});

describe("generated lake layout", () => {
  it("has one dt=YYYY-MM-DD folder per day, ending at the end date", () => {
    for (const table of ["events", "orders"]) {
      const folders = readdirSync(join(root, "a", table)).sort();
      expect(folders.every((name) => /^dt=\d{4}-\d{2}-\d{2}$/.test(name))).toBe(true);
      expect(folders).toHaveLength(SMALL.days);
      expect(folders[0]).toBe("dt=2026-11-03");
      expect(folders.at(-1)).toBe("dt=2026-11-22");
    }
    expect(readdirSync(join(root, "a", "dims")).sort()).toEqual([
      "campaigns",
      "content",
      "identities",
    ]);
  });

  it("puts every row in the partition of the UTC date of its time", async () => {
    expect(await scalar("SELECT count(*) FROM events")).toBeGreaterThan(1000);
    expect(
      await scalar("SELECT count(*) FROM events WHERE dt <> strftime(event_time, '%Y-%m-%d')"),
    ).toBe(0);
    expect(
      await scalar("SELECT count(*) FROM orders WHERE dt <> strftime(order_time, '%Y-%m-%d')"),
    ).toBe(0);
  });

  it("reports what it wrote", async () => {
    expect(summary.rows.events).toBe(await scalar("SELECT count(*) FROM events"));
    expect(summary.rows.orders).toBe(await scalar("SELECT count(*) FROM orders"));
    expect(summary.rows.campaigns).toBe(await scalar("SELECT count(*) FROM campaigns"));
    expect(summary.rows.content).toBe(await scalar("SELECT count(*) FROM content"));
    expect(summary.signups).toBe(SMALL.users);
    expect(summary.firstDate).toBe("2026-11-03");
    expect(summary.bytes).toBeGreaterThan(0);
  });

  it("writes late records as a second file of old partitions", () => {
    const late = globSync(join(root, "a", "{events,orders}", "dt=*", "late-0.parquet"));
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((file) => !file.includes("dt=2026-11-22"))).toBe(true);
  });
});

describe("generated lake shapes", () => {
  it("has every event type, public and private channels, and automated and manual messages", async () => {
    const types = (await rows("SELECT DISTINCT event_type FROM events")).map((r) => r.event_type);
    expect(types).toEqual(expect.arrayContaining([...EVENT_TYPES]));
    const channels = (await rows("SELECT DISTINCT channel FROM events")).map((r) => r.channel);
    expect(channels).toEqual(
      expect.arrayContaining(["app", "web", "search", "ads", "wecom", "community", "miniprogram"]),
    );
    const automated = Number(
      await scalar(
        "SELECT avg(CASE WHEN automated THEN 1 ELSE 0 END) FROM events WHERE event_type = 'message_sent'",
      ),
    );
    expect(automated).toBeGreaterThan(0.55);
    expect(automated).toBeLessThan(0.85);
  });

  it("has paid, refunded and cancelled orders, and duplicate order records", async () => {
    const statuses = (await rows("SELECT DISTINCT status FROM orders")).map((r) => r.status);
    expect(statuses.sort()).toEqual(["cancelled", "paid", "refunded"]);
    const refunded = await rows(
      "SELECT o.order_id FROM orders o JOIN orders p USING (order_id) WHERE o.status = 'refunded' AND p.status = 'paid' AND o.updated_at > p.updated_at LIMIT 1",
    );
    expect(refunded).toHaveLength(1);
    expect(
      await scalar(
        "SELECT count(*) FROM (SELECT order_id, updated_at FROM orders GROUP BY ALL HAVING count(*) > 1)",
      ),
    ).toBeGreaterThan(0);
    expect(
      await scalar("SELECT count(*) FROM orders WHERE content_id IS NOT NULL AND status = 'paid'"),
    ).toBeGreaterThan(0);
  });

  it("has a campaign running on the end date, one that ended the day before, and one to come", async () => {
    const end = "DATE '2026-11-22'";
    expect(
      await scalar(
        `SELECT count(*) FROM campaigns WHERE start_date <= ${end} AND end_date >= ${end}`,
      ),
    ).toBeGreaterThan(0);
    expect(await scalar(`SELECT count(*) FROM campaigns WHERE end_date = ${end} - 1`)).toBe(1);
    expect(
      await scalar(`SELECT count(*) FROM campaigns WHERE start_date > ${end}`),
    ).toBeGreaterThan(0);
    const running = await rows(
      `SELECT count(*) FILTER (WHERE e.event_type = 'campaign_join') AS joins, count(*) FILTER (WHERE e.event_type = 'invite_sent') AS invites
       FROM campaigns c JOIN events e ON e.campaign_id = c.id WHERE c.start_date <= ${end} AND c.end_date >= ${end}`,
    );
    expect(Number(running[0]?.joins)).toBeGreaterThan(0);
    expect(Number(running[0]?.invites)).toBeGreaterThan(0);
    expect(
      await scalar(
        "SELECT count(*) FROM events WHERE event_type = 'invite_accepted' AND referrer_user_id IS NOT NULL AND campaign_id IS NOT NULL",
      ),
    ).toBeGreaterThan(0);
  });

  it("publishes articles and videos with a production cost", async () => {
    const formats = await rows(
      "SELECT format, count(*) AS n, sum(production_cost) AS cost FROM content GROUP BY 1 ORDER BY 1",
    );
    expect(formats.map((r) => r.format)).toEqual(expect.arrayContaining(["article", "video"]));
    expect(formats.every((r) => Number(r.cost) > 0)).toBe(true);
  });

  it("gives 30 % of people two or three ids across channels, and maps most of them", async () => {
    const [row] = await rows(`WITH people AS (
          SELECT coalesce(i.user_id, e.user_id) AS person, count(DISTINCT e.user_id) AS ids
          FROM events AS e
          LEFT JOIN identities AS i
            ON i.source_user_id = e.user_id AND e.event_time >= i.valid_from
          WHERE e.user_id IS NOT NULL
          GROUP BY 1)
        SELECT
          (SELECT count(*) FROM people) AS people,
          (SELECT count(*) FROM people WHERE ids = 3) AS three_ids,
          (SELECT count(*) FROM identities WHERE user_id <> source_user_id) AS aliases,
          (SELECT count(DISTINCT user_id) FROM events WHERE user_id LIKE 'web_%' ESCAPE '\\'
             OR user_id LIKE 'wx_%' ESCAPE '\\') AS alias_ids,
          (SELECT count(*) FROM identities WHERE source = 'orders') AS multi_id_people,
          (SELECT count(DISTINCT user_id) FROM events WHERE user_id LIKE 'usr_%' ESCAPE '\\') AS member_ids`);
    const count = (name: string) => Number(row?.[name]);
    const multiIdShare = count("multi_id_people") / count("member_ids");
    expect(multiIdShare).toBeGreaterThan(0.2);
    expect(multiIdShare).toBeLessThan(0.4);
    expect(count("three_ids")).toBeGreaterThan(0);
    // Some aliases stay unmapped, most are mapped.
    expect(count("aliases")).toBeLessThan(count("alias_ids"));
    expect(count("aliases")).toBeGreaterThan(0.75 * count("alias_ids"));
  });

  it("has a few invalid records of each kind, below 1 % of all", async () => {
    const invalid = await rows(`SELECT
        (SELECT count(*) FROM events WHERE user_id IS NULL) AS null_users,
        (SELECT count(*) FROM events WHERE event_type NOT IN (${EVENT_TYPES.map((t) => `'${t}'`).join(", ")})) AS unknown_types,
        (SELECT count(*) - count(DISTINCT event_id) FROM events) AS duplicate_ids,
        (SELECT count(*) FROM orders WHERE amount < 0) AS negative_amounts,
        (SELECT count(*) FROM orders WHERE updated_at >= TIMESTAMP '2026-11-23') AS future_updates,
        (SELECT count(*) FROM events) AS events`);
    const row = invalid[0]!;
    expect(Number(row.null_users)).toBeGreaterThan(0);
    expect(Number(row.unknown_types)).toBeGreaterThan(0);
    expect(Number(row.duplicate_ids)).toBeGreaterThan(0);
    const bad = Number(row.null_users) + Number(row.unknown_types) + Number(row.duplicate_ids);
    expect(bad / Number(row.events)).toBeLessThan(0.01);
    expect(summary.invalid.events).toBe(bad);
  });

  it("records a share of refunds with negative amounts and has users who sign up again", async () => {
    const dir = join(root, "rulings");
    await generateLake({ seed: 7, days: 45, users: 3000, endDate: "2026-11-22", lakeDir: dir });
    const lake = await createDuckDbEngine({ lakeDir: dir, threads: 1 });
    try {
      const [row] = await lake.raw(`SELECT
          (SELECT count(*) FROM orders WHERE status = 'refunded') AS refunds,
          (SELECT count(*) FROM orders WHERE status = 'refunded' AND amount < 0) AS negative_refunds,
          (SELECT count(*) FROM orders WHERE status = 'paid' AND amount < 0) AS negative_paid,
          (SELECT count(*) FROM (
            SELECT user_id FROM events WHERE event_type = 'signup' AND user_id IS NOT NULL
            GROUP BY user_id HAVING count(DISTINCT CAST(event_time + INTERVAL 8 HOUR AS DATE)) > 1
          )) AS signed_up_again`);
      const share = Number(row?.negative_refunds) / Number(row?.refunds);
      expect(share).toBeGreaterThan(0.15);
      expect(share).toBeLessThan(0.45);
      expect(Number(row?.negative_paid)).toBe(0);
      expect(Number(row?.signed_up_again)).toBeGreaterThan(10);
    } finally {
      await lake.close();
    }
  });

  it("gives the retention curve its documented shape (a larger lake)", async () => {
    const dir = join(root, "retention");
    await generateLake({ seed: 7, days: 45, users: 6000, endDate: "2026-11-22", lakeDir: dir });
    const lake = await createDuckDbEngine({ lakeDir: dir, threads: 1 });
    try {
      const [curve] = await lake.raw(`
        WITH signups AS (SELECT user_id, min(CAST(event_time + INTERVAL 8 HOUR AS DATE)) AS day FROM events WHERE event_type = 'signup' GROUP BY 1),
        active AS (SELECT DISTINCT user_id, CAST(event_time + INTERVAL 8 HOUR AS DATE) AS day FROM events WHERE user_id IS NOT NULL)
        SELECT avg(CASE WHEN a1.user_id IS NULL THEN 0 ELSE 1 END) AS d1, avg(CASE WHEN a7.user_id IS NULL THEN 0 ELSE 1 END) AS d7
        FROM signups s
        LEFT JOIN active a1 ON a1.user_id = s.user_id AND a1.day = s.day + 1
        LEFT JOIN active a7 ON a7.user_id = s.user_id AND a7.day = s.day + 7
        WHERE s.day BETWEEN DATE '2026-10-12' AND DATE '2026-11-12'`);
      expect(Number(curve?.d1)).toBeGreaterThan(0.4);
      expect(Number(curve?.d1)).toBeLessThan(0.6);
      expect(Number(curve?.d7)).toBeGreaterThan(0.22);
      expect(Number(curve?.d7)).toBeLessThan(Number(curve?.d1));
    } finally {
      await lake.close();
    }
  });
});

describe("generateLake options", () => {
  it("defaults to a reproducible demo lake of more than a year", () => {
    expect(DEFAULT_GENERATE_OPTIONS.days).toBeGreaterThanOrEqual(400);
    expect(DEFAULT_GENERATE_OPTIONS.endDate).toBe("2026-11-22");
    expect(new Date(`${DEFAULT_GENERATE_OPTIONS.endDate}T00:00:00Z`).getUTCDay()).toBe(0);
  });

  it("rejects impossible options before writing anything", async () => {
    const dir = join(root, "rejected");
    await expect(generateLake({ ...SMALL, days: 0, lakeDir: dir })).rejects.toThrow(
      GenerateOptionsError,
    );
    await expect(generateLake({ ...SMALL, endDate: "2026-02-30", lakeDir: dir })).rejects.toThrow(
      /end date "2026-02-30" is not a calendar date/,
    );
    expect(globSync(join(dir, "**"))).toEqual([]);
  });
});
