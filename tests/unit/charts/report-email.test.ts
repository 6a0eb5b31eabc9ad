/**
 * A report run with charts, end to end on a small generated lake: the delivered `.eml` has a
 * PNG part for every `cid:` image of its HTML (and no SVG or remote image), the sparklines
 * follow the stored history, the HTML stays under Gmail's clipping size, the whole message
 * stays small, and the CSV attachment holds the metric table.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { createFsStores } from "../../../functions/lib/adapters/fs-store.ts";
import { createOutboxMailer } from "../../../functions/lib/adapters/outbox-mailer.ts";
import { createResvgRasterizer } from "../../../functions/lib/charts/raster.ts";
import { parseConfig } from "../../../functions/lib/config/load.ts";
import { METRICS } from "../../../functions/lib/kpi/registry.ts";
import { generateLake } from "../../../functions/lib/lake/generator.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import {
  GMAIL_CLIP_BYTES,
  loadReportTemplates,
} from "../../../functions/lib/report/email/render.ts";
import { usersModule } from "../../../functions/lib/report/modules/users.ts";
import {
  type RunReportDeps,
  type RunReportSummary,
  runReport,
} from "../../../functions/lib/report/run-report.ts";
import { buildTemplates } from "../../../scripts/build-templates.ts";
import { type RawPart, rawParts } from "./mime-parts.ts";
import { decodePalettePng, inkIn } from "./palette-png.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const RECIPIENTS = `sender: OpsPulse <reports@example.com>
reports:
  daily:
    - { name: managers, locale: en, to: [boss@example.com] }
    - { name: managers-zh, locale: zh-CN, to: [zongjian@example.com] }
`;
let summary: RunReportSummary;
let deps: RunReportDeps;
const messages: Record<string, { html: string; parts: RawPart[]; size: number }> = {};

beforeAll(async () => {
  const lakeDir = join(root, "lake");
  await generateLake({ seed: 3, days: 40, endDate: "2026-03-08", users: 2500, lakeDir });
  const dist = join(root, "templates");
  await buildTemplates(undefined, dist);
  const engine = await createDuckDbEngine({ lakeDir, threads: 2 });
  const clock = { now: () => new Date("2026-03-09T00:05:00Z") };
  deps = {
    engine,
    catalog: new QueryCatalog(),
    ...createFsStores(join(root, "out")),
    mailer: createOutboxMailer({ dir: join(root, "out", "outbox"), clock }),
    clock,
    config: parseConfig([{ file: "recipients.yaml", text: RECIPIENTS }], "config"),
    templates: loadReportTemplates(dist),
    modules: [usersModule],
    charts: await createResvgRasterizer(),
  };
  try {
    // Four stored days before the report day: the sparklines' history.
    for (const date of ["2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07"]) {
      await runReport(deps, { report: "daily", date, deliver: false, runId: `history-${date}` });
    }
    summary = await runReport(deps, { report: "daily", date: "2026-03-08", runId: "charts-1" });
  } finally {
    await engine.close();
  }
  for (const email of summary.emails) {
    const raw = readFileSync(email.location ?? "", "utf8");
    const parts = rawParts(raw);
    const html = parts.find((p) => p.contentType === "text/html")?.bytes.toString("utf8") ?? "";
    messages[email.list] = { html, parts, size: Buffer.byteLength(raw) };
  }
}, 180_000);

const headline = METRICS.filter((m) => m.headline && m.periods.includes("day")).map((m) => m.id);

describe("a daily report email with charts", () => {
  it("shows each headline KPI's sparkline as an inline PNG referenced by cid", () => {
    expect(summary.outcome).toBe("ok");
    expect(summary.warnings).toBeUndefined();
    for (const list of ["managers", "managers-zh"]) {
      const { html, parts } = messages[list] ?? { html: "", parts: [] };
      const referenced = [...html.matchAll(/<img [^>]*src="cid:([^"]+)"/g)].map((m) => m[1]);
      expect(referenced.sort()).toEqual(headline.map((id) => `spark-${id}@opspulse`).sort());
      const images = parts.filter((p) => p.contentType === "image/png");
      expect(images.map((p) => p.headers["content-id"]).sort()).toEqual(
        referenced.map((cid) => `<${cid}>`).sort(),
      );
      for (const image of images) {
        expect(image.headers["content-disposition"]).toMatch(/^inline/);
        const png = decodePalettePng(image.bytes);
        expect([png.width, png.height]).toEqual([480, 104]);
        // The period labels under every line; the line itself where there are values
        // (a ratio below its minimum sample has none).
        const card: [number, number, number] = [248, 250, 252];
        expect(inkIn(png, { x: 0, y: 80, width: 480, height: 24 }, card)).toBeGreaterThan(50);
        const line = inkIn(png, { x: 0, y: 0, width: 480, height: 78 }, card);
        if (/spark-(dau|gmv)@/.test(image.headers["content-id"] ?? "")) {
          expect(line).toBeGreaterThan(300);
        }
      }
    }
  });

  it("has no SVG and no remote image, and stays small", () => {
    for (const { html, size } of Object.values(messages)) {
      expect(html).not.toMatch(/<svg/i);
      expect(html).not.toMatch(/<img [^>]*src="(?!cid:)/i);
      expect(html).not.toMatch(/url\(\s*['"]?https?:/i);
      expect(Buffer.byteLength(html)).toBeLessThan(GMAIL_CLIP_BYTES);
      // Six sparklines and a CSV: the whole message (base64 included) stays well under 200 KB.
      expect(size).toBeLessThan(200 * 1024);
    }
  });

  it("attaches the metric table as a UTF-8 CSV with a byte-order mark", () => {
    const zh = messages["managers-zh"]?.parts.find((p) => p.contentType === "text/csv");
    expect(zh?.headers["content-disposition"]).toMatch(
      /attachment; filename=.?opspulse-daily-2026-03-08\.csv/,
    );
    const bytes = zh?.bytes ?? Buffer.alloc(0);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.metric)).toEqual(Object.keys(summary.metrics));
    const dau = rows.find((r) => r.metric === "dau");
    expect(dau).toMatchObject({ period: "2026-03-08", label: "日活跃用户", revision: "1" });
    expect(Number(dau?.value)).toBe(summary.metrics.dau?.value);
  });
});
