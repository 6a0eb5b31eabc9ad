/**
 * The dashboard and a report email with its inline charts, as a browser shows them:
 * headless Chromium screenshots (Debian package `chromium`), checked to be drawn — not
 * blank, the header band, chart lines in their colours. Skips, saying so, when Chromium is
 * not installed.
 *
 * docs/dashboard.png is the same kind of screenshot, of the demo's dashboard:
 *   npm run demo, then chromium --headless --screenshot=docs/dashboard.png
 *   --window-size=1280,2330 file://$PWD/out/dashboard/index.html
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import { createFsArtifactStore } from "../../functions/lib/adapters/fs-artifacts.ts";
import { createFsSnapshotStore, createFsStores } from "../../functions/lib/adapters/fs-store.ts";
import { createOutboxMailer } from "../../functions/lib/adapters/outbox-mailer.ts";
import { createResvgRasterizer } from "../../functions/lib/charts/raster.ts";
import { parseConfig } from "../../functions/lib/config/load.ts";
import { publishDashboard } from "../../functions/lib/dashboard/publish.ts";
import { generateLake } from "../../functions/lib/lake/generator.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import { loadReportTemplates } from "../../functions/lib/report/email/render.ts";
import { usersModule } from "../../functions/lib/report/modules/users.ts";
import { runReport } from "../../functions/lib/report/run-report.ts";
import { buildTemplates } from "../../scripts/build-templates.ts";
import { CHROMIUM, chromiumAvailable, chromiumScreenshot } from "../support/chromium.ts";
import { dailyDrafts, weeklyDraft } from "../unit/dashboard/fixtures.ts";
import { countPixels, type Image, near } from "./png.ts";

const available = chromiumAvailable;
if (!available) {
  process.stderr.write(
    `notice: ${CHROMIUM} not found: the dashboard screenshot tests are skipped\n`,
  );
}

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dashboardFile = "";
let emailFile = "";

beforeAll(async () => {
  if (!available) return;
  const snapshots = createFsSnapshotStore({ dir: join(root, "dash", "snapshots") });
  for (const draft of [...dailyDrafts("2026-03-08", 30), weeklyDraft("2026-W10", "2026-03-02")]) {
    await snapshots.put(draft);
  }
  const published = await publishDashboard({
    snapshots,
    artifacts: createFsArtifactStore({ dir: join(root, "dash", "dashboard") }),
    locale: "en",
    currency: "CNY",
    madeBy: "e2e",
    now: new Date("2026-03-09T00:10:00Z"),
  });
  dashboardFile = published?.indexLocation ?? "";

  // A delivered report email with charts: the outbox's .html carries the inline images.
  const lakeDir = join(root, "lake");
  await generateLake({ seed: 7, days: 35, endDate: "2026-03-08", users: 2000, lakeDir });
  const dist = join(root, "templates");
  await buildTemplates(undefined, dist);
  const engine = await createDuckDbEngine({ lakeDir, threads: 2 });
  const clock = { now: () => new Date("2026-03-09T00:05:00Z") };
  const out = join(root, "out");
  try {
    const deps = {
      engine,
      catalog: new QueryCatalog(),
      ...createFsStores(out),
      mailer: createOutboxMailer({ dir: join(out, "outbox"), clock }),
      clock,
      config: parseConfig(
        [
          {
            file: "recipients.yaml",
            text: "reports:\n  daily:\n    - { name: en, to: [a@example.com] }\n",
          },
        ],
        "config",
      ),
      templates: loadReportTemplates(dist),
      modules: [usersModule],
      charts: await createResvgRasterizer(),
    };
    for (const date of ["2026-03-05", "2026-03-06", "2026-03-07"]) {
      await runReport(deps, { report: "daily", date, deliver: false });
    }
    await runReport(deps, { report: "daily", date: "2026-03-08", runId: "shot" });
  } finally {
    await engine.close();
  }
  emailFile = join(out, "outbox", "shot", "en.html");
}, 180_000);

let shots = 0;
async function screenshot(file: string, width: number, height: number): Promise<Image> {
  const png = join(root, `shot-${shots++}.png`);
  return chromiumScreenshot({
    file,
    png,
    width,
    height,
    profileDir: join(root, "chromium-profile"),
    flags: ["--hide-scrollbars"],
  });
}

const white = near([255, 255, 255], 8);

describe.skipIf(!available)("in Chromium", () => {
  it("the dashboard draws its header, trends and ROI curves", async () => {
    const image = await screenshot(dashboardFile, 1280, 1600);
    const total = image.width * image.height;
    expect(total - countPixels(image, white)).toBeGreaterThan(0.2 * total);
    expect(countPixels(image, near([15, 23, 42], 6))).toBeGreaterThan(100_000); // the navy header
    expect(countPixels(image, near([37, 99, 235], 40))).toBeGreaterThan(2_000); // trend lines
    expect(countPixels(image, near([245, 133, 24], 40))).toBeGreaterThan(300); // a campaign's ROI curve
  });

  it("the email shows its sparklines from the inline images", async () => {
    const html = readFileSync(emailFile, "utf8");
    expect(html).toContain("data:image/png;base64,");
    const withImages = await screenshot(emailFile, 800, 1400);
    // The same page with the images removed: the difference is the charts' ink.
    const bare = join(root, "bare.html");
    writeFileSync(bare, html.replaceAll(/src="data:image\/png;base64,[^"]+"/g, 'src=""'));
    const without = await screenshot(bare, 800, 1400);
    const blue = near([37, 99, 235], 40);
    expect(countPixels(withImages, blue) - countPixels(without, blue)).toBeGreaterThan(1_000);
    expect(readdirSync(join(root, "out", "outbox", "shot"))).toContain("en.eml");
  });
});
