/**
 * Chat contact points through the real pipeline: the CLI (`node bin/opspulse.js run …`) and
 * `runReportWithAlerts` on a small Parquet lake, with all five contact points pointed at a
 * local server standing in for WeCom, DingTalk, Feishu, Slack and an incident webhook
 * (tests/support/chat-server.ts: it checks signatures and payload shapes on its own).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createAdhocRunHandler } from "../../functions/adhoc-run/index.ts";
import { createChatReplyHandler } from "../../functions/chat-reply/index.ts";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { createFsRunLog } from "../../functions/lib/adapters/fs-store.ts";
import { runReportWithAlerts } from "../../functions/lib/alerts/on-call.ts";
import { createChatReportHook } from "../../functions/lib/chat/channel.ts";
import { loadConfig } from "../../functions/lib/config/load.ts";
import { dashboardIndexKey } from "../../functions/lib/dashboard/keys.ts";
import { createObservability } from "../../functions/lib/runtime/observability.ts";
import { openRuntimeChat } from "../../functions/lib/runtime/open-chat.ts";
import { buildTemplates } from "../../scripts/build-templates.ts";
import { type ChatServer, type Platform, startChatServer } from "../support/chat-server.ts";
import { envWithoutSettings, spawnOpspulse } from "../support/cli.ts";
import {
  type CompiledTemplates,
  compileTemplatesFromMjml,
  localOnCallDeps,
  scheduledClock,
} from "../support/local-deps.ts";
import { lambdaContext } from "../unit/handlers/aws-world.ts";
import { writeAlertConfig, writeAlertLake } from "./alerts-fixture.ts";

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

const tmp = mkdtempSync(join(tmpdir(), "opspulse-chat-"));
const LAKE = join(tmp, "lake");
const CONFIG = join(tmp, "config");
const TEMPLATES = join(tmp, "templates");
const PLATFORMS: readonly Platform[] = ["wecom", "dingtalk", "feishu", "slack", "webhook"];
const SECRETS = { dingtalk: "SEC-dingtalk-example", feishu: "feishu-example-secret" };

let compiled: CompiledTemplates;
let server: ChatServer;

beforeAll(async () => {
  compiled = await compileTemplatesFromMjml();
  await buildTemplates(undefined, TEMPLATES);
  await writeAlertLake(LAKE);
  // GMV pages on-call: its alerts go to on-call's chat groups with its email.
  writeAlertConfig(CONFIG, "severity:\n  metrics:\n    gmv: page\n");
  writeFileSync(
    join(CONFIG, "recipients.yaml"),
    [
      "contact_points:",
      ...PLATFORMS.map(
        (p) =>
          `  - { name: ops-${p}, type: ${p}, url: 'env:OPS_${p.toUpperCase()}_URL'${p in SECRETS ? `, secret: 'env:OPS_${p.toUpperCase()}_SECRET'` : ""} }`,
      ),
      "reports:",
      "  daily:",
      "    - name: managers",
      "      locale: zh-CN",
      "      to: [ops-director@example.com]",
      `      chat: [${PLATFORMS.map((p) => `ops-${p}`).join(", ")}]`,
      // A deployment names a list for every scheduled report (issue 18).
      "  weekly: [{ name: managers, to: [ops-director@example.com] }]",
      "  campaigns: [{ name: campaign-team, to: [campaigns@example.com] }]",
      "on_call:",
      "  to: [oncall@example.com]",
      `  chat: [${PLATFORMS.map((p) => `ops-${p}`).join(", ")}]`,
      "",
    ].join("\n"),
  );
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeEach(async () => {
  server = await startChatServer({ secrets: SECRETS, holdMs: 6000 });
});
afterEach(() => server.close());

/** The variables that point the contact points at the local server. */
function chatEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const urls = server.urls();
  return {
    ...Object.fromEntries(PLATFORMS.map((p) => [`OPS_${p.toUpperCase()}_URL`, urls[p]])),
    OPS_DINGTALK_SECRET: SECRETS.dingtalk,
    OPS_FEISHU_SECRET: SECRETS.feishu,
    ...overrides,
  };
}

