/**
 * The app synthesized as `cdk synth` does it, with real esbuild bundling of the three
 * handlers (local esbuild, no Docker, offline): what each Lambda asset contains, and the
 * scheduled-report asset run as Lambda runs it (`run-bundle.ts`, in a child process) to the
 * emails it sends, charts included.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { CfnElement } from "aws-cdk-lib";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { readCompiledYaml } from "../../functions/lib/yaml/compiled.ts";
import { buildApp, STACK_NAME } from "../../infra/build-app.ts";
import { LAZY_PACKAGES } from "../../infra/bundling/lazy-packages.ts";
import {
  HANDLERS,
  type HandlerName,
  LAMBDA_TASK_ROOT,
  LEAN_HANDLERS,
  REPO_ROOT,
  RUNTIME_FOLDERS,
  RUNTIME_PACKAGES,
} from "../../infra/handlers.ts";
import { decodePalettePng, inkIn } from "../unit/charts/palette-png.ts";
import { cdkJsonContext } from "./helpers.ts";

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
};

let assembly: CloudAssembly;
/** Asset folder of each function, by handler id. */
const assets: Record<string, string> = {};
/** The environment variables the stack gives each function, by handler id. */
const environments: Record<string, Record<string, unknown>> = {};

beforeAll(() => {
  const outdir = mkdtempSync(join(tmpdir(), "opspulse-"));
  const { app, stack } = buildApp({
    outdir,
    bundling: { minify: false },
    // As the CDK CLI sets it: record each asset's folder in the template metadata.
    context: { ...cdkJsonContext(), "aws:cdk:enable-asset-metadata": true },
  });
  assembly = app.synth();
  const resources = assembly.getStackByName(STACK_NAME).template.Resources as Record<
    string,
    Resource
  >;
  for (const name of Object.keys(HANDLERS) as HandlerName[]) {
    const fn = stack.functions.functions[name];
    const logicalId = stack.getLogicalId(fn.node.defaultChild as CfnElement);
    assets[HANDLERS[name].id] = join(
      outdir,
      String(resources[logicalId]?.Metadata?.["aws:asset:path"]),
    );
    const environment = resources[logicalId]?.Properties.Environment as
      | { Variables?: Record<string, unknown> }
      | undefined;
    environments[HANDLERS[name].id] = environment?.Variables ?? {};
  }
});

/** The handlers whose bundle carries only queries and config (the pulse), and the others. */
const LEAN_IDS: string[] = LEAN_HANDLERS.map((name) => HANDLERS[name].id);
const REPORT_IDS = Object.values(HANDLERS)
  .map((h) => h.id as string)
  .filter((id) => !LEAN_IDS.includes(id));

const bundleOf = (id: string) => readFileSync(join(assets[id] ?? "", "index.mjs"), "utf8");

