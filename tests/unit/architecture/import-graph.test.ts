/**
 * The shape of the code, enforced (style.md: "No import circles, and layers that only point
 * down"): no file under functions/ reaches itself through its relative imports (type-only
 * imports included: a type two files share belongs in a third, lower file); `kpi/` imports
 * nothing above it; adapters never import a use case.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const FUNCTIONS = join(ROOT, "functions");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/**
 * Statements at the start of a line (so examples in comments, indented behind ` * `, do not
 * count): `import … from "x"`, `export … from "x"`, `import "x"`; and any `import("x")`.
 */
const IMPORT_PATTERNS = [
  /^(?:import|export)\s+(?:type\s+)?(?:\*\s+as\s+\w+|\*|\{[^}]*\}|\w+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+\w+))?)\s+from\s*["']([^"']+)["']/gm,
  /^import\s*["']([^"']+)["']/gm,
  /\bimport\(\s*["']([^"']+)["']\s*\)/g,
];

/** Relative imports and re-exports of a file (type-only ones too), as repo paths. */
function importsOf(file: string, text = readFileSync(file, "utf8")): string[] {
  const specs = IMPORT_PATTERNS.flatMap((pattern) =>
    [...text.matchAll(pattern)].map((match) => match[1] as string),
  );
  return [...new Set(specs)]
    .filter((spec) => spec.startsWith("."))
    .map((spec) => relative(ROOT, resolve(dirname(file), spec)));
}

/** Every cycle of the graph, each once, as the files in order from its smallest name. */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles = new Map<string, string[]>();
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "open") {
        const cycle = stack.slice(stack.indexOf(next));
        const start = cycle.indexOf([...cycle].sort()[0] as string);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(rotated.join(" → "), rotated);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return [...cycles.values()];
}

/**
 * The use cases and their wiring: what the handlers and the CLI call. Adapters implement the
 * ports these call; they never reach them.
 */
const USE_CASES = [
  "functions/lib/report/run-report.ts",
  "functions/lib/alerts/on-call.ts",
  "functions/lib/alerts/replay.ts",
  "functions/lib/dashboard/publish.ts",
  "functions/lib/notify/policy.ts",
  "functions/lib/runtime/",
  "functions/cli/",
];

function isUseCase(file: string): boolean {
  return USE_CASES.some((useCase) => file.startsWith(useCase));
}

/** Every file `start` imports, directly or through others. */
function reachableFrom(graph: ReadonlyMap<string, readonly string[]>, start: string): Set<string> {
  const seen = new Set<string>();
  const todo = [...(graph.get(start) ?? [])];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...(graph.get(file) ?? []));
  }
  return seen;
}

const graph = new Map(
  sourceFiles(FUNCTIONS).map((file) => [relative(ROOT, file), importsOf(file)] as const),
);

describe("import graph of functions/", () => {
  it("finds the files and their imports", () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get("functions/lib/report/run-report.ts")).toContain(
      "functions/lib/report/compute.ts",
    );
  });

  it("has no import circles", () => {
    const found = cyclesOf(graph).map((cycle) => [...cycle, cycle[0]].join(" → "));
    expect(found).toEqual([]);
  });

  it("kpi/ imports nothing above it (only kpi/ and the data contract, contract/)", () => {
    const below = ["functions/lib/kpi/", "functions/lib/contract/"];
    const upward = [...graph].flatMap(([file, imports]) =>
      file.startsWith("functions/lib/kpi/")
        ? imports
            .filter((i) => !below.some((dir) => i.startsWith(dir)))
            .map((i) => `${file} → ${i}`)
        : [],
    );
    expect(upward).toEqual([]);
  });

  it("adapters never import a use case, directly or through another file", () => {
    const upward = [...graph.keys()]
      .filter((file) => file.startsWith("functions/lib/adapters/"))
      .flatMap((file) =>
        [...reachableFrom(graph, file)].filter(isUseCase).map((useCase) => `${file} → ${useCase}`),
      );
    expect(upward).toEqual([]);
  });

  it("the cycle finder finds a circle of three and a circle of two", () => {
    const cycles = cyclesOf(
      new Map([
        ["a", ["b"]],
        ["b", ["c"]],
        ["c", ["a", "d"]],
        ["d", ["e"]],
        ["e", ["d"]],
      ]),
    );
    expect(cycles).toEqual([
      ["a", "b", "c"],
      ["d", "e"],
    ]);
  });

  it("reads type-only, multi-line and re-export imports, not examples in comments", () => {
    const file = join(FUNCTIONS, "lib/report/example.ts");
    const text = [
      'import type { A } from "./a.ts";',
      "import {",
      "  b,",
      "  type C,",
      '} from "../b.ts";',
      'export { d } from "./d.ts";',
      'import "./side-effect.ts";',
      ' * import { e } from "./e.ts";',
      'const lazy = await import("./lazy.ts");',
    ].join("\n");
    expect(importsOf(file, text).sort()).toEqual([
      "functions/lib/b.ts",
      "functions/lib/report/a.ts",
      "functions/lib/report/d.ts",
      "functions/lib/report/lazy.ts",
      "functions/lib/report/side-effect.ts",
    ]);
  });
});

describe("zod imports", () => {
  it("use the namespace (`import * as z`): a named `import { z }` keeps zod's 40 locales in each Lambda bundle (+285 KiB)", () => {
    const named = sourceFiles(FUNCTIONS).filter((file) =>
      /^import\s+\{[^}]*\bz\b[^}]*\}\s+from\s+["']zod["']/m.test(readFileSync(file, "utf8")),
    );
    expect(named.map((file) => relative(ROOT, file))).toEqual([]);
  });
});
