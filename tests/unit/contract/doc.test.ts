import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TABLES } from "../../../functions/lib/contract/schema.ts";
import {
  BEGIN_MARKER,
  CONTRACT_DOC,
  END_MARKER,
  renderTablesSection,
  updateContractDoc,
} from "../../../scripts/contract-doc.ts";

const doc = readFileSync(CONTRACT_DOC, "utf8");

/** The `| \`column\` | type | nullable |` rows of one table's section in the doc. */
function documentedColumns(text: string, table: string): string[][] {
  const start = text.indexOf(`### \`${table}\``);
  expect(start, `docs/data-contract.md has no section for ${table}`).toBeGreaterThan(-1);
  const next = text.indexOf("###", start + 4);
  const section = text.slice(start, next === -1 ? text.indexOf(END_MARKER) : next);
  return [...section.matchAll(/^\| `([a-z_]+)` \| ([^|]+) \| (yes|no) \|/gm)].map((m) => [
    m[1]!,
    m[2]!.trim(),
    m[3]!,
  ]);
}

describe("docs/data-contract.md", () => {
  it("has the tables section generated from TABLES (run node scripts/contract-doc.ts if not)", () => {
    expect(updateContractDoc(doc)).toBe(doc);
  });

  it("documents every column of every table with its type and nullability, in order", () => {
    for (const table of Object.values(TABLES)) {
      expect(documentedColumns(doc, table.name)).toEqual(
        table.columns.map((c) => [c.name, c.type, c.nullable ? "yes" : "no"]),
      );
    }
  });

  it("detects drift: a hand-edited or stale section does not pass the check", () => {
    const stale = doc.replace("| `automated` | boolean | yes |", "| `automated` | varchar | yes |");
    expect(stale).not.toBe(doc);
    expect(updateContractDoc(stale)).toBe(doc);
    const withoutColumn = doc.replace(/^\| `referrer_user_id` .*\n/m, "");
    expect(updateContractDoc(withoutColumn)).not.toBe(withoutColumn);
  });

  it("renders the lake layout of each table from queries/_sources.yaml", () => {
    const section = renderTablesSection();
    expect(section).toContain("`<lake>/events/dt=YYYY-MM-DD/*.parquet`");
    expect(section).toContain("`<lake>/orders/dt=YYYY-MM-DD/*.parquet`");
    expect(section).toContain("`<lake>/dims/campaigns/*.parquet`");
    expect(section).toContain("`<lake>/dims/content/*.parquet`");
  });

  it("refuses a doc whose markers were removed", () => {
    expect(() => updateContractDoc(doc.replace(BEGIN_MARKER, ""))).toThrow(/markers/);
  });
});
