/**
 * The Lambda's chart rasterizer: drawn with the fonts the environment names, and when it
 * cannot be opened or a chart cannot be drawn, the report goes without charts and a warning
 * says why (never silence).
 * Also the handler's run view: warnings of a run (charts that failed to draw) are in it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_FONTS_DIR } from "../../../functions/lib/charts/raster.ts";
import type { RunReportSummary } from "../../../functions/lib/report/run-report.ts";
import { openChartRasterizer, summaryView } from "../../../functions/lib/runtime/lambda.ts";
import { decodePalettePng, inkIn } from "../charts/palette-png.ts";

/** A logger that keeps what it was told. */
function recordingLogger() {
  const warnings: { message: string; details: Record<string, unknown> }[] = [];
  return {
    warnings,
    warn(message: string, details: Record<string, unknown> = {}) {
      warnings.push({ message, details });
    },
  };
}

describe("openChartRasterizer", () => {
  it("draws with the fonts of OPSPULSE_FONTS_DIR, and warns of nothing", async () => {
    const logger = recordingLogger();
    const charts = await openChartRasterizer({ fontsDir: DEFAULT_FONTS_DIR }, logger);
    const png = decodePalettePng(
      (await charts?.toPng(
        `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="20"><text x="2" y="15" font-size="14">03-02 日活</text></svg>`,
      )) ?? new Uint8Array(),
    );
    expect(inkIn(png, { x: 0, y: 0, width: png.width, height: png.height })).toBeGreaterThan(100);
    expect(logger.warnings).toEqual([]);
  });

  it("warns when a chart cannot be drawn, and lets the run record it", async () => {
    const logger = recordingLogger();
    const charts = await openChartRasterizer({ fontsDir: DEFAULT_FONTS_DIR }, logger);
    await expect(charts?.toPng("<svg xmlns='http://www.w3.org/2000/svg'")).rejects.toThrow();
    expect(logger.warnings.map((w) => w.message)).toEqual([
      "a chart cannot be drawn: the report email goes out without charts",
    ]);
    expect(String(logger.warnings[0]?.details.error).length).toBeGreaterThan(0);
  });

  it.each([
    ["a missing folder", () => join(tmpdir(), "opspulse-no-such-fonts"), /cannot be read/],
    [
      "a folder without fonts",
      () => {
        const dir = mkdtempSync(join(tmpdir(), "opspulse-"));
        writeFileSync(join(dir, "README.md"), "no fonts here\n");
        return dir;
      },
      /No \.otf or \.ttf font in/,
    ],
  ])("with %s: no rasterizer, and a warning naming the folder", async (_case, folder, error) => {
    const fontsDir = folder();
    const logger = recordingLogger();
    expect(await openChartRasterizer({ fontsDir }, logger)).toBeUndefined();
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]?.message).toMatch(/charts cannot be drawn/);
    expect(logger.warnings[0]?.details.error).toMatch(error);
    expect(logger.warnings[0]?.details.error).toContain(fontsDir);
    expect(logger.warnings[0]?.details.fontsDir).toBe(fontsDir);
  });
});

describe("summaryView", () => {
  const summary = {
    runId: "r1",
    report: "daily",
    periodKey: "2026-03-02",
    period: { kind: "day", start: "2026-03-02", end: "2026-03-02", timeZone: "UTC" },
    outcome: "ok",
    statusCounts: {},
    snapshot: null,
    emails: [],
    queries: [],
  } as unknown as RunReportSummary;

  it("carries a run's warnings, and says nothing of them when there are none", () => {
    expect(summaryView(summary)).not.toHaveProperty("warnings");
    expect(summaryView({ ...summary, warnings: [] })).not.toHaveProperty("warnings");
    expect(
      summaryView({ ...summary, warnings: ["charts were not drawn: out of memory"] }).warnings,
    ).toEqual(["charts were not drawn: out of memory"]);
  });
});
