/**
 * Compiles YAML files into the data files `compiled.ts` reads (`<file>.json` beside each), at
 * bundling: the Lambda bundles then read data, not YAML. Parsed as the readers parse them
 * (`parseDocument`, at most 100 alias expansions), so the data is the data they would get.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parseDocument } from "yaml";
import {
  COMPILED_YAML_SUFFIX,
  type CompiledYaml,
  MAX_YAML_ALIAS_COUNT,
  yamlTextDigest,
} from "./compiled.ts";

/** The compiled form of one YAML text; throws naming `path` when it cannot be compiled. */
export function compileYaml(path: string, text: string): CompiledYaml {
  const document = parseDocument(text);
  const error = document.errors[0];
  if (error) {
    throw new Error(`${path}: invalid YAML, cannot compile it: ${error.message.split("\n")[0]}`);
  }
  const data: unknown = document.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  // JSON has no .inf, .nan or undefined: a file holding one would read back different.
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(data ?? null)), data ?? null)) {
    throw new Error(
      `${path}: holds a value JSON cannot carry (.inf, .nan?), so it cannot be compiled for the Lambda bundles; write a finite number instead`,
    );
  }
  return { sha256: yamlTextDigest(text), data: data ?? null };
}

/** Writes `<file>.json` beside every `*.yaml` file of `dir` (not its subfolders); returns them. */
export function compileYamlFolder(dir: string): string[] {
  const written: string[] = [];
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith(".yaml"))
    .sort()) {
    const path = join(dir, file);
    const target = `${path}${COMPILED_YAML_SUFFIX}`;
    writeFileSync(target, `${JSON.stringify(compileYaml(path, readFileSync(path, "utf8")))}\n`);
    written.push(target);
  }
  return written;
}
