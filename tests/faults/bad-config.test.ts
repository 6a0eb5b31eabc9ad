/**
 * Fault: a config file a person got wrong — every field of the shipped `config/*.yaml`
 * given a value of the wrong kind, an unknown key added to every mapping (a typo), and a
 * file that is not YAML at all.
 *
 * Expected: the config is refused with one line per problem that names the file, the path
 * inside it (and its line), never a stack trace or a silently ignored field.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { isMap, isScalar, isSeq, type Node, parseDocument } from "yaml";
import { ConfigError, type ConfigSource, parseConfig } from "../../functions/lib/config/load.ts";
import { CONFIG_FILES } from "../../functions/lib/config/schema.ts";
import { recordFault } from "./support/record.ts";

const CONFIG_DIR = resolve(import.meta.dirname, "../../config");
const FILES = Object.values(CONFIG_FILES).map(({ file }) => file);
const shipped: ConfigSource[] = FILES.map((file) => ({
  file,
  text: readFileSync(join(CONFIG_DIR, file), "utf8"),
}));

type Path = readonly (string | number)[];

/** Paths of every scalar (leaves) and every mapping (for unknown keys) of a YAML document. */
function pathsOf(text: string): { leaves: Path[]; maps: Path[] } {
  const leaves: Path[] = [];
  const maps: Path[] = [];
  const walk = (node: Node | null | undefined, path: Path) => {
    if (isMap(node)) {
      maps.push(path);
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        walk(pair.value as Node, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        walk(item as Node, [...path, i]);
      });
    } else if (isScalar(node)) {
      leaves.push(path);
    }
  };
  walk(parseDocument(text).contents as Node, []);
  return { leaves, maps };
}

/** `reports.daily[0].to[1]`, as the config errors write a path. */
function written(path: Path): string {
  return path
    .map((s, i) => (typeof s === "number" ? `[${s}]` : `${i > 0 ? "." : ""}${s}`))
    .join("");
}

/** The problems of the shipped config with `file` replaced by `text`. */
function problemsWith(file: string, text: string): readonly string[] {
  try {
    parseConfig(
      shipped.map((source) => (source.file === file ? { file, text } : source)),
      "config",
    );
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

/** The file's text with the node at `path` set to `value`. */
function edited(text: string, path: Path, value: unknown): string {
  const document = parseDocument(text);
  document.setIn(path as unknown[], document.createNode(value));
  return document.toString();
}

describe("every field of the shipped config", () => {
  it("the shipped config is valid (the baseline of the cases below)", () => {
    expect(() => parseConfig(shipped, "config")).not.toThrow();
  });

  it("a value of the wrong kind in any field: refused naming the file, the path and the line", () => {
    let fields = 0;
    for (const { file, text } of shipped) {
      for (const path of pathsOf(text ?? "").leaves) {
        fields++;
        const problems = problemsWith(file, edited(text ?? "", path, { not: "this" }));
        const where = `config/${file}: ${written(path)}`;
        expect(problems.length, where).toBeGreaterThan(0);
        expect(
          problems.some((p) => p.startsWith(`${where}:`) || p.startsWith(`${where}.`)),
          `${where}\n${problems.join("\n")}`,
        ).toBe(true);
        for (const problem of problems) {
          expect(problem).not.toContain("\n");
          expect(problem).toMatch(/^config\/[a-z]+\.yaml: /);
        }
      }
    }
    expect(fields).toBeGreaterThan(40);
    recordFault({
      area: "Bad config",
      fault: `each of the ${fields} fields of config/*.yaml set to a value of the wrong kind`,
      expected: "refused, one line naming file, path and line",
      observed: `${fields} of ${fields} refused naming the field`,
    });
  });

  it("an unknown key in any mapping (a typo): refused naming it", () => {
    let mappings = 0;
    for (const { file, text } of shipped) {
      for (const path of pathsOf(text ?? "").maps) {
        // Also maps keyed by data (targets by metric id): "surprise_field" is no metric.
        const changed = edited(text ?? "", [...path, "surprise_field"], 1);
        const problems = problemsWith(file, changed);
        mappings++;
        const where = `config/${file}: ${written([...path, "surprise_field"])}`;
        expect(
          problems.some((p) => p.startsWith(`${where}:`)),
          `${where}\n${problems.join("\n")}`,
        ).toBe(true);
      }
    }
    expect(mappings).toBeGreaterThan(20);
    recordFault({
      area: "Bad config",
      fault: `an unknown key added to each of the ${mappings} mappings of config/*.yaml`,
      expected: "refused naming the key",
      observed: `${mappings} of ${mappings} refused naming the key`,
    });
  });

  it("a file that is not YAML: one line naming the file and the position", () => {
    for (const file of FILES) {
      const problems = problemsWith(file, "targets: [unclosed\n  : : :\n");
      expect(problems.length, file).toBeGreaterThan(0);
      expect(problems[0]).toMatch(
        new RegExp(`^config/${file.replace(".", "\\.")}: line \\d+, column \\d+: invalid YAML: `),
      );
    }
  });
});
