/**
 * Fault: hostile text where the product prints or binds data — campaign names, content
 * titles and channel names holding HTML, `<script>`, MJML tags, CRLF and header-like text;
 * a campaign id and CLI parameters holding SQL; recipient lists and senders with CRLF.
 *
 * Expected: escaped in every HTML part (the text still readable), impossible in headers (no
 * header an email did not have before), SQL bound as a literal or rejected in one line,
 * a config with CRLF in an address refused naming the file and path.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runReportWithAlerts } from "../../functions/lib/alerts/on-call.ts";
import { ConfigError, parseConfig } from "../../functions/lib/config/load.ts";
import { type LakeRow, writeLake } from "../../functions/lib/lake/writer.ts";
import type { RunReportSummary } from "../../functions/lib/report/run-report.ts";
import { runCli } from "../unit/cli/commands/capture.ts";
import {
  clockAt,
  createLocalWorld,
  type LocalWorld,
  type OutboxEmail,
  outbox,
} from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

/** What an attacker would put in a name: markup, a script, MJML, a header on a new line. */
const HOSTILE = `<script>alert("x")</script><mj-section>MJML</mj-section>"><img src=x onerror=alert(1)>\r\nBcc: intruder@example.org`;
const CAMPAIGN_ID = "spring-sale";
/** Not a campaign id by the contract: written into the lake by another tool. */
const SQL_ID = "spring'; DROP TABLE events; --";
const DAY = "2026-03-02";
/** Inside the local day 2 March (Shanghai). */
const at = (hour: number) => new Date(`${DAY}T${String(hour).padStart(2, "0")}:00:00Z`);

/** The headers the product writes; anything else in an email was injected. */
const HEADERS = new Set([
  "x-opspulse-idempotency-key",
  "x-opspulse-run-id",
  "x-opspulse-alert",
  "from",
  "to",
  "subject",
  "message-id",
  "date",
  "mime-version",
  "content-type",
]);

let world: LocalWorld;
let summary: RunReportSummary;
let emails: OutboxEmail[];
let out: string;

beforeAll(async () => {
  world = await createLocalWorld({
    // Content is ranked from 10 views.
    settings: "kpi:\n  min_sample: 10\n",
    lake: async (lakeDir) => {
      const views: LakeRow[] = [];
      for (const item of ["c1", "c2"]) {
        for (let i = 0; i < 12; i++) {
          views.push({
            event_id: `view-${item}-${i}`,
            event_time: at(1 + (i % 8)),
            user_id: `u${i}`,
            event_type: "content_view",
            channel: HOSTILE,
            content_id: item,
          });
        }
      }
      const joins: LakeRow[] = [CAMPAIGN_ID, SQL_ID].flatMap((campaign) =>
        [0, 1, 2].map((i) => ({
          event_id: `join-${campaign}-${i}`,
          event_time: at(2),
          user_id: `u${i}`,
          event_type: "campaign_join",
          channel: "app",
          campaign_id: campaign,
        })),
      );
      await writeLake(
        lakeDir,
        {
          events: [...views, ...joins],
          // GMV 500 + 100 stays below the target: a breach alert with a channel breakdown.
          orders: [
            {
              order_id: "hostile-channel",
              user_id: "u1",
              order_time: at(5),
              updated_at: at(5),
              amount: "100.00",
              currency: "CNY",
              status: "paid",
              channel: HOSTILE,
              campaign_id: CAMPAIGN_ID,
            },
          ],
          campaigns: [CAMPAIGN_ID, SQL_ID].map((id) => ({
            id,
            name: `Spring ${HOSTILE}`,
            type: "conversion",
            start_date: "2026-02-20",
            end_date: "2026-03-10",
            cost: "1000.00",
          })),
          content: ["c1", "c2"].map((id) => ({
            id,
            title: `Title ${id} ${HOSTILE}`,
            format: "article",
            channel: HOSTILE,
            published_at: new Date("2026-02-20T02:00:00Z"),
            production_cost: "10.00",
          })),
        },
        { fileStem: "hostile-{i}" },
      );
    },
  });
  out = world.newOut("injection");
  const { deps, close } = await world.open(out, { clock: clockAt("2026-03-03T00:00:00Z") });
  try {
    summary = await runReportWithAlerts(deps, { report: "daily", date: DAY });
  } finally {
    await close();
  }
  emails = outbox(out);
});
afterAll(() => world?.close());