describe("cdk synth with bundling", () => {
  it("writes the stack template and one asset per function", () => {
    expect(assembly.getStackByName(STACK_NAME).template.Resources).toBeDefined();
    expect(Object.keys(assets)).toHaveLength(Object.keys(HANDLERS).length);
    for (const dir of Object.values(assets)) expect(statSync(dir).isDirectory()).toBe(true);
  });

  it.each(Object.values(HANDLERS).map((h) => h.id))("%s: an ESM bundle with a source map", (id) => {
    const files = readdirSync(assets[id] ?? "");
    expect(files).toEqual(expect.arrayContaining(["index.mjs", "index.mjs.map"]));
    expect(bundleOf(id)).toMatch(/export\s*\{[^}]*handler/);
  });

  it.each(Object.values(HANDLERS).map((h) => h.id))(
    "%s: queries, compiled templates and the validated config are copied beside the bundle",
    (id) => {
      const dir = assets[id] ?? "";
      expect(existsSync(join(dir, "queries", "_sources.yaml"))).toBe(true);
      expect(readdirSync(join(dir, "queries")).filter((f) => f.endsWith(".sql"))).toEqual(
        readdirSync("queries").filter((f) => f.endsWith(".sql")),
      );
      if (!LEAN_IDS.includes(id)) {
        expect(readdirSync(join(dir, "templates")).length).toBeGreaterThan(0);
      }
      const yamlFiles = readdirSync("config").filter((f) => f.endsWith(".yaml"));
      expect(readdirSync(join(dir, "config")).sort()).toEqual(
        [...readdirSync("config"), ...yamlFiles.map((f) => `${f}.json`)].sort(),
      );
    },
  );

  it.each(Object.values(HANDLERS).map((h) => h.id))(
    "%s: each YAML file beside the bundle has its data compiled beside it (no parser bundled)",
    (id) => {
      const dir = assets[id] ?? "";
      for (const path of [join("queries", "_sources.yaml"), join("config", "targets.yaml")]) {
        const text = readFileSync(join(dir, path), "utf8");
        expect(readCompiledYaml(join(dir, path), text)?.data).toEqual(parseYaml(text));
      }
    },
  );

  it.each(LEAN_IDS)("%s: carries no templates, fonts, charts or renderer", (id) => {
    const dir = assets[id] ?? "";
    expect(readdirSync(dir).sort()).toEqual(["config", "index.mjs", "index.mjs.map", "queries"]);
    const bundle = bundleOf(id);
    expect(bundle).not.toMatch(/resvg|vega-lite|alert\.html|daily\.html/);
  });

  it.each(Object.values(HANDLERS).map((h) => h.id))(
    "%s: leaves the AWS SDK to the runtime and carries no MJML or DuckDB",
    (id) => {
      const bundle = bundleOf(id);
      // The SDK clients stay imports, resolved from the Lambda runtime.
      expect(bundle).toMatch(/from\s*"@aws-sdk\/client-s3"/);
      expect(bundle).toMatch(/from\s*"@aws-sdk\/client-sesv2"/);
      expect(bundle).not.toMatch(/class SESv2Client extends|class S3Client extends/);
      expect(bundle).not.toMatch(/mjml-core|@duckdb\/node-bindings/);
      // Beyond the clients, the SDK is bundled: the runtime need not have the presigner.
      expect(bundle).not.toMatch(/^(import\b|\})[^\n]*\bfrom "@aws-sdk\/(?!client-)/m);
      expect(bundle).not.toMatch(/\bimport\(\s*"@aws-sdk\//);
      expect(bundle).toMatch(/S3RequestPresigner = class\b/);
    },
  );

  it.each(REPORT_IDS)(
    "%s: the chart fonts and resvg's WebAssembly package are copied beside the bundle",
    (id) => {
      const dir = assets[id] ?? "";
      const fonts = readdirSync(RUNTIME_FOLDERS.fonts).filter((f) => /\.(otf|ttf)$/.test(f));
      expect(fonts.length).toBeGreaterThan(0);
      for (const font of fonts) {
        expect(statSync(join(dir, "fonts", font)).size).toBe(
          statSync(join(RUNTIME_FOLDERS.fonts, font)).size,
        );
      }
      expect(environments[id]?.OPSPULSE_FONTS_DIR).toBe(`${LAMBDA_TASK_ROOT}/fonts`);
      for (const name of RUNTIME_PACKAGES) {
        for (const file of ["package.json", "index.mjs", "index_bg.wasm"]) {
          expect(statSync(join(dir, "node_modules", name, file)).size).toBe(
            statSync(join(REPO_ROOT, "node_modules", name, file)).size,
          );
        }
      }
    },
  );
});

/** One container of the scheduled-report function, as `run-bundle.ts` reports it. */
interface BundleRun {
  readonly summaries: { outcome: string; warnings?: string[] }[];
  /** The dashboard page the runs published. */
  readonly dashboard: string;
  /** Each bare import of the bundle → the file it was found in. */
  readonly resolved: Record<string, string>;
  readonly emails: {
    subject: string;
    html: string;
    attachments: { contentType: string; cid: string | null; content: string }[];
  }[];
  /** Everything else the process wrote (the functions' log lines). */
  readonly logs: string;
}

/**
 * The environment the stack gives `id`, as Lambda would see it with the asset as its
 * `/var/task`; references to other resources of the stack become test names (the lake's
 * location is left out: the test world's Athena keeps no rollups, as in the handler tests).
 */
function lambdaEnvironment(id: string): Record<string, string> {
  const references: Record<string, string> = {
    OPSPULSE_STATE_BUCKET: "opspulse-state.example.com",
    OPSPULSE_SES_CONFIGURATION_SET: "opspulse-reports",
  };
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(environments[id] ?? {})) {
    const local = typeof value === "string" ? value : references[name];
    if (local !== undefined) environment[name] = local.replace(LAMBDA_TASK_ROOT, assets[id] ?? "");
  }
  return {
    ...environment,
    // What Lambda adds (no credentials reach the test world; they only sign).
    AWS_LAMBDA_FUNCTION_NAME: `opspulse-${id}`,
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    POWERTOOLS_METRICS_DISABLED: "true",
    POWERTOOLS_LOG_LEVEL: "WARN",
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? tmpdir(),
  };
}

describe("the built scheduled-report bundle, run as Lambda runs it", () => {
  let run: BundleRun;
  beforeAll(async () => {
    const dir = assets[HANDLERS.scheduledReport.id] ?? "";
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        fileURLToPath(new URL("./run-bundle.ts", import.meta.url)),
        dir,
        // Two days of the daily schedule: the second email's sparklines have a line.
        "daily@2026-03-02T00:00:00Z",
        "daily@2026-03-03T00:00:00Z",
      ],
      { env: lambdaEnvironment(HANDLERS.scheduledReport.id), maxBuffer: 64 * 1024 * 1024 },
    );
    const result = stdout.split("\n").find((line) => line.startsWith("RESULT "));
    run = { ...JSON.parse(result?.slice("RESULT ".length) ?? "{}"), logs: stdout };
  }, 120_000);

  it("runs both days without a warning, and no log line says charts cannot be drawn", () => {
    expect(run.summaries.map((s) => [s.outcome, s.warnings ?? []])).toEqual([
      ["ok", []],
      ["ok", []],
    ]);
    expect(run.logs).not.toMatch(/charts cannot be drawn/);
  });

  it("imports only Node, the SDK clients, and resvg and the chart libraries from its node_modules/", () => {
    const dir = pathToFileURL(assets[HANDLERS.scheduledReport.id] ?? "").href;
    const outside = Object.keys(run.resolved).filter(
      (specifier) =>
        !isBuiltin(specifier) &&
        !specifier.startsWith("@aws-sdk/client-") &&
        !((specifier === "canvas") /* vega's optional canvas renderer, never found */),
    );
    expect(outside.sort()).toEqual([
      "@resvg/resvg-wasm",
      "@resvg/resvg-wasm/index_bg.wasm",
      "vega",
      "vega-lite",
    ]);
    for (const specifier of outside) {
      expect(run.resolved[specifier]).toMatch(new RegExp(`^${dir}/node_modules/(@resvg|vega)`));
    }
    // The chart libraries are packages of their own there, not the repository's copies.
    for (const name of LAZY_PACKAGES) {
      expect(run.resolved[name]).toBe(`${dir}/node_modules/${name}/index.mjs`);
    }
  });

  it("sends each report with its sparklines as inline PNGs, drawn with the bundle's font", () => {
    const reports = run.emails.filter((email) => email.subject.startsWith("[OpsPulse] Daily"));
    expect(reports).toHaveLength(2);
    for (const email of reports) {
      const sparklines = email.attachments.filter((a) => a.cid?.startsWith("spark-"));
      expect(sparklines.length).toBeGreaterThanOrEqual(4);
      expect(sparklines.every((a) => a.contentType === "image/png")).toBe(true);
    }
    // The second day's GMV line: two periods, labelled at both ends under the plot.
    const gmv = reports[1]?.attachments.find((a) => a.cid?.startsWith("spark-gmv@"));
    const png = decodePalettePng(Buffer.from(gmv?.content ?? "", "base64"));
    expect([png.width, png.height]).toEqual([480, 104]);
    const card: [number, number, number] = [248, 250, 252];
    const half = png.width / 2;
    expect(inkIn(png, { x: 0, y: 0, width: png.width, height: 70 }, card)).toBeGreaterThan(1000);
    // Labels "03-01" and "03-02": glyphs only the shipped font can draw (resvg as WebAssembly
    // sees no file but the fonts it is handed).
    expect(inkIn(png, { x: 0, y: 78, width: half, height: 26 }, card)).toBeGreaterThan(60);
    expect(inkIn(png, { x: half, y: 78, width: half, height: 26 }, card)).toBeGreaterThan(60);
  });

  it("draws the dashboard's Vega-Lite charts with the bundled vega (one vega-expression)", () => {
    expect(run.dashboard).toContain("Campaign ROI board");
    expect(run.dashboard.match(/<svg\b/g)?.length ?? 0).toBeGreaterThanOrEqual(5);
    expect(run.dashboard).toMatch(/class="mark-line\b/);
  });

  it("links the dashboard by a URL signed with the bundled presigner", () => {
    const report = run.emails.find((email) => email.subject.startsWith("[OpsPulse] Daily"));
    expect(report?.html).toMatch(/href="[^"]*\/dashboard\/pages\/[^"]*X-Amz-Signature=/);
    expect(Object.keys(run.resolved)).not.toContain("@aws-sdk/s3-request-presigner");
  });
});
