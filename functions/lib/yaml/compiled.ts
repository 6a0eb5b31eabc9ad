/**
 * YAML files as data compiled at bundling, so that the Lambda bundles carry no YAML parser
 * (115 KB of each): the bundling writes `<file>.json` beside each YAML file it copies (the
 * config folder, `queries/_sources.yaml`; see `compile.ts`), holding the data the file parses
 * to and the SHA-256 of the text it was parsed from. A reader uses the compiled data only
 * when the text beside it is still that very text, and otherwise parses the YAML as before
 * (the CLI, the tests); a bundle has no parser to fall back on and says so
 * (infra/bundling/yaml.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";

/**
 * Alias expansions a YAML file may use, parsed (config/load.ts) or compiled (compile.ts);
 * far more means a billion-laughs document.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

/** The compiled file of a YAML file: its path with this suffix. */
export const COMPILED_YAML_SUFFIX = ".json";

/** What a compiled file holds. */
export interface CompiledYaml {
  /** SHA-256 (hex) of the YAML text it was compiled from. */
  readonly sha256: string;
  /** The data the text parses to (`toJS()` of the document), JSON-exact. */
  readonly data: unknown;
}

/** SHA-256 (hex) of a YAML text, as compiled files record it. */
export function yamlTextDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The data of the YAML file at `path` whose text is `text`, as compiled at bundling; undefined
 * when there is no compiled file, or it was compiled from another text (the YAML was edited
 * since), so that the caller parses the YAML itself.
 */
export function readCompiledYaml(path: string, text: string): { data: unknown } | undefined {
  const compiledPath = `${path}${COMPILED_YAML_SUFFIX}`;
  if (!existsSync(compiledPath)) return undefined;
  const compiled = JSON.parse(readFileSync(compiledPath, "utf8")) as Partial<CompiledYaml>;
  return compiled.sha256 === yamlTextDigest(text) ? { data: compiled.data } : undefined;
}