const opspulse = (args: readonly string[], extra: Record<string, string>) =>
  spawnOpspulse(args, { env: envWithoutSettings({ OPSPULSE_TEMPLATES_DIR: TEMPLATES, ...extra }) });

const perPlatform = () =>
  Object.fromEntries(
    PLATFORMS.map((p) => [p, server.posted.filter((m) => m.platform === p).length]),
  );

describe("a demo run with all five contact points", () => {
  it("delivers the summary card and on-call's alert once to each, signed; a re-run posts nothing", async () => {
    const out = join(tmp, "cli");
    const args = [
      "run",
      "daily",
      "--date",
      "2026-03-02",
      "--send",
      "--lake",
      LAKE,
      "--out",
      out,
      "--config",
      CONFIG,
    ];
    const first = await opspulse(args, chatEnv());
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    // Two messages per platform: the managers' summary card and on-call's alert (GMV pages).
    expect(perPlatform(), first.stdout).toEqual({
      wecom: 2,
      dingtalk: 2,
      feishu: 2,
      slack: 2,
      webhook: 2,
    });
    // Every request passed the server's own signature and shape checks.
    expect(server.received.map((r) => r.behaviour)).toEqual(
      [...PLATFORMS, ...PLATFORMS].map(() => "ok"),
    );
    const webhooks = server.posted
      .filter((m) => m.platform === "webhook")
      .map((m) => [m.body.kind, m.body.severity, m.body.locale])
      .sort();
    expect(webhooks).toEqual([
      ["alert", "page", "en"],
      ["summary", "report", "zh-CN"],
    ]);
    const titles = server.posted
      .filter((m) => m.platform === "feishu")
      .map((m) => (m.body.card as { header: { title: { content: string } } }).header.title.content)
      .sort();
    expect(titles[0]).toMatch(/^\[PAGE\] /);
    expect(titles[1]).toBe("日报 · 2026年3月2日");
    // The emails went too (the managers' report and on-call's alert).
    expect(readdirSync(join(out, "outbox")).length).toBe(1);

    const again = await opspulse(args, chatEnv());
    expect(again.code).toBe(0);
    expect(server.posted).toHaveLength(10);
    const log = readFileSync(join(out, "runs", "runs.jsonl"), "utf8")
      .trim()
      .split("\n");
    const chat = log
      .map((line) => JSON.parse(line) as { type?: string })
      .filter((e) => e.type === "chat");
    expect(chat).toHaveLength(1);
  }, 120_000);

  it("refuses at start a URL that is not https, naming the reference (nothing is run)", async () => {
    const out = join(tmp, "refused");
    const result = await opspulse(
      ["run", "daily", "--date", "2026-03-02", "--lake", LAKE, "--out", out, "--config", CONFIG],
      chatEnv({ OPS_SLACK_URL: "http://hooks.example.com/services/s3cr3t" }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'contact point "ops-slack": the URL read from env:OPS_SLACK_URL is plain http',
    );
    expect(result.stderr).not.toContain("s3cr3t");
    expect(server.received).toHaveLength(0);
    expect(() => readdirSync(join(out, "outbox"))).toThrow();
  }, 60_000);

  it("a failed run pages on-call's chat groups once each, with the email notice", async () => {
    const lake = join(tmp, "lake-corrupt");
    cpSync(LAKE, lake, { recursive: true });
    const partition = join(lake, "orders", "dt=2026-03-02");
    for (const file of readdirSync(partition)) writeFileSync(join(partition, file), "not parquet");
    const out = join(tmp, "failed-run");
    const args = [
      "run",
      "daily",
      "--date",
      "2026-03-02",
      "--send",
      "--lake",
      lake,
      "--out",
      out,
      "--config",
      CONFIG,
    ];
    const run = await opspulse(args, chatEnv());
    expect(run.code, run.stderr).toBe(1);
    expect(perPlatform()).toEqual({ wecom: 1, dingtalk: 1, feishu: 1, slack: 1, webhook: 1 });
    const notice = server.posted.find((m) => m.platform === "webhook")?.body;
    expect(notice).toMatchObject({
      kind: "notice",
      severity: "page",
      title: expect.stringMatching(/^\[FAILED\] The daily report failed · 2026-03-02$/),
    });
    const [run1] = readdirSync(join(out, "outbox"));
    expect(readdirSync(join(out, "outbox", run1 ?? ""))).toContain("on-call.failure.eml");
  }, 120_000);

  it("opspulse validate lists the contact points of a valid config", async () => {
    const result = await opspulse(["validate", "--config", CONFIG], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "5 chat contact points (ops-wecom: wecom, ops-dingtalk: dingtalk, ops-feishu: feishu, ops-slack: slack, ops-webhook: webhook)",
    );
  }, 60_000);

  it("opspulse validate refuses an unknown type and a malformed reference, naming file and path", async () => {
    const bad = join(tmp, "bad-config");
    writeAlertConfig(bad, "");
    writeFileSync(
      join(bad, "recipients.yaml"),
      "contact_points:\n  - { name: a, type: teams, url: 'env:A' }\n  - { name: b, type: slack, url: 'A_URL' }\n",
    );
    const result = await opspulse(["validate", "--config", bad], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${bad}/recipients.yaml: contact_points[0].type: expected a contact point type: one of wecom, dingtalk, feishu, slack, webhook (line 2)`,
    );
    expect(result.stderr).toContain(
      `${bad}/recipients.yaml: contact_points[1].url: expected a reference`,
    );
  }, 60_000);
});

/** A run in this process, its chat channel on the local server with fast waits. */
async function runInProcess(
  out: string,
  day: string,
  waits: number[] = [],
  request: { readonly dryRun?: boolean; readonly deliver?: boolean } = {},
) {
  const clock = scheduledClock(day);
  const engine = await createDuckDbEngine({ lakeDir: LAKE, threads: 1 });
  const config = loadConfig(CONFIG);
  const base = localOnCallDeps(out, { engine, clock, config, ...compiled });
  const opened = await openRuntimeChat(config, { env: chatEnv() });
  if (!opened) throw new Error("expected contact points");
  const channel = {
    ...opened,
    sleep: async (ms: number) => {
      waits.push(ms);
    },
    policy: { timeoutMs: 2500 },
  };
  try {
    return await runReportWithAlerts(
      {
        ...base,
        afterSnapshot: [
          // Signed with the real clock (the platforms check it), not the run's scheduled one.
          createChatReportHook({ ...base, clock: { now: () => new Date() } }, channel, {
            dashboardLink: async () => "https://dashboard.example.com/pages/daily.html",
          }),
        ],
      },
      { report: "daily", date: day, ...request },
    );
  } finally {
    await engine.close();
  }
}

describe("chat delivery rules in a run", () => {
  it("a rate limit in each platform's own form, then success, delivers once", async () => {
    for (const p of PLATFORMS) server.script(p, "rate_limit");
    const waits: number[] = [];
    const summary = await runInProcess(join(tmp, "rate"), "2026-03-03", waits);
    expect(summary.outcome).toBe("ok");
    expect(perPlatform()).toEqual({ wecom: 1, dingtalk: 1, feishu: 1, slack: 1, webhook: 1 });
    for (const p of PLATFORMS) {
      const answers = server.received.filter((r) => r.platform === p).map((r) => r.behaviour);
      expect(answers, p).toEqual(["rate_limit", "ok"]);
    }
    expect(waits).toHaveLength(5);
    // The dashboard link becomes each platform's button.
    expect(server.posted.find((m) => m.platform === "dingtalk")?.body).toMatchObject({
      msgtype: "actionCard",
      actionCard: { singleURL: "https://dashboard.example.com/pages/daily.html" },
    });
  }, 60_000);

  it("a dry run and a history backfill post nothing", async () => {
    const out = join(tmp, "quiet");
    expect((await runInProcess(out, "2026-03-02", [], { dryRun: true })).outcome).toBe("dry_run");
    expect((await runInProcess(out, "2026-03-02", [], { deliver: false })).outcome).toBe("ok");
    expect(server.received).toHaveLength(0);
  }, 60_000);

  it("a timeout of the report card is not retried: unknown in the run log, and the email still goes", async () => {
    server.script("wecom", "timeout_after_post");
    const out = join(tmp, "timeout");
    const summary = await runInProcess(out, "2026-03-04");
    expect(summary.outcome).toBe("ok");
    expect(summary.emails.map((e) => e.status)).toEqual(["sent"]);
    expect(server.received.filter((r) => r.platform === "wecom")).toHaveLength(1);
    expect(summary.warnings?.some((w) => w.startsWith("chat ops-wecom (wecom): unknown"))).toBe(
      true,
    );
    const log = readFileSync(join(out, "runs", "runs.jsonl"), "utf8")
      .trim()
      .split("\n");
    const chat = log
      .map(
        (line) =>
          JSON.parse(line) as {
            type?: string;
            deliveries?: { contactPoint: string; status: string }[];
          },
      )
      .find((e) => e.type === "chat");
    expect(chat?.deliveries?.find((d) => d.contactPoint === "ops-wecom")?.status).toBe("unknown");
  }, 60_000);

  it("a platform that stays down never blocks the email, and a re-run posts only its card", async () => {
    server.script("slack", "server_error", "server_error", "server_error", "server_error");
    const out = join(tmp, "down");
    const summary = await runInProcess(out, "2026-03-05");
    expect(summary.outcome).toBe("ok");
    expect(summary.emails.map((e) => e.status)).toEqual(["sent"]);
    expect(summary.warnings?.some((w) => w.startsWith("chat ops-slack (slack): failed"))).toBe(
      true,
    );
    expect(perPlatform()).toMatchObject({ slack: 0, wecom: 1 });

    // The email went, the Slack card did not: the re-run is not skipped, and posts only it.
    const again = await runInProcess(out, "2026-03-05");
    expect(again.outcome).toBe("ok");
    expect(again.emails.map((e) => e.status)).toEqual(["already_delivered"]);
    expect(perPlatform()).toEqual({ wecom: 1, dingtalk: 1, feishu: 1, slack: 1, webhook: 1 });
    // Now everything is recorded complete: the next re-run is skipped before computing.
    const third = await runInProcess(out, "2026-03-05");
    expect(third.outcome).toBe("skipped_already_delivered");
    expect(third.timingsMs.compute).toBeUndefined();
    expect(server.posted).toHaveLength(5);
  }, 60_000);
});

describe("a chat command's reply", () => {
  it("is the scheduled chat summary's card, in each platform's format and the asker's language", async () => {
    // The scheduled run posts the managers' (zh-CN) summary card to the five contact points.
    expect((await runInProcess(join(tmp, "scheduled-card"), "2026-03-06")).outcome).toBe("ok");
    const scheduled = (platform: Platform) =>
      server.posted.find((m) => m.platform === platform)?.body ?? {};

    // "日报 2026-03-06" from each platform: the ad-hoc Lambda runs the preview (a dry run on
    // the same lake), its destination posts the reply.
    const day = "2026-03-06";
    const engine = await createDuckDbEngine({ lakeDir: LAKE, threads: 1 });
    const config = loadConfig(CONFIG);
    const adhoc = createAdhocRunHandler({
      deps: async () =>
        localOnCallDeps(join(tmp, "adhoc-card"), {
          engine,
          clock: scheduledClock(day),
          config,
          ...compiled,
        }),
      observability: createObservability("opspulse-adhoc-run-test"),
    });
    const posted: { url: string; body: Record<string, unknown> }[] = [];
    const reply = createChatReplyHandler({
      observability: createObservability("opspulse-chat-reply-test"),
      deps: async () => ({
        secrets: {
          feishu: { appId: "cli_example", appSecret: "s", verificationToken: "v", encryptKey: "e" },
          wecom: { corpId: "ww-example", corpSecret: "s", token: "t", encodingAesKey: "k" },
        },
        runLog: createFsRunLog({ file: join(tmp, "adhoc-card", "replies.jsonl") }),
        // The platforms' reply APIs (outside this repository): tokens, then code 0.
        fetch: async (url, init) => {
          if (init.body) posted.push({ url, body: JSON.parse(String(init.body)) });
          const answer = url.includes("feishu")
            ? { code: 0, tenant_access_token: "t" }
            : { errcode: 0, access_token: "t" };
          return new Response(JSON.stringify(answer), { status: 200 });
        },
        clock: { now: () => new Date() },
        dashboardLink: async (locale) =>
          `https://dashboard.example.com/${dashboardIndexKey(locale)}?Signature=abc`,
      }),
    });
    const targets = [
      { platform: "slack", responseUrl: "https://hooks.slack.com/commands/T1/1/abc" },
      { platform: "dingtalk", sessionWebhook: "https://oapi.dingtalk.com/robot/sendBySession?s=1" },
      { platform: "feishu", messageId: "om_example1" },
      { platform: "wecom", user: "zhangsan", agentId: "1000002" },
    ];
    try {
      for (const [index, target] of targets.entries()) {
        const requestPayload = {
          report: "daily",
          date: day,
          dryRun: true,
          chat: {
            reply: target,
            asker: `${target.platform}:U1`,
            locale: "zh-CN",
            send: false,
            eventId: `e${index}`,
          },
        };
        const responsePayload = await adhoc(requestPayload, lambdaContext("opspulse-adhoc-run"));
        expect(responsePayload).toMatchObject({ ok: true, runs: [{ outcome: "dry_run" }] });
        await reply(
          { requestPayload, responsePayload } as never,
          lambdaContext("opspulse-chat-reply"),
        );
      }
    } finally {
      await engine.close();
    }
    const replies = (host: string) => posted.filter((p) => p.url.includes(host)).at(-1)?.body ?? {};
    const zhIndex = "https://dashboard.example.com/index.zh-CN.html?Signature=abc";

    // Slack: the scheduled card's blocks, but for the commands (a preview's re-run has no
    // --send), the button (the asker's dashboard) and the small print (preview, its run).
    type Block = { type: string; text?: { text: string } };
    const core = (blocks: unknown) =>
      (blocks as Block[]).filter(
        (b) => b.type === "header" || (b.type === "section" && !b.text?.text.includes("`opspulse")),
      );
    const slack = replies("hooks.slack.com");
    expect(core(slack.blocks)).toEqual(core(scheduled("slack").blocks));
    expect(core(slack.blocks).length).toBeGreaterThan(2);
    expect(JSON.stringify(slack.blocks)).toContain(zhIndex);

    // Feishu: the same interactive card (header, counts, items), as the reply API's content.
    const feishu = JSON.parse(String(replies("open.feishu.cn").content)) as {
      header: unknown;
      elements: { tag: string; text?: { content: string } }[];
    };
    const scheduledFeishu = scheduled("feishu").card as typeof feishu;
    const divs = (card: typeof feishu) =>
      card.elements.filter((e) => e.tag === "div" && !e.text?.content.includes("`opspulse"));
    expect(feishu.header).toEqual(scheduledFeishu.header);
    expect(divs(feishu)).toEqual(divs(scheduledFeishu));

    // DingTalk and WeCom: the same title and lines, with the asker's dashboard.
    const ding = replies("oapi.dingtalk.com") as {
      actionCard?: { title: string; singleURL: string; text: string };
    };
    const dingScheduled = scheduled("dingtalk") as typeof ding;
    expect(ding.actionCard?.title).toBe(dingScheduled.actionCard?.title);
    expect(ding.actionCard?.singleURL).toBe(zhIndex);
    const lines = (text = "") =>
      text.split("\n\n").filter((l) => !l.includes("opspulse") && !l.startsWith("######"));
    expect(lines(ding.actionCard?.text)).toEqual(lines(dingScheduled.actionCard?.text));
    const wecom =
      (replies("qyapi.weixin.qq.com") as { markdown?: { content: string } }).markdown?.content ??
      "";
    const wecomScheduled =
      (scheduled("wecom") as { markdown?: { content: string } }).markdown?.content ?? "";
    const body = (text: string) =>
      text.split("\n").filter((l) => l.startsWith("###") || l.startsWith(">"));
    expect(body(wecom)).toEqual(body(wecomScheduled));
    expect(body(wecom).length).toBeGreaterThan(1);
  }, 120_000);
});
