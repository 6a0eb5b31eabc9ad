/**
 * The esbuild aliases of every Lambda bundle (and of the lazy packages beside the report
 * bundles, `lazy-packages.ts`); an alias resolves from the repository root. One
 * vega-expression: vega-lite pins ~6.1.0 and vega ^6.2.2, and the one function vega-lite
 * takes from it (`parseExpression`) is the same in both (23 KB less). No YAML parser: the
 * bundling compiles the YAML files beside the bundle (`compile-yaml.ts`; 115 KB less).
 * `node:http` as the CommonJS module (an ESM import of it loads Node's undici: about 35 ms
 * of each cold start), and semver as the one comparison aws-xray-sdk-core makes with it
 * (29 KB less); each stand-in in this folder says why it is enough.
 */
export const ESBUILD_ALIASES: Readonly<Record<string, string>> = {
  "vega-expression": "vega-expression",
  "node:http": "./infra/bundling/node-http.cjs",
  http: "./infra/bundling/node-http.cjs",
  semver: "./infra/bundling/semver.cjs",
  yaml: "./infra/bundling/yaml.ts",
};

/**
 * The aliases of a bundle whose YAML files are not compiled beside it (the chat functions,
 * infra/constructs/chat-commands.ts, which read no YAML): all but the YAML stand-in.
 */
export const NO_YAML_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(ESBUILD_ALIASES).filter(([from]) => from !== "yaml"),
);