/** Markup that must never reach an HTML part unescaped. */
const RAW_MARKUP = [/<script/i, /<img/i, /<mj-/i, /onerror=alert\(1\)>/i];

describe("hostile names in the data", () => {
  it("are escaped in every HTML part and still shown", () => {
    expect(summary.outcome).toBe("ok");
    const managers = emails.find((e) => e.list === "managers");
    const alert = emails.find((e) => e.list === "on-call");
    expect(managers && alert).toBeTruthy();
    for (const email of emails) {
      for (const markup of RAW_MARKUP)
        expect(email.html, `${email.list}: ${markup}`).not.toMatch(markup);
    }
    // Shown, escaped: the campaign name to managers, the channel to on-call.
    const escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;mj-section&gt;";
    expect(managers?.html).toContain(`Spring ${escaped}`);
    // Content titles are kept in the snapshot, not drawn in the daily email (yet): the raw
    // markup check above holds wherever they appear.
    const titles = emails.filter((email) => email.html.includes("Title c1")).length;
    expect(alert?.html).toContain(escaped);
    // Plain text is text: readable, no markup to interpret.
    expect(managers?.text).toContain("Spring <script>");
    recordFault({
      area: "Injection",
      fault: "campaign name, content titles, channel with <script>, <img onerror>, MJML tags, CRLF",
      expected: "escaped in HTML, still shown",
      observed: `${emails.length} emails; 0 raw <script>/<img>/<mj-> in HTML; campaign name (managers) and channel (on-call alert) shown escaped; content titles in ${titles} emails (snapshot only)`,
    });
  });

  it("cannot add a header: every email has only the headers the product writes", () => {
    for (const email of emails) {
      expect(Object.keys(email.headers).filter((name) => !HEADERS.has(name))).toEqual([]);
      const head = email.raw.slice(0, email.raw.indexOf("\r\n\r\n"));
      expect(head).not.toMatch(/^bcc:/im);
      expect(email.to).not.toMatch(/example\.org/);
    }
    recordFault({
      area: "Injection",
      fault: "CRLF + `Bcc:` inside names that reach subjects and bodies",
      expected: "no header added",
      observed: `${emails.length} emails, each with only the product's headers; no Bcc`,
    });
  });

  it("a campaign id holding SQL is never SQL: it is left out (no campaign id), the others are measured", () => {
    const snapshots = summary.queries.find((q) => q.query === "campaign_snapshots");
    expect(snapshots?.rows).toBe(1);
    const stored = JSON.parse(
      readFileSync(join(out, "snapshots", "daily", DAY, "r001.json"), "utf8"),
    ) as {
      scoped: Record<string, Record<string, { value: number | null }>>;
      details: { campaigns_left_out?: { id: string }[] };
    };
    // Its three joins and its order of 100 against a cost of 1 000 reached it by that id.
    expect(stored.scoped[CAMPAIGN_ID]?.participants?.value).toBe(3);
    expect(stored.scoped[CAMPAIGN_ID]?.campaign_roi?.value).toBeCloseTo(0.1);
    expect(stored.scoped[SQL_ID]).toBeUndefined();
    expect(stored.details.campaigns_left_out?.map((c) => c.id)).toEqual([SQL_ID]);
    // The events table is still there: the run read it after the campaigns dimension.
    expect(summary.metrics.dau?.value).toBeGreaterThan(0);
    recordFault({
      area: "Injection",
      fault: `campaign id \`${SQL_ID}\` in the lake's campaigns dimension`,
      expected: "never run as SQL; left out as no campaign id; others measured",
      observed: `left out (${stored.details.campaigns_left_out?.length} campaign); ${CAMPAIGN_ID}: participants ${stored.scoped[CAMPAIGN_ID]?.participants?.value}, ROI ${stored.scoped[CAMPAIGN_ID]?.campaign_roi?.value}; run ${summary.outcome}`,
    });
  });
});

