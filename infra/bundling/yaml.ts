/**
 * `yaml` for the Lambda bundles (an esbuild alias in infra/constructs/report-functions.ts):
 * no parser. The bundling compiles the YAML files it copies beside the bundle into data
 * (functions/lib/yaml/compile.ts, run by `compile-yaml.ts`), which the readers use
 * (functions/lib/yaml/compiled.ts); they parse YAML only when a file has no compiled data,
 * or was edited after bundling, which a deployed function never meets. Should a bundle
 * meet it, this says what to do rather than parse 115 KB of parser into every bundle.
 */

function notBundled(): never {
  throw new Error(
    "This Lambda bundle has no YAML parser: a YAML file beside it has no compiled data (<file>.yaml.json, written at bundling by infra/bundling/compile-yaml.ts), or was edited after bundling; bundle again (cdk deploy).",
  );
}

export function parse(_text: string): never {
  return notBundled();
}

export function parseDocument(_text: string, _options?: unknown): never {
  return notBundled();
}

export class LineCounter {
  constructor() {
    notBundled();
  }

  linePos(_offset: number): never {
    return notBundled();
  }
}
