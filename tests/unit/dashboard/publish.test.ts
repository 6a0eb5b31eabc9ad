import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsArtifactStore } from "../../../functions/lib/adapters/fs-artifacts.ts";
import { createFsSnapshotStore } from "../../../functions/lib/adapters/fs-store.ts";
import { defaultConfig } from "../../../functions/lib/config/load.ts";
import { createDashboardHook, publishDashboard } from "../../../functions/lib/dashboard/publish.ts";
import { periodContaining } from "../../../functions/lib/kpi/windows.ts";
import type { ArtifactStore, SnapshotStore } from "../../../functions/lib/ports.ts";
import type { AfterSnapshotContext } from "../../../functions/lib/report/run-report.ts";
import { dailyDrafts, HEADLINE_DAILY, weeklyDraft } from "./fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const snapshots = createFsSnapshotStore({ dir: join(root, "snapshots") });
const artifacts = createFsArtifactStore({ dir: join(root, "dashboard") });
let html = "";

beforeAll(async () => {
  for (const draft of [...dailyDrafts("2026-03-08", 12), weeklyDraft("2026-W10", "2026-03-02")]) {
    await snapshots.put(draft);
  }
  const published = await publishDashboard({
    snapshots,
    artifacts,
    locale: "en",
    currency: "CNY",
    madeBy: "run-42",
    now: new Date("2026-03-09T00:10:00Z"),
  });
  expect(published).toMatchObject({
    pageKey: "pages/run-42.html",
    from: "2025-12-09",
    to: "2026-03-08",
  });
  html = readFileSync(join(root, "dashboard", "index.html"), "utf8");
}, 60_000);

/** The part of the page inside the element with `id`, up to the next one of its kind. */
function block(id: string): string {
  const start = html.indexOf(`id="${id}"`);
  expect(start, id).toBeGreaterThan(0);
  const next = html.indexOf('<div class="card" id=', start + 10);
  const section = html.indexOf("<section", start);
  const end = Math.min(...[next, section].filter((i) => i > 0), html.length);
  return html.slice(start, end);
}

describe("the dashboard page", () => {
  it("is one self-contained file: no script, stylesheet, font or image fetched", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/<iframe|<img/i);
    expect(html).not.toMatch(/(src|href)="(?!#)[^"]*:/i); // no URL with a scheme
    expect(html).not.toMatch(/@import|url\((?!#)/i); // only references within the page
    // …which resolve to their own chart: every id of the page is unique.
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(10);
    expect(new Set(ids).size).toBe(ids.length);
    expect(readFileSync(join(root, "dashboard", "pages", "run-42.html"), "utf8")).toBe(html);
  });

  it("draws one trend per headline KPI, with the target as a dashed line when it has one", () => {
    for (const def of HEADLINE_DAILY) {
      const card = block(`kpi-${def.id}`);
      expect(card.match(/<svg/g), def.id).toHaveLength(1);
      expect(card).toContain(def.label.en);
      // Percent headline metrics have a 35 % target in the fixtures; the others none.
      expect(card.includes("stroke-dasharray"), def.id).toBe(def.unit === "percent");
    }
  });

  it("has the campaign ROI board: a curve per campaign against the target, and a table", () => {
    const board = html.slice(html.indexOf('id="roi-board"'), html.indexOf('id="segments"'));
    expect(board.match(/<svg/g)).toHaveLength(1);
    expect(board).toContain("Spring sale");
    expect(board).toContain(">Target 3<");
    // A campaign name is text, never markup.
    expect(board).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>alert(1)");
    expect(board).toMatch(/Spring sale<div class="sub">cmp_1<\/div><\/td><td class="num">12</);
  });

  it("shows the RFM segments and their migration, and the data quality trends", () => {
    const segments = html.slice(html.indexOf('id="segments"'), html.indexOf('id="quality"'));
    expect(segments.match(/<svg/g)).toHaveLength(2);
    expect(segments).toContain("Important value");
    expect(segments).toContain("no order");
    expect(segments).toContain("Lifecycle layers");
    const quality = html.slice(html.indexOf('id="quality"'));
    expect(quality).toContain('id="kpi-data_quality"');
    expect(quality).toContain('id="kpi-data_freshness_minutes"');
    expect(quality).toContain("daily 2026-03-08");
  });

  it("is written in Chinese for a zh-CN page", async () => {
    const store = createFsArtifactStore({ dir: join(root, "zh") });
    await publishDashboard({
      snapshots,
      artifacts: store,
      to: "2026-03-08",
      locale: "zh-CN",
      currency: "CNY",
      madeBy: "zh",
      now: new Date("2026-03-09T00:10:00Z"),
    });
    const zh = readFileSync(join(root, "zh", "index.html"), "utf8");
    expect(zh).toContain('<html lang="zh-CN">');
    expect(zh).toContain("活动 ROI 看板");
    expect(zh).toContain("重要价值客户");
  });

  it("is not made when nothing is stored", async () => {
    const empty = createFsSnapshotStore({ dir: join(root, "nothing") });
    expect(
      await publishDashboard({
        snapshots: empty,
        artifacts,
        locale: "en",
        currency: "CNY",
        madeBy: "x",
        now: new Date(),
      }),
    ).toBeUndefined();
  });
});

