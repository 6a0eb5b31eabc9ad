/**
 * Vitest's file order: the long files first, then the others as vitest orders them. Two
 * workers share the suite, and a long property test that starts last leaves one worker
 * idle while it runs; vitest orders by the last run's durations, but a CI runner starts
 * without them and then orders by file size, which puts the long files anywhere.
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** The files that take longest, longest first (the oracle property tests, the demo lake). */
export const LONG_FILES = [
  "tests/queries/user-kpis.property.test.ts",
  "tests/queries/identity.property.test.ts",
  "tests/e2e/demo-summary.test.ts",
  "tests/queries/segments.property.test.ts",
  "tests/queries/rollup-kpis.property.test.ts",
  "tests/e2e/cli-report.test.ts",
  "tests/faults/fuzz.test.ts",
  "tests/queries/weekly-states.property.test.ts",
];

export default class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = LONG_FILES.findIndex((path) => file.moduleId.endsWith(`/${path}`));
      return index === -1 ? LONG_FILES.length : index;
    };
    // Array.prototype.sort is stable: the other files keep vitest's order.
    return sorted.toSorted((a, b) => rank(a) - rank(b));
  }
}
