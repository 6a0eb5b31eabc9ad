/**
 * The suite's file order (tests/support/long-files-first.ts): every file it names exists (a
 * renamed property test would otherwise start wherever vitest puts it), and they run first,
 * in its order, before the others.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { TestSpecification, Vitest } from "vitest/node";
import LongFilesFirst, { LONG_FILES } from "../../support/long-files-first.ts";

const repo = resolve(import.meta.dirname, "../../..");

describe("long files first", () => {
  it("names files that exist", () => {
    for (const file of LONG_FILES) expect(existsSync(resolve(repo, file)), file).toBe(true);
  });

  it("puts them first, in its order, and keeps the others' order", async () => {
    const spec = (path: string) =>
      ({
        moduleId: resolve(repo, path),
        project: { name: "", config: { sequence: { groupOrder: 0 }, isolate: true } },
      }) as unknown as TestSpecification;
    const ctx = {
      config: { root: repo },
      cache: { getFileTestResults: () => undefined, getFileStats: () => undefined },
    } as unknown as Vitest;
    const files = [
      "tests/unit/kpi/rfm.test.ts",
      LONG_FILES[2] ?? "",
      "tests/unit/kpi/alerts.test.ts",
      LONG_FILES[0] ?? "",
    ];
    const sorted = await new LongFilesFirst(ctx).sort(files.map(spec));
    expect(sorted.map((file) => file.moduleId)).toEqual(
      [
        LONG_FILES[0],
        LONG_FILES[2],
        "tests/unit/kpi/rfm.test.ts",
        "tests/unit/kpi/alerts.test.ts",
      ].map((path) => resolve(repo, path ?? "")),
    );
  });
});
