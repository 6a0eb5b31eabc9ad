/**
 * The Lambda bundles as the CDK stack builds them, and their cold start.
 *
 * Each handler of `infra/handlers.ts` is bundled with esbuild using the options of
 * `bundlingOptions` in `infra/constructs/report-functions.ts`, as `NodejsFunction` passes
 * them to esbuild (ESM `index.mjs`, node24, minified, UTF-8, source map without sources, the
 * stack's external modules and aliases, the `createRequire` banner); the external modules
 * and aliases are the stack's own exported constants. The folders the stack copies beside
 * the bundle (queries, compiled templates, config, fonts, runtime packages) are copied the
 * same way, and their YAML files compiled into data as the stack's bundling does. The cold start is then measured by spawning Node on a probe that imports the
 * bundle and reads the files the first invocation loads (templates, config), with the
 * environment the stack sets.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build } from "esbuild";
import { compileYamlFolder } from "../../functions/lib/yaml/compile.ts";
import { NODE_ESM_BUILD } from "../../infra/bundling/esbuild-shared.ts";
import { bundleLazyPackages } from "../../infra/bundling/lazy-packages.ts";
import {
  BUNDLE_FOLDERS,
  COMPILED_YAML_FOLDERS,
  ESBUILD_ALIASES,
  EXTERNAL_MODULES,
} from "../../infra/constructs/report-functions.ts";
import {
  HANDLERS,
  type HandlerName,
  LEAN_HANDLERS,
  REPO_ROOT,
  RUNTIME_FOLDERS,
  RUNTIME_PACKAGES,
} from "../../infra/handlers.ts";

/** The probe the cold start spawns (plain JavaScript: no type stripping in the measurement). */
const PROBE = fileURLToPath(new URL("./cold-init-probe.mjs", import.meta.url));

/**
 * The esbuild options the stack bundles `entry` with (infra/constructs/report-functions.ts,
 * bundlingOptions(), as `NodejsFunction` passes them to esbuild).
 */
export function stackBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    outfile,
    // An alias resolves from the repository root, as NodejsFunction runs esbuild there.
    absWorkingDir: REPO_ROOT,
    ...NODE_ESM_BUILD,
    external: [...EXTERNAL_MODULES],
    alias: { ...ESBUILD_ALIASES },
  };
}

/** One bundled handler. */
export interface Bundle {
  readonly name: HandlerName;
  readonly entry: string;
  readonly dir: string;
  /** `index.mjs`, the code Lambda loads. */
  readonly bundleBytes: number;
  readonly sourceMapBytes: number;
  /** Everything in the asset folder (bundle, map, queries, templates, config). */
  readonly assetBytes: number;
  readonly buildMs: number;
}

/** Bundles every handler whose entry exists into `outRoot/<name>/`. */
export async function bundleHandlers(
  outRoot: string,
  configDir = "config",
): Promise<{ readonly bundles: Bundle[]; readonly missing: string[] }> {
  const bundles: Bundle[] = [];
  const missing: string[] = [];
  for (const name of Object.keys(HANDLERS) as HandlerName[]) {
    const handler = HANDLERS[name];
    const entry = join(REPO_ROOT, handler.entry);
    if (!existsSync(entry)) {
      missing.push(handler.entry);
      continue;
    }
    const dir = join(outRoot, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const started = performance.now();
    await build(stackBuildOptions(entry, join(dir, "index.mjs")));
    const buildMs = performance.now() - started;
    // The stack's afterBundling hook: queries, compiled templates, config, fonts and the
    // runtime packages beside the bundle.
    for (const [from, to] of [
      [RUNTIME_FOLDERS.queries, BUNDLE_FOLDERS.queries],
      [RUNTIME_FOLDERS.templates, BUNDLE_FOLDERS.templates],
      [configDir, BUNDLE_FOLDERS.config],
      [RUNTIME_FOLDERS.fonts, BUNDLE_FOLDERS.fonts],
      ...RUNTIME_PACKAGES.map((name) => [join("node_modules", name), join("node_modules", name)]),
    ] as const) {
      cpSync(join(REPO_ROOT, from), join(dir, to), { recursive: true });
    }
    // ... the YAML files among them compiled into data (the bundles carry no parser), and the
    // chart libraries bundled beside a report bundle.
    for (const folder of COMPILED_YAML_FOLDERS) compileYamlFolder(join(dir, folder));
    if (!LEAN_HANDLERS.includes(name)) await bundleLazyPackages(dir);
    bundles.push({
      name,
      entry: handler.entry,
      dir,
      bundleBytes: statSync(join(dir, "index.mjs")).size,
      sourceMapBytes: existsSync(join(dir, "index.mjs.map"))
        ? statSync(join(dir, "index.mjs.map")).size
        : 0,
      assetBytes: folderBytes(dir),
      buildMs,
    });
  }
  return { bundles, missing };
}

/** One cold start of a bundle, from the probe. */
export interface ColdStart {
  /** From process start to the bundle imported and its files read. */
  readonly totalMs: number;
  /** Node's own start, before the probe's first line. */
  readonly bootMs: number;
  readonly importMs: number;
  readonly filesMs: number;
  /** CPU time of the process until then (Node's start included): steady under other load. */
  readonly cpuMs: number;
  /** The spawn as the parent saw it (includes process creation and exit). */
  readonly spawnMs: number;
}

/** Spawns a fresh Node process on the bundle and reports its cold start. */
export function coldStart(bundle: Bundle, nodeBinary = process.execPath): ColdStart {
  const started = performance.now();
  const result = spawnSync(nodeBinary, [PROBE, join(bundle.dir, "index.mjs")], {
    cwd: bundle.dir,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "",
      // What the stack sets (infra/constructs/report-functions.ts) and Lambda provides.
      NODE_OPTIONS: "--enable-source-maps",
      AWS_REGION: "us-east-1",
      AWS_LAMBDA_FUNCTION_NAME: `opspulse-bench-${bundle.name}`,
      OPSPULSE_RUNTIME: "aws",
      OPSPULSE_ATHENA_WORKGROUP: "opspulse",
      OPSPULSE_ATHENA_DATABASE: "opspulse",
      OPSPULSE_STATE_BUCKET: "opspulse-state-example",
      OPSPULSE_CONFIG_DIR: join(bundle.dir, BUNDLE_FOLDERS.config),
      OPSPULSE_QUERIES_DIR: join(bundle.dir, BUNDLE_FOLDERS.queries),
      OPSPULSE_LAKE_URI: "s3://opspulse-lake-example/lake/",
      OPSPULSE_TEMPLATES_DIR: join(bundle.dir, BUNDLE_FOLDERS.templates),
      OPSPULSE_FONTS_DIR: join(bundle.dir, BUNDLE_FOLDERS.fonts),
      POWERTOOLS_SERVICE_NAME: `opspulse-${bundle.name}`,
    },
  });
  const spawnMs = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `cold start of ${bundle.entry} failed: ${(result.stderr || result.stdout).trim().split("\n").slice(0, 3).join(" | ")}`,
    );
  }
  const report = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}") as Omit<
    ColdStart,
    "spawnMs"
  >;
  return { ...report, spawnMs };
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}
