/**
 * What each Lambda handler bundles, built with the stack's own esbuild options (minified, as
 * deployed, as the benchmark measures them): at most 1.5 MiB (issue 25), no YAML parser (the
 * YAML files beside the bundle are compiled into data at bundling), no semver (a stand-in
 * does aws-xray-sdk-core's one check), no ESM import of node:http (that loads Node's undici
 * at every cold start), no chart library (vega and vega-lite are packages of their own beside
 * a report bundle, imported when a chart is drawn), and, in the lean handlers, no templates,
 * charts or renderer.
 */
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { stackBuildOptions } from "../../bench/lib/lambdas.ts";
import { NO_YAML_ALIASES } from "../../infra/bundling/aliases.ts";
import { bundleLazyPackages, LAZY_PACKAGES } from "../../infra/bundling/lazy-packages.ts";
import { HANDLERS, type HandlerName, LEAN_HANDLERS, REPO_ROOT } from "../../infra/handlers.ts";

/** The goal of issue 25: each bundle (index.mjs) at most 1.5 MiB. */
const BUNDLE_LIMIT_BYTES = 1.5 * 1024 * 1024;

interface Built {
  readonly bytes: number;
  readonly text: string;
  readonly inputs: readonly string[];
  readonly packages: ReadonlySet<string>;
}

/** The package a bundled input file comes from (`node_modules/<pkg>/…`), innermost. */
function packageOf(input: string): string | undefined {
  return [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1)?.[1];
}

const built = {} as Record<HandlerName, Built>;

beforeAll(async () => {
  for (const name of Object.keys(HANDLERS) as HandlerName[]) {
    const result = await build({
      ...stackBuildOptions(join(REPO_ROOT, HANDLERS[name].entry), "/bundle/index.mjs"),
      metafile: true,
      write: false,
    });
    const bundle = result.outputFiles.find((file) => file.path.endsWith("index.mjs"));
    const inputs = Object.keys((result.metafile as Metafile).inputs);
    built[name] = {
      bytes: bundle?.contents.byteLength ?? 0,
      text: bundle?.text ?? "",
      inputs,
      packages: new Set(inputs.flatMap((input) => packageOf(input) ?? [])),
    };
  }
}, 120_000);

const names = Object.keys(HANDLERS) as HandlerName[];

describe("the Lambda bundles as the stack builds them", () => {
  it.each(names)("%s: index.mjs is at most 1.5 MiB", (name) => {
    expect(built[name].bytes).toBeGreaterThan(100_000);
    expect(built[name].bytes).toBeLessThanOrEqual(BUNDLE_LIMIT_BYTES);
  });

  it.each(names)("%s: carries no YAML parser or semver, only their stand-ins", (name) => {
    expect([...built[name].packages].filter((p) => p === "yaml" || p === "semver")).toEqual([]);
    expect(built[name].inputs).toContain("functions/lib/yaml/compiled.ts");
    expect(built[name].inputs).not.toContain("functions/lib/yaml/compile.ts");
    expect(built[name].inputs).toContain("infra/bundling/yaml.ts");
  });

  it.each(names)("%s: takes node:http as the CommonJS module, never by ESM import", (name) => {
    expect(built[name].text).not.toMatch(/\bfrom\s*"(node:)?http"/);
    expect(built[name].text).not.toMatch(/\bimport\(\s*"(node:)?http"\s*\)/);
    expect(built[name].text).toContain('process.getBuiltinModule("node:http")');
  });

  it.each(names)("%s: bundles no chart library, and imports vega and vega-lite on use", (name) => {
    expect([...built[name].packages].filter((p) => /^(vega|d3-)/.test(p))).toEqual([]);
    if (!LEAN_HANDLERS.includes(name)) {
      for (const lazy of LAZY_PACKAGES) expect(built[name].text).toContain(`import("${lazy}")`);
    }
  });

  it.each(LEAN_HANDLERS)("%s: bundles no templates, charts or renderer", (name) => {
    expect(
      // The placeholder engine's escapeHtml is shared; the report and alert emails are not.
      built[name].inputs.filter((input) =>
        /report\/email\/(?!template\.ts)|charts\/|alerts\/render/.test(input),
      ),
    ).toEqual([]);
    expect([...built[name].packages].filter((p) => /^(vega|d3-|@resvg\/|mjml)/.test(p))).toEqual(
      [],
    );
  });
});

describe("the chart libraries beside a report bundle", () => {
  it("are one ESM package each, with what the charts use, and vega-lite without a second vega", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opspulse-lazy-"));
    await bundleLazyPackages(dir);
    const vega = await import(pathToFileURL(join(dir, "node_modules/vega/index.mjs")).href);
    const vegaLite = await import(
      pathToFileURL(join(dir, "node_modules/vega-lite/index.mjs")).href
    );
    expect([typeof vega.View, typeof vega.parse, typeof vegaLite.compile]).toEqual([
      "function",
      "function",
      "function",
    ]);
    const compiled = vegaLite.compile({
      data: { values: [{ x: 1, y: 2 }] },
      mark: "line",
      encoding: { x: { field: "x", type: "quantitative" } },
    }).spec;
    const svg = await new vega.View(vega.parse(compiled), { renderer: "none" }).toSVG();
    expect(svg).toMatch(/^<svg\b/);
    // vega-lite's four helpers come from vega-util, not from a bundled copy of vega.
    expect(statSync(join(dir, "node_modules/vega-lite/index.mjs")).size).toBeLessThan(400_000);
    expect(JSON.parse(readFileSync(join(dir, "node_modules/vega/package.json"), "utf8"))).toEqual({
      name: "vega",
      type: "module",
      exports: "./index.mjs",
    });
  }, 60_000);
});

/** The chat functions (infra/constructs/chat-commands.ts) answer within 3 s of a cold start. */
describe("the chat bundles, with the aliases the chat construct gives them", () => {
  it.each(["functions/chat-command/index.ts", "functions/chat-reply/index.ts"])(
    "%s: takes node:http as the CommonJS module and carries no semver or YAML parser",
    async (entry) => {
      const result = await build({
        ...stackBuildOptions(join(REPO_ROOT, entry), "/bundle/index.mjs"),
        alias: { ...NO_YAML_ALIASES },
        metafile: true,
        write: false,
      });
      const text = result.outputFiles.find((file) => file.path.endsWith("index.mjs"))?.text;
      expect(text).not.toMatch(/\bfrom\s*"(node:)?http"/);
      const packages = Object.keys((result.metafile as Metafile).inputs).flatMap(
        (input) => packageOf(input) ?? [],
      );
      expect(packages.filter((p) => p === "yaml" || p === "semver")).toEqual([]);
    },
    60_000,
  );
});
