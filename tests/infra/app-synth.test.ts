/**
 * The app synthesized as `cdk synth` does it, with real esbuild bundling of the three
 * handlers (local esbuild, no Docker, offline): what each Lambda asset contains.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CfnElement } from "aws-cdk-lib";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp, STACK_NAME } from "../../infra/build-app.ts";
import { HANDLERS, type HandlerName } from "../../infra/handlers.ts";
import { cdkJsonContext } from "./helpers.ts";

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
};

let assembly: CloudAssembly;
/** Asset folder of each function, by handler id. */
const assets: Record<string, string> = {};

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
  }
});

const bundleOf = (id: string) => readFileSync(join(assets[id] ?? "", "index.mjs"), "utf8");

describe("cdk synth with bundling", () => {
  it("writes the stack template and one asset per function", () => {
    expect(assembly.getStackByName(STACK_NAME).template.Resources).toBeDefined();
    expect(Object.keys(assets)).toHaveLength(3);
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
      expect(readdirSync(join(dir, "templates")).length).toBeGreaterThan(0);
      expect(readdirSync(join(dir, "config")).sort()).toEqual(readdirSync("config").sort());
    },
  );

  it.each(Object.values(HANDLERS).map((h) => h.id))(
    "%s: leaves the AWS SDK to the runtime and carries no MJML or DuckDB",
    (id) => {
      const bundle = bundleOf(id);
      // The SDK clients stay imports, resolved from the Lambda runtime.
      expect(bundle).toMatch(/from\s*"@aws-sdk\/client-s3"/);
      expect(bundle).toMatch(/from\s*"@aws-sdk\/client-sesv2"/);
      expect(bundle).not.toMatch(/class SESv2Client extends|class S3Client extends/);
      expect(bundle).not.toMatch(/mjml-core|@duckdb\/node-bindings/);
    },
  );
});
