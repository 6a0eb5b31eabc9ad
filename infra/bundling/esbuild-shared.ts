/**
 * What every Lambda bundle is built with, in one place: the CDK stack's `NodejsFunction`
 * options (constructs/report-functions.ts, constructs/chat-commands.ts), the chart packages
 * built beside a report bundle (lazy-packages.ts) and the bench's rebuild of the stack's
 * bundles (bench/lib/lambdas.ts).
 */
import type { BuildOptions } from "esbuild";

/** Some dependencies are CommonJS and call `require`: this gives the ESM bundle one. */
export const CREATE_REQUIRE_BANNER =
  "import { createRequire as __opspulseCreateRequire } from 'node:module'; const require = __opspulseCreateRequire(import.meta.url);";

/** esbuild options of an ESM bundle for Node 24, as NodejsFunction passes the stack's. */
export const NODE_ESM_BUILD = {
  format: "esm",
  target: "node24",
  platform: "node",
  mainFields: ["module", "main"],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  charset: "utf8",
  banner: { js: CREATE_REQUIRE_BANNER },
  logLevel: "warning",
} as const satisfies BuildOptions;
