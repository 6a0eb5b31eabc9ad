/**
 * The one way a value of ours (a lake path, a file name, a parameter) becomes SQL text.
 *
 * Values are bound as parameters where the engine allows it; DuckDB's `COPY … TO`,
 * `read_parquet(…)` and Athena's `UNLOAD … TO` take their paths as literals only, so those
 * go through {@link sqlString}: the value quoted and its quotes doubled, so that a path with
 * an apostrophe, a space, non-ASCII letters (or any other character a file name may hold)
 * is just a path. A standard SQL string has no other escapes; only NUL cannot be written.
 */

/** A value that cannot be written as an SQL string literal. */
export class SqlLiteralError extends Error {
  override name = "SqlLiteralError";
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `text` as an SQL string literal (`'it''s'`), for DuckDB and Trino alike. */
export function sqlString(text: string): string {
  if (text.includes("\u0000")) {
    throw new SqlLiteralError(
      `${JSON.stringify(text)} holds a NUL character and cannot be used in a query: rename it`,
    );
  }
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Glob characters DuckDB expands in a path (`*`, `?`, `[`, `]`, `{`, `}`): a folder name that
 * holds one would read other files than its own, so a lake path must not.
 */
const GLOB_CHARACTERS = /[*?[\]{}]/;

/** Why `path` cannot be a folder DuckDB globs under, or undefined when it can. */
export function globPathProblem(path: string): string | undefined {
  if (GLOB_CHARACTERS.test(path)) {
    return `${path} holds a glob character (* ? [ ] { }), which DuckDB would expand: use a folder without them`;
  }
  if (CONTROL.test(path)) return `${JSON.stringify(path)} holds a control character: rename it`;
  return undefined;
}
