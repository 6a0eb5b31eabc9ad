/**
 * Keeps the tables section of `docs/data-contract.md` generated from the one source of the
 * contract, `TABLES` in `functions/lib/contract/schema.ts` (and the lake locations of
 * `queries/_sources.yaml`). The prose around the section is written by hand.
 *
 *   node scripts/contract-doc.ts          rewrite the section
 *   node scripts/contract-doc.ts --check  fail if the doc has drifted (the unit test does this too)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TABLES, type TableSpec } from "../functions/lib/contract/schema.ts";
import { loadSources, type SourceDecl } from "../functions/lib/query/catalog.ts";

export const CONTRACT_DOC = fileURLToPath(new URL("../docs/data-contract.md", import.meta.url));
export const BEGIN_MARKER =
  "<!-- tables:begin — generated from functions/lib/contract/schema.ts by `node scripts/contract-doc.ts`; do not edit by hand -->";
export const END_MARKER = "<!-- tables:end -->";

/** The generated tables section (without the markers). */
export function renderTablesSection(sources: readonly SourceDecl[] = loadSources()): string {
  const blocks = Object.values(TABLES).map((table) => renderTable(table, sources));
  return `\n${blocks.join("\n")}`;
}

function renderTable(table: TableSpec, sources: readonly SourceDecl[]): string {
  const source = sources.find((s) => s.name === table.name);
  const extension = source?.format === "jsonl" ? "jsonl" : "parquet";
  const location = source
    ? `\`<lake>/${source.location}${source.partitioned_by ? `${source.partitioned_by}=YYYY-MM-DD/` : ""}*.${extension}\``
    : "(not declared in queries/_sources.yaml)";
  const layout = table.partitionTimeColumn
    ? `Partitioned by \`dt\`, the UTC date of \`${table.partitionTimeColumn}\`: ${location}.`
    : `A dimension, not partitioned: ${location}.`;
  const rows = table.columns.map(
    (c) =>
      `| \`${c.name}\` | ${c.type} | ${c.nullable ? "yes" : "no"} | ${c.description.replaceAll("|", "\\|")} |`,
  );
  return [
    `### \`${table.name}\``,
    "",
    layout,
    "",
    "| column | type | nullable | meaning |",
    "|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

/** `text` with its tables section replaced by the generated one. */
export function updateContractDoc(text: string, section: string = renderTablesSection()): string {
  const begin = text.indexOf(BEGIN_MARKER);
  const end = text.indexOf(END_MARKER);
  if (begin === -1 || end === -1 || end < begin)
    throw new Error(
      `docs/data-contract.md has lost its tables markers; put back ${BEGIN_MARKER} and ${END_MARKER}`,
    );
  return `${text.slice(0, begin + BEGIN_MARKER.length)}${section}${text.slice(end)}`;
}

function main(): void {
  const current = readFileSync(CONTRACT_DOC, "utf8");
  const updated = updateContractDoc(current);
  if (process.argv.includes("--check")) {
    if (updated !== current) {
      process.stderr.write(
        "docs/data-contract.md is out of date with schema.ts: run node scripts/contract-doc.ts\n",
      );
      process.exitCode = 1;
    }
    return;
  }
  if (updated !== current) writeFileSync(CONTRACT_DOC, updated);
  process.stdout.write(`contract-doc: ${updated === current ? "up to date" : "updated"}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
