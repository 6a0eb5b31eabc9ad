/**
 * What the Lambda bundles hold: each handler bundled as the stack bundles it (esbuild, ESM,
 * Node 24, the AWS SDK left to the runtime) must not pull in MJML (templates are compiled at
 * build time), DuckDB (a native module of the local engine) or any dev dependency.
 */
import { readFileSync } from "node:fs";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const HANDLERS = [
  "functions/scheduled-report/index.ts",
  "functions/campaigns/index.ts",
  "functions/adhoc-run/index.ts",
];

const packageJson = JSON.parse(readFileSync("package.json", "utf8")) as {
  devDependencies: Record<string, string>;
};
/** Packages no bundle may contain: every dev dependency, and DuckDB. */
const FORBIDDEN = [...Object.keys(packageJson.devDependencies), "@duckdb/node-api"];

/** The package a bundled input file comes from (`node_modules/<pkg>/…`), outermost-first. */
function packagesOf(input: string): string[] {
  return [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].map((match) => match[1] ?? "");
}

describe("handler bundles", () => {
  it.each(HANDLERS)("%s holds no MJML, DuckDB or dev dependency", async (entry) => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node24",
      mainFields: ["module", "main"],
      external: ["@aws-sdk/*"],
      metafile: true,
      write: false,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    const packages = new Set(inputs.flatMap(packagesOf));

    expect(inputs).toContain(entry);
    expect([...packages].filter((name) => FORBIDDEN.includes(name))).toEqual([]);
    expect([...packages].filter((name) => name.startsWith("mjml"))).toEqual([]);
    expect([...packages].filter((name) => name.startsWith("@aws-sdk/"))).toEqual([]);
    // The bundle carries the adapters it uses, and not the local ones.
    expect(inputs).toContain("functions/lib/adapters/athena.ts");
    expect(inputs).not.toContain("functions/lib/adapters/duckdb.ts");
    expect(inputs).not.toContain("functions/lib/adapters/outbox-mailer.ts");
    // The SDK clients are the runtime's (bundling them would exceed the 1.5 MiB goal), so
    // the bundle checks at cold start that its S3 client sends conditional writes.
    expect(inputs).toContain("functions/lib/adapters/s3-conditional-probe.ts");
    const bytes = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
    expect(bytes).toBeLessThan(5_000_000);
  });
});

/** The chat functions answer within 3 s: small bundles, no rendering, charts, Athena or DuckDB. */
const CHAT_HANDLERS = ["functions/chat-command/index.ts", "functions/chat-reply/index.ts"];

describe("chat handler bundles", () => {
  it.each(CHAT_HANDLERS)(
    "%s holds no templates, charts, query engine or SDK client",
    async (entry) => {
      const result = await build({
        entryPoints: [entry],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node24",
        mainFields: ["module", "main"],
        external: ["@aws-sdk/*"],
        metafile: true,
        write: false,
        logLevel: "silent",
        minify: true,
      });
      const inputs = Object.keys(result.metafile.inputs);
      const packages = new Set(inputs.flatMap(packagesOf));
      expect([...packages].filter((name) => FORBIDDEN.includes(name))).toEqual([]);
      for (const heavy of [
        "mjml",
        "vega",
        "vega-lite",
        "@resvg/resvg-wasm",
        "@duckdb/node-api",
        "nodemailer",
      ]) {
        expect([...packages].filter((name) => name.startsWith(heavy))).toEqual([]);
      }
      expect(
        inputs.filter((input) =>
          /report\/email|charts\/|adapters\/athena|adapters\/duckdb/.test(input),
        ),
      ).toEqual([]);
      const bytes = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
      expect(bytes).toBeLessThan(1_000_000);
    },
  );
});
