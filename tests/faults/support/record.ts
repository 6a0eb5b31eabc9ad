/**
 * What each fault test observed, for the README's "Reliability" table.
 *
 * A test calls {@link recordFault} after its assertions passed, with what it measured (counts
 * of emails, retries, the error line…). The lines go to the JSON Lines file named by
 * `OPSPULSE_FAULTS_REPORT` (set by `npm run faults:report`, see `scripts/faults-report.ts`);
 * in a plain `npm test` nothing is written.
 */
import { appendFileSync } from "node:fs";
import { relative } from "node:path";
import { expect } from "vitest";

/** One row of the table. */
export interface FaultObservation {
  /** Group of the table: "Duplicate triggers", "Engine failures", … */
  readonly area: string;
  /** The fault injected, in a few words. */
  readonly fault: string;
  /** What must happen. */
  readonly expected: string;
  /** What the test measured, in a few words (counts, the error line). */
  readonly observed: string;
}

let recorded = 0;

/**
 * Appends `observation` to the report file, when one is being written, with the test file
 * and the order within it (the files run in parallel; the report sorts by them).
 */
export function recordFault(observation: FaultObservation): void {
  const file = process.env.OPSPULSE_FAULTS_REPORT;
  if (!file) return;
  const testPath = expect.getState().testPath ?? "";
  const line = { ...observation, file: relative(process.cwd(), testPath), order: recorded++ };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}