describe("createDashboardHook", () => {
  const context = (overrides: Partial<AfterSnapshotContext>) =>
    ({
      request: { report: "daily", date: "2026-03-08" },
      runId: "hook-run",
      period: periodContaining("day", "2026-03-08", "Asia/Shanghai"),
      config: defaultConfig(),
      now: new Date("2026-03-09T00:10:00Z"),
      dryRun: false,
      ...overrides,
    }) as AfterSnapshotContext;

  it("publishes after a run and links the page from the emails", async () => {
    let where = "";
    const hook = createDashboardHook({
      snapshots,
      artifacts,
      onPublished: (published) => {
        where = published.pageLocation;
      },
    });
    const result = await hook.run(context({}));
    expect(where).toBe(join(root, "dashboard", "pages", "hook-run.html"));
    expect(result?.links?.[0]?.url).toBe(`file://${where}`);
    expect(result?.links?.[0]?.label["zh-CN"]).toBe("打开运营看板");
  });

  it("publishes nothing in a dry run or a backfill without email", async () => {
    const hook = createDashboardHook({ snapshots, artifacts });
    expect(await hook.run(context({ dryRun: true, runId: "dry" }))).toBeUndefined();
    expect(
      await hook.run(
        context({ request: { report: "daily", date: "2026-03-08", deliver: false }, runId: "bf" }),
      ),
    ).toBeUndefined();
  });

  it("turns a failure into a warning of the run, not a failed report", async () => {
    const broken: ArtifactStore = {
      put: async () => {
        throw new Error("disk full");
      },
      link: async () => undefined,
    };
    const hook = createDashboardHook({ snapshots: snapshots as SnapshotStore, artifacts: broken });
    expect(await hook.run(context({ runId: "broken" }))).toEqual({
      warnings: ["the dashboard was not published: disk full"],
    });
  });
});

describe("the dashboard in each language", () => {
  const dir = join(root, "locales");
  const store = createFsSnapshotStore({ dir: join(dir, "snapshots") });
  const pages = createFsArtifactStore({ dir: join(dir, "dashboard") });

  it("is a page per language with a switch, showing targets as the email does", async () => {
    const drafts = dailyDrafts("2026-03-08", 3);
    const last = drafts.at(-1) as (typeof drafts)[number] & {
      metrics: Record<string, unknown>;
    };
    // A year-on-year growth target and a monthly target pro-rated to the day.
    last.metrics.new_users = {
      value: 207,
      status: "met",
      target: { value: 0.3, basis: "yoy_growth", warningBand: 0.1, minSample: 100 },
      measured: 0.318,
      threshold: 0.3,
      previous: null,
      yearEarlier: 157,
    };
    const weekly = weeklyDraft("2026-W10", "2026-03-02") as ReturnType<typeof weeklyDraft> & {
      metrics: Record<string, unknown>;
    };
    weekly.metrics.content_published_article = {
      value: 80,
      status: "met",
      target: { value: 100, basis: "monthly_prorated", warningBand: 0.1, minSample: 100 },
      measured: 80,
      threshold: 73.3,
      previous: null,
      yearEarlier: null,
    };
    for (const draft of [...drafts, weekly]) await store.put(draft);
    const published = await publishDashboard({
      snapshots: store,
      artifacts: pages,
      locale: "en",
      locales: ["en", "zh-CN"],
      currency: "CNY",
      madeBy: "run-7",
      now: new Date("2026-03-09T00:10:00Z"),
    });
    expect(Object.keys(published?.pages ?? {})).toEqual(["en", "zh-CN"]);
    const en = readFileSync(join(dir, "dashboard", "index.html"), "utf8");
    const zh = readFileSync(join(dir, "dashboard", "index.zh-CN.html"), "utf8");
    expect(readFileSync(join(dir, "dashboard", "pages", "run-7.zh-CN.html"), "utf8")).toBe(zh);
    expect(en).toContain('<html lang="en">');
    expect(zh).toContain('<html lang="zh-CN">');
    // Each switches to the other language's latest page.
    expect(en).toMatch(
      /<nav class="locales"><strong[^>]*>English<\/strong> · <a href="file:[^"]*\/index\.zh-CN\.html"/,
    );
    expect(zh).toMatch(
      /<a href="file:[^"]*\/index\.html"[^>]*>English<\/a> · <strong[^>]*>中文<\/strong>/,
    );
    // Targets read as in the email: growth for new users, month to date for content.
    expect(en).toContain("Target YoY growth ≥ +30.0% · YoY +31.8%");
    expect(zh).toContain("目标 同比增长 ≥ +30.0% · 同比 +31.8%");
    expect(en).toContain("Target ≥ 73 to date (100 a month)");
    expect(en).not.toContain("+10,000.0%");
  });
});
