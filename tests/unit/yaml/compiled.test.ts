/**
 * YAML compiled at bundling (functions/lib/yaml/): the Lambda bundles read the data compiled
 * beside each YAML file instead of parsing it. A folder compiled as the bundling compiles it
 * loads to the very config (and source declarations) its YAML gives; the compiled data is
 * what is read; a file edited after compiling is read from its YAML again.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDeploymentConfig } from "../../../functions/lib/config/load.ts";
import { DEFAULT_QUERIES_DIR, loadSources } from "../../../functions/lib/query/catalog.ts";
import { compileYaml, compileYamlFolder } from "../../../functions/lib/yaml/compile.ts";
import { readCompiledYaml } from "../../../functions/lib/yaml/compiled.ts";

function copyOf(dir: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), "opspulse-yaml-")), "folder");
  cpSync(dir, copy, { recursive: true });
  return copy;
}

describe("YAML compiled at bundling", () => {
  it("a compiled config folder loads to the config its YAML gives, version included", () => {
    const dir = copyOf("config");
    const fromYaml = loadDeploymentConfig(dir);
    const written = compileYamlFolder(dir);
    expect(written.map((path) => path.slice(dir.length + 1))).toContain("targets.yaml.json");
    expect(loadDeploymentConfig(dir)).toEqual(fromYaml);
  });

  it("a compiled queries folder declares the sources its _sources.yaml declares", () => {
    const dir = copyOf(DEFAULT_QUERIES_DIR);
    compileYamlFolder(dir);
    expect(loadSources(dir)).toEqual(loadSources(DEFAULT_QUERIES_DIR));
  });

  it("reads the compiled data, and the YAML again once the file is edited", () => {
    const dir = copyOf("config");
    const path = join(dir, "settings.yaml");
    const text = readFileSync(path, "utf8");
    const compiled = compileYaml(path, text);
    // Compiled data that differs from the YAML (same text digest): the loader takes it.
    const data = structuredClone(compiled.data) as { kpi: { min_sample: number } };
    data.kpi.min_sample = 4321;
    writeFileSync(`${path}.json`, JSON.stringify({ ...compiled, data }));
    expect(loadDeploymentConfig(dir).kpi.minSample).toBe(4321);
    // The YAML edited after compiling: its digest no longer matches, the YAML is parsed.
    writeFileSync(path, `${text}\n# edited\n`);
    expect(readCompiledYaml(path, readFileSync(path, "utf8"))).toBeUndefined();
    expect(loadDeploymentConfig(dir).kpi.minSample).not.toBe(4321);
  });

  it("refuses what it cannot compile, naming the file", () => {
    expect(() => compileYaml("config/settings.yaml", "kpi: [1, 2\n")).toThrow(
      /^config\/settings\.yaml: invalid YAML, cannot compile it: /,
    );
    expect(() => compileYaml("config/targets.yaml", "targets:\n  x: .inf\n")).toThrow(
      /^config\/targets\.yaml: holds a value JSON cannot carry/,
    );
    expect(compileYaml("empty.yaml", "").data).toBeNull();
  });
});
