/**
 * A scheduled run that finds no data at all for its period (the lake stopped loading, the
 * clock or schedule points at the wrong days) must not mail managers a report of zeros:
 * {@link requireSomeData} wraps the completeness gate so that such a run fails before
 * anything is judged or stored, and the failure notice pages on-call instead.
 */
import type { CompletenessVerdict } from "../kpi/completeness.ts";
import type { CompletenessGate } from "../report/run-report.ts";

/** Every table's partitions of the period hold no row: nothing to report on. */
export class PeriodWithoutDataError extends Error {
  override name = "PeriodWithoutDataError";
}

type Checked = CompletenessVerdict["checked"][number];

function isChecked(entry: unknown): entry is Checked {
  const candidate = entry as Partial<Checked> | null;
  return (
    typeof candidate?.table === "string" &&
    typeof candidate.partition === "string" &&
    typeof candidate.rows === "number"
  );
}

/**
 * Whether the gate's checks say the period holds no data at all: at least one partition was
 * checked and every checked partition of every table had no row in the period.
 */
export function holdsNoData(checked: readonly unknown[] | undefined): boolean {
  const entries = (checked ?? []).filter(isChecked);
  return entries.length > 0 && entries.every((entry) => entry.rows === 0);
}

/**
 * The gate `gate`, failing the run with a {@link PeriodWithoutDataError} naming the period
 * and the partitions checked when none of them holds a row of the period.
 */
export function requireSomeData(gate: CompletenessGate): CompletenessGate {
  return {
    name: `${gate.name}+require-data`,
    async check(context) {
      const result = await gate.check(context);
      if (holdsNoData(result.checked)) {
        const partitions = [
          ...new Set((result.checked ?? []).filter(isChecked).map((c) => c.partition)),
        ];
        throw new PeriodWithoutDataError(
          `No data at all for the ${context.request.report} report ${context.periodKey}: every table is empty in partitions ${partitions.join(", ")}. Nothing was sent to managers; check the lake's loading, then re-run the report.`,
        );
      }
      return result;
    },
  };
}
