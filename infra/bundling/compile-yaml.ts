/**
 * `node infra/bundling/compile-yaml.ts <folder>…`: writes `<file>.json` beside each YAML file
 * of each folder (functions/lib/yaml/compile.ts). The stack's bundling runs it on the config
 * and queries folders it copies beside each bundle (infra/constructs/report-functions.ts),
 * so that the bundles, which carry no YAML parser, read data.
 */
import { compileYamlFolder } from "../../functions/lib/yaml/compile.ts";

const folders = process.argv.slice(2);
if (folders.length === 0) {
  process.stderr.write("usage: node infra/bundling/compile-yaml.ts <folder>…\n");
  process.exit(2);
}
for (const folder of folders) compileYamlFolder(folder);
