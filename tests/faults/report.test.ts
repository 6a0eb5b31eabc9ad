/**
 * The README's "Reliability" table (`npm run faults:report`): rows grouped by area in test
 * order, markup in the faults shown as text, only the section between the markers replaced.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  BEGIN_MARKER,
  END_MARKER,
  README,
  renderTable,
  replaceSection,
} from "../../scripts/faults-report.ts";

const row = (area: string, fault: string, file: string, order: number) => ({
  area,
  fault,
  expected: "e",
  observed: "o",
  file,
  order,
});

describe("faults:report", () => {
  it("groups rows by area in the table's order, then by file and test order", () => {
    const table = renderTable([
      row("Security", "scan", "tests/faults/security.test.ts", 0),
      row("Engine failures", "SES", "tests/faults/engine-failures.test.ts", 1),
      row("Duplicate triggers", "twice", "tests/faults/duplicate-triggers.test.ts", 0),
      row("Engine failures", "Athena", "tests/faults/engine-failures.test.ts", 0),
    ]);
    const faults = table
      .split("\n")
      .slice(2)
      .map((line) => line.split(" | ")[1]);
    expect(faults).toEqual(["twice", "Athena", "SES", "scan"]);
  });

  it("shows markup and pipes in a fault as text", () => {
    const table = renderTable([row("Injection", "<script> | x", "f", 0)]);
    expect(table).toContain("| &lt;script&gt; \\| x |");
  });

  it("replaces only the section between the markers", () => {
    const readme = `# t\n\nbefore\n${BEGIN_MARKER}\nold\n${END_MARKER}\nafter\n`;
    expect(replaceSection(readme, "new")).toBe(
      `# t\n\nbefore\n${BEGIN_MARKER}\nnew\n${END_MARKER}\nafter\n`,
    );
    expect(() => replaceSection("# no markers\n", "new")).toThrow(/no "<!-- faults:end -->"/);
  });

  it("the README has the section, with a row for each area", () => {
    const readme = readFileSync(README, "utf8");
    const section = readme.slice(readme.indexOf(BEGIN_MARKER), readme.indexOf(END_MARKER));
    expect(section.length).toBeGreaterThan(BEGIN_MARKER.length);
    for (const area of ["Duplicate triggers", "Engine failures", "Bad data", "Late data"]) {
      expect(section).toContain(`| ${area} |`);
    }
  });
});
