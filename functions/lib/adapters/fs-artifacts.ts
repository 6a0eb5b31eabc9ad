/**
 * The filesystem `ArtifactStore`: published files under a folder (the dashboard under
 * `<out>/dashboard/`). Each file is written whole (temporary name, then rename), so a
 * browser never opens half a page.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { ArtifactStore } from "../ports.ts";

/** An artifact key that would leave the folder. */
export class ArtifactKeyError extends Error {
  override name = "ArtifactKeyError";
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.=-]*(\/[A-Za-z0-9][A-Za-z0-9_.=-]*)*$/;

/** Artifacts as files under `dir`; links are `file:` URLs. */
export function createFsArtifactStore(options: { readonly dir: string }): ArtifactStore & {
  /** The file of `key`. */
  pathOf(key: string): string;
} {
  const root = resolve(options.dir);
  const pathOf = (key: string) => {
    if (!KEY.test(key)) {
      throw new ArtifactKeyError(
        `"${key}" is not an artifact key: use letters, digits, dots and dashes, with "/" between parts.`,
      );
    }
    const path = join(root, ...key.split("/"));
    if (!path.startsWith(root + sep)) throw new ArtifactKeyError(`"${key}" leaves ${root}.`);
    return path;
  };
  return {
    pathOf,
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = join(dirname(path), `.tmp-${process.pid}-${randomUUID()}`);
      await writeFile(temporary, body, { flag: "wx" });
      await rename(temporary, path);
      return { location: path };
    },
    async link(key) {
      return pathToFileURL(pathOf(key)).href;
    },
  };
}
