/**
 * Packages a report bundle imports only when it draws a chart (`vega`, `vega-lite`: 600 KB
 * of the 1.5 MB bundle), built as packages of their own beside it instead of inside it:
 * `node_modules/<name>/index.mjs`, each one self-contained ESM bundle. `functions/lib/charts/
 * vega.ts` imports them with `import()`, so a cold start neither compiles nor maps their
 * code; the first chart drawn loads them as it evaluated them before.
 *
 * `node infra/bundling/lazy-packages.ts <asset folder>` is what the stack's bundling runs
 * (infra/constructs/report-functions.ts); the benchmark calls `bundleLazyPackages`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { REPO_ROOT } from "../handlers.ts";
import { ESBUILD_ALIASES } from "./aliases.ts";
import { NODE_ESM_BUILD } from "./esbuild-shared.ts";

/**
 * The packages, as the main bundle names them (external to it), each with the exports
 * `functions/lib/charts/vega.ts` takes from it (only those are bundled) and aliases of its
 * own: vega-lite takes four helpers from `vega` (stringValue, hasOwnProperty, isObject,
 * isString), which vega re-exports from vega-util; taken from there, vega-lite's package
 * does not carry a second copy of vega.
 */
const LAZY = {
  vega: { exports: ["View", "parse"], aliases: {} },
  "vega-lite": { exports: ["compile"], aliases: { vega: "vega-util" } },
} as const satisfies Record<
  string,
  { exports: readonly string[]; aliases: Readonly<Record<string, string>> }
>;

export const LAZY_PACKAGES = Object.keys(LAZY) as (keyof typeof LAZY)[];

/** Bundles each lazy package into `outputDir/node_modules/<name>/`, with the bundles' aliases. */
export async function bundleLazyPackages(outputDir: string): Promise<void> {
  for (const name of LAZY_PACKAGES) {
    const dir = join(outputDir, "node_modules", name);
    mkdirSync(dir, { recursive: true });
    await build({
      stdin: {
        contents: `export { ${LAZY[name].exports.join(", ")} } from "${name}";`,
        resolveDir: REPO_ROOT,
        loader: "js",
      },
      absWorkingDir: REPO_ROOT,
      bundle: true,
      outfile: join(dir, "index.mjs"),
      ...NODE_ESM_BUILD,
      alias: { ...ESBUILD_ALIASES, ...LAZY[name].aliases },
    });
    writeFileSync(
      join(dir, "package.json"),
      `${JSON.stringify({ name, type: "module", exports: "./index.mjs" })}\n`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [outputDir] = process.argv.slice(2);
  if (!outputDir) {
    process.stderr.write("usage: node infra/bundling/lazy-packages.ts <asset folder>\n");
    process.exit(2);
  }
  await bundleLazyPackages(outputDir);
}
