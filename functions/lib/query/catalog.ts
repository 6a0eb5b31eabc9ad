/**
 * Loads query files and the source declarations from the `queries/` folder.
 *
 * The folder is found next to the code (`<repo>/queries`), or wherever `queriesDir` points
 * (the Lambda bundle copies it beside the handler).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import * as z from "zod";
import { readCompiledYaml } from "../yaml/compiled.ts";
import { expandIncludes, parseQueryFile, type QueryFile } from "./query-file.ts";

/** The repository's own `queries/` folder. */
export const DEFAULT_QUERIES_DIR = fileURLToPath(new URL("../../../queries/", import.meta.url));

const sourceSchema = z.strictObject({
  description: z.string(),
  location: z.string().regex(/^[a-z0-9_/-]+\/$/, "a relative folder ending in /"),
  format: z.enum(["parquet", "jsonl"]),
  /** `dt`: UTC date (raw tables); `local_date`: report-zone date (rollups). */
  partitioned_by: z.enum(["dt", "local_date"]).optional(),
});
const sourcesFileSchema = z.strictObject({ sources: z.record(z.string(), sourceSchema) });

/** A logical table: where it lives under the lake root and how it is stored. */
export type SourceDecl = z.output<typeof sourceSchema> & { readonly name: string };

/** Reads `_sources.yaml` (in a Lambda bundle, its data compiled at bundling). */
export function loadSources(queriesDir: string = DEFAULT_QUERIES_DIR): SourceDecl[] {
  const file = join(queriesDir, "_sources.yaml");
  const text = readFileSync(file, "utf8");
  const compiled = readCompiledYaml(file, text);
  const data = compiled ? compiled.data : parseYaml(text);
  const parsed = sourcesFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file}: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`,
    );
  }
  return Object.entries(parsed.data.sources).map(([name, decl]) => ({ name, ...decl }));
}

/** Folder of the shared SQL fragments (`-- @include <name>`), inside a queries folder. */
export const FRAGMENTS_DIR = "_fragments";

/** The text of a query file with its `-- @include` lines expanded (see `expandIncludes`). */
export function readQueryText(dir: string, file: string): string {
  const name = file.replace(/\.sql$/, "");
  return expandIncludes(name, readFileSync(join(dir, file), "utf8"), (fragment) => {
    const path = join(dir, FRAGMENTS_DIR, `${fragment}.sql`);
    return existsSync(path) ? readFileSync(path, "utf8") : undefined;
  });
}

/** Every query file of the folder, by name. */
export class QueryCatalog {
  readonly #queries = new Map<string, QueryFile>();
  readonly dir: string;

  constructor(dir: string = DEFAULT_QUERIES_DIR) {
    this.dir = dir;
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith(".sql"))
      .sort()) {
      const name = file.slice(0, -".sql".length);
      this.#queries.set(name, parseQueryFile(name, readQueryText(dir, file)));
    }
  }

  /** The query called `name`; throws naming the known ones when there is none. */
  get(name: string): QueryFile {
    const query = this.#queries.get(name);
    if (!query) {
      throw new Error(
        `No query "${name}" in ${this.dir}: known queries are ${this.names().join(", ")}.`,
      );
    }
    return query;
  }

  names(): string[] {
    return [...this.#queries.keys()];
  }
}
