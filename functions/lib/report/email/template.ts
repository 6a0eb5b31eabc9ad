/**
 * A tiny logic-less template renderer for the compiled email templates.
 *
 * The MJML sources are compiled to HTML at build time; what is left for the runtime is to
 * fill placeholders, so this is all the syntax there is:
 *
 * - `{{name}}`, `{{card.status.label}}` — a value, always HTML-escaped (there is no way to
 *   print unescaped text: nothing from data can become markup);
 * - `{{#each list}}…{{/each}}` — repeats the block for each item; inside it, names are looked
 *   up on the item first, then outwards (`{{this}}` is the item itself);
 * - `{{#if name}}…{{else}}…{{/if}}` and `{{#unless name}}…{{/unless}}` — false, null,
 *   undefined, "", 0 and empty lists are false.
 *
 * A name that is not found anywhere is an error, not an empty string, so that a template
 * and its view model cannot drift apart silently.
 */

/** A template could not be parsed, or names a value the data does not have. */
export class TemplateError extends Error {
  override name = "TemplateError";
}

type Node =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "value"; readonly path: string; readonly line: number }
  | {
      readonly kind: "each" | "if" | "unless";
      readonly path: string;
      readonly line: number;
      readonly body: Node[];
      readonly otherwise: Node[];
    };

/** A parsed template, ready to render many times. */
export interface CompiledTemplate {
  /** Fills the template; `escape` defaults to HTML escaping (pass `plainText` for text). */
  render(data: unknown, options?: { readonly escape?: (text: string) => string }): string;
}

const TAG = /\{\{\s*([#/]?)(each|if|unless|else)?\s*([A-Za-z_@][\w.@]*)?\s*\}\}/g;

/** Parses `source` (named `name` in errors). */
export function compileTemplate(source: string, name = "template"): CompiledTemplate {
  const root: Node[] = [];
  const stack: { node: Extract<Node, { body: Node[] }>; inElse: boolean }[] = [];
  const target = () => {
    const top = stack.at(-1);
    return top ? (top.inElse ? top.node.otherwise : top.node.body) : root;
  };
  const lineAt = (offset: number) => source.slice(0, offset).split("\n").length;
  const pushText = (text: string, offset: number) => {
    const stray = text.indexOf("{{");
    if (stray >= 0)
      throw new TemplateError(`${name}:${lineAt(offset + stray)}: a "{{" that is not a tag`);
    target().push({ kind: "text", text });
  };
  let cursor = 0;
  for (const match of source.matchAll(TAG)) {
    const [whole, sigil = "", keyword, path] = match;
    const offset = match.index ?? 0;
    const line = lineAt(offset);
    if (source[offset - 1] === "{" || source[offset + whole.length] === "}") {
      throw new TemplateError(
        `${name}:${line}: triple braces are not supported: every value is escaped`,
      );
    }
    // A block tag alone on its line takes the line with it (as in Mustache), so that
    // text templates do not get blank lines from their loops.
    const isBlock = sigil !== "" || keyword === "else";
    const lineStart = source.lastIndexOf("\n", offset - 1) + 1;
    const lineEnd = source.indexOf("\n", offset + whole.length);
    const standalone =
      isBlock &&
      lineStart >= cursor &&
      /^[ \t]*$/.test(source.slice(lineStart, offset)) &&
      lineEnd >= 0 &&
      /^[ \t]*\r?$/.test(source.slice(offset + whole.length, lineEnd));
    const textEnd = standalone ? lineStart : offset;
    if (textEnd > cursor) pushText(source.slice(cursor, textEnd), cursor);
    cursor = standalone ? lineEnd + 1 : offset + whole.length;
    if (sigil === "#" && (keyword === "each" || keyword === "if" || keyword === "unless") && path) {
      const node: Extract<Node, { body: Node[] }> = {
        kind: keyword,
        path,
        line,
        body: [],
        otherwise: [],
      };
      target().push(node);
      stack.push({ node, inElse: false });
    } else if (sigil === "/" && keyword && keyword !== "else" && !path) {
      const top = stack.pop();
      if (!top || top.node.kind !== keyword) {
        throw new TemplateError(
          `${name}:${line}: {{/${keyword}}} closes ${top ? `{{#${top.node.kind}}} of line ${top.node.line}` : "nothing"}`,
        );
      }
    } else if (!sigil && keyword === "else" && !path) {
      const top = stack.at(-1);
      if (!top || top.node.kind === "each" || top.inElse) {
        throw new TemplateError(`${name}:${line}: {{else}} outside {{#if}} or {{#unless}}`);
      }
      top.inElse = true;
    } else if (!sigil && !keyword && path) {
      target().push({ kind: "value", path, line });
    } else {
      throw new TemplateError(`${name}:${line}: cannot read the tag ${whole}`);
    }
  }
  const open = stack.at(-1);
  if (open)
    throw new TemplateError(`${name}:${open.node.line}: {{#${open.node.kind}}} is never closed`);
  if (cursor < source.length) pushText(source.slice(cursor), cursor);

  return {
    render(data, options = {}) {
      const escapeText = options.escape ?? escapeHtml;
      const out: string[] = [];
      renderNodes(root, [data], escapeText, out, name);
      return out.join("");
    },
  };
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** No escaping: for plain-text templates. */
export function plainText(text: string): string {
  return text;
}

function renderNodes(
  nodes: readonly Node[],
  scopes: readonly unknown[],
  escapeText: (text: string) => string,
  out: string[],
  name: string,
): void {
  for (const node of nodes) {
    switch (node.kind) {
      case "text":
        out.push(node.text);
        break;
      case "value": {
        const value = lookup(scopes, node.path, name, node.line);
        if (value !== null && value !== undefined && typeof value === "object") {
          throw new TemplateError(
            `${name}:${node.line}: {{${node.path}}} is not a printable value`,
          );
        }
        out.push(escapeText(value === null || value === undefined ? "" : String(value)));
        break;
      }
      case "each": {
        const list = lookup(scopes, node.path, name, node.line);
        if (list === null || list === undefined) break;
        if (!Array.isArray(list)) {
          throw new TemplateError(`${name}:${node.line}: {{#each ${node.path}}} needs a list`);
        }
        for (const item of list) renderNodes(node.body, [item, ...scopes], escapeText, out, name);
        break;
      }
      case "if":
      case "unless": {
        const truthy = isTruthy(lookup(scopes, node.path, name, node.line));
        const branch = truthy === (node.kind === "if") ? node.body : node.otherwise;
        renderNodes(branch, scopes, escapeText, out, name);
        break;
      }
    }
  }
}

function lookup(scopes: readonly unknown[], path: string, name: string, line: number): unknown {
  if (path === "this") return scopes[0];
  const [head = "", ...rest] = path.split(".");
  for (const scope of scopes) {
    if (scope !== null && typeof scope === "object" && Object.hasOwn(scope, head)) {
      let value: unknown = (scope as Record<string, unknown>)[head];
      for (const key of rest) {
        if (value === null || value === undefined) return undefined;
        if (typeof value !== "object" || !Object.hasOwn(value, key)) {
          throw new TemplateError(`${name}:${line}: {{${path}}}: no "${key}" in the data`);
        }
        value = (value as Record<string, unknown>)[key];
      }
      return value;
    }
  }
  throw new TemplateError(`${name}:${line}: {{${path}}}: no "${head}" in the data`);
}

function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}