describe("SQL in CLI parameters", () => {
  let queryFile: string;
  beforeAll(() => {
    const dir = join(world.root, "queries-test");
    mkdirSync(dir, { recursive: true });
    queryFile = join(dir, "events_of_channel.sql");
    writeFileSync(
      queryFile,
      [
        "-- Grain: one row, the events of one channel on one UTC day.",
        "-- @param channel varchar the channel",
        "-- @param day date the UTC day",
        "-- Output: events",
        "with final as (",
        "  select count(*) as events from events",
        "  where dt = cast(:day as varchar) and channel = :channel",
        ")",
        "select * from final",
        "",
      ].join("\n"),
    );
  });
  const sql = (...params: string[]) =>
    runCli([
      "sql",
      "--file",
      queryFile,
      "--lake",
      world.lakeDir,
      "--json",
      ...params.flatMap((p) => ["--param", p]),
    ]);

  it("a quote in a text parameter is a literal, not SQL", async () => {
    const honest = await sql("channel=app", `day=${DAY}`);
    const hostile = await sql("channel=app' OR '1'='1", `day=${DAY}`);

    expect(honest.code, honest.stderr).toBe(0);
    expect(JSON.parse(honest.stdout).events).toBeGreaterThan(0);
    expect(hostile.code, hostile.stderr).toBe(0);
    expect(JSON.parse(hostile.stdout)).toEqual({ events: 0 });
    recordFault({
      area: "Injection",
      fault: "`--param channel=app' OR '1'='1` to opspulse sql",
      expected: "bound as a literal",
      observed: `${JSON.parse(hostile.stdout).events} rows match (the honest value matches ${JSON.parse(honest.stdout).events})`,
    });
  });

  it("SQL in a typed parameter is rejected in one line", async () => {
    const hostile = await sql("channel=app", `day=${DAY}' OR 1=1 --`);

    expect(hostile.code).toBe(2);
    expect(hostile.stdout).toBe("");
    expect(hostile.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(hostile.stderr).toMatch(/^opspulse: .*day/);
    recordFault({
      area: "Injection",
      fault: "`--param day=2026-03-02' OR 1=1 --` (a date parameter)",
      expected: "rejected in one line",
      observed: `exit ${hostile.code}: "${hostile.stderr.trim().replace(world.root, "…")}"`,
    });
  });
});

describe("CRLF in the config's addresses", () => {
  const parse = (recipients: string) =>
    parseConfig([{ file: "recipients.yaml", text: recipients }], "config");
  const problemsOf = (recipients: string): readonly string[] => {
    try {
      parse(recipients);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it("is refused naming the file and the path", () => {
    const cases = {
      "reports.daily[0].to[0]": `reports:\n  daily:\n    - name: managers\n      to: ["boss@example.com\\r\\nBcc: intruder@example.org"]\n`,
      sender: `sender: "OpsPulse <reports@example.com>\\r\\nBcc: intruder@example.org"\n`,
      "reports.daily[0].name": `reports:\n  daily:\n    - name: "managers\\r\\nBcc: x"\n      to: [boss@example.com]\n`,
      "on_call.to[0]": `on_call:\n  to: ["oncall@example.com\\nBcc: intruder@example.org"]\n`,
    };
    for (const [path, text] of Object.entries(cases)) {
      const problems = problemsOf(text);
      expect(problems, path).toHaveLength(1);
      expect(problems[0]).toMatch(
        new RegExp(`^config/recipients\\.yaml: ${path.replace(/[[\].]/g, "\\$&")}: `),
      );
      expect(problems[0]).not.toContain("\n");
    }
    recordFault({
      area: "Injection",
      fault: "CRLF + `Bcc:` in a recipient, the sender, a list name, on-call",
      expected: "config refused naming file and path",
      observed: `${Object.keys(cases).length} of ${Object.keys(cases).length} refused, one line each`,
    });
  });

  it("allows a recipient outside example.com (a deployment's own domain)", () => {
    const address = ["head-of-ops", "acme-corp.test"].join("@");
    const config = parse(`reports:\n  daily:\n    - name: managers\n      to: [${address}]\n`);
    expect(config.recipients.daily[0]?.to).toEqual([address]);
  });
});
