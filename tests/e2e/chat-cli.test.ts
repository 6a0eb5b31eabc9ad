/**
 * `opspulse chat` in its own process against a small Parquet lake: every command in English
 * and Chinese through the real parser, allow-lists, runner (DuckDB, the local stores, the
 * outbox) and run log, with the reply the chat would get.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliOutcome, minimalEnv, sentEmails, spawnOpspulse } from "../support/cli.ts";
import { writeAlertConfig, writeAlertLake } from "./alerts-fixture.ts";

const tmp = mkdtempSync(join(tmpdir(), "opspulse-chat-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LAKE = join(tmp, "lake");
const CONFIG = join(tmp, "config");
const OUT = join(tmp, "out");
const NODE = resolve("node_modules/.bin/node");
/** The fixture's lake ends 2026-03-06; "today" for relative dates. */
const TODAY = "2026-03-06";

beforeAll(async () => {
  await writeAlertLake(LAKE);
  writeAlertConfig(CONFIG, "reminder_every_hours: 24\n");
  appendFileSync(
    join(CONFIG, "recipients.yaml"),
    "chat_commands:\n  viewers: [slack:UVIEW, feishu:ou_view]\n  senders: [slack:USEND, dingtalk:send01]\n",
  );
});

function chat(
  text: string,
  user: string,
  platform = "slack",
  extra: readonly string[] = [],
): Promise<CliOutcome> {
  const args = ["chat", ...extra, "--text", text, "--user", user, "--platform", platform];
  args.push("--today", TODAY);
  args.push("--lake", LAKE, "--out", OUT, "--config", CONFIG);
  return spawnOpspulse(args, { node: NODE, env: minimalEnv(), timeoutMs: 60_000 });
}

function chatLog(): Record<string, unknown>[] {
  return readFileSync(join(OUT, "runs", "runs.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.kind === "chat_command");
}

describe("opspulse chat", () => {
  it("previews yesterday's daily report to a viewer, in English and in Chinese, sending nothing", async () => {
    const en = await chat("report daily yesterday", "UVIEW");
    expect(en.stderr).not.toMatch(/opspulse:/);
    expect(en.code).toBe(0);
    expect(en.stdout).toMatch(/^Daily report 2026-03-05 \(preview\)/);
    expect(en.stdout).toMatch(/1 met/);
    expect(en.stdout).toMatch(/Open: .*preview.*managers\.html/);
    const zh = await chat("日报 2026-03-04", "ou_view", "feishu");
    expect(zh.code).toBe(0);
    expect(zh.stdout).toMatch(/^日报 2026-03-04 \(预览\)/);
    expect(zh.stdout).toMatch(/未达标 1/);
    // --json: the reply as Feishu gets it, the report's summary card in the asker's language.
    const card = await chat("日报 2026-03-04", "ou_view", "feishu", ["--json"]);
    expect(card.code, card.stderr).toBe(0);
    const payload = JSON.parse(card.stdout) as { msg_type: string; content: string };
    expect(payload.msg_type).toBe("interactive");
    const feishu = JSON.parse(payload.content) as {
      header: { title: { content: string }; template: string };
      elements: { tag: string; text?: { content: string } }[];
    };
    expect(feishu.header).toMatchObject({
      title: { content: "日报 · 2026年3月4日" },
      template: "red",
    });
    expect(feishu.elements[0]?.text?.content).toMatch(/^未达标 1 · /);
    expect(JSON.stringify(feishu.elements)).toContain("opspulse run daily --date 2026-03-04`");
    expect(sentEmails(OUT)).toEqual([]);
  }, 120_000);

  it("sends the report for a sender only; a viewer's send is refused and runs nothing", async () => {
    const refused = await chat("send daily 2026-03-03", "UVIEW");
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/may preview but not send/);
    expect(sentEmails(OUT)).toEqual([]);
    const sent = await chat("发送 日报 2026-03-03", "send01", "dingtalk");
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/已发送给 managers/);
    expect(sentEmails(OUT)).toContain("managers");
  }, 120_000);

  it("refuses an unknown user, a malformed command and a date with no data, running nothing", async () => {
    const before = sentEmails(OUT).length;
    const stranger = await chat("report daily yesterday", "USTRANGER");
    expect(stranger.code).toBe(2);
    expect(stranger.stdout).toMatch(/slack:USTRANGER may not run reports.*chat_commands\.viewers/);
    const malformed = await chat("report hourly yesterday", "UVIEW");
    expect(malformed.code).toBe(2);
    expect(malformed.stdout).toMatch(/is not a command/);
    const noData = await chat("report daily 2025-06-01", "UVIEW");
    expect(noData.code).toBe(2);
    expect(noData.stdout).toMatch(
      /^No data for daily 2025-06-01: the lake holds 2026-01-25 to 2026-03-0\d/,
    );
    const future = await chat("周报 2026-04-01", "UVIEW");
    expect(future.stdout).toMatch(/还没有数据/);
    expect(sentEmails(OUT).length).toBe(before);
    const outcomes = chatLog().map((entry) => [entry.user, entry.outcome]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ["slack:USTRANGER", "denied"],
        ["slack:UVIEW", "malformed"],
        ["slack:UVIEW", "no_data"],
      ]),
    );
  }, 120_000);

  it("answers status, ack, silence and help in both languages", async () => {
    const help = await chat("帮助", "ou_view", "feishu");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^命令：/);
    const status = await chat("status", "UVIEW");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Last runs:/);
    expect(status.stdout).toMatch(/gmv/);
    const silenced = await chat("静默 gmv 2小时", "ou_view", "feishu");
    expect(silenced.code).toBe(0);
    expect(silenced.stdout).toMatch(/^Silenced gmv until .* by feishu:ou_view\./);
    // The only stored run (03-03, sent above) judged GMV below its target: an open episode.
    const ack = await chat("确认 gmv", "ou_view", "feishu");
    expect(ack.code).toBe(0);
    expect(ack.stdout).toMatch(/^Acknowledged gmv by feishu:ou_view/);
    const nothing = await chat("ack new_users", "UVIEW");
    expect(nothing.code).toBe(2);
    expect(nothing.stdout.trim().split("\n")).toHaveLength(1);
    const zhStatus = await chat("状态", "ou_view", "feishu");
    expect(zhStatus.stdout).toMatch(/gmv/);
    expect(zhStatus.stdout).toMatch(/acked by feishu:ou_view/);
    expect(zhStatus.stdout).toMatch(/已静默: gmv until .* \(feishu:ou_view\)/);
  }, 120_000);
});
