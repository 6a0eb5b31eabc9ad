/**
 * How a metric's target reads, in the email and on the dashboard alike: "Target ≥ 40.0 %",
 * "Target YoY growth ≥ +30.0 % · YoY +31.8 %", "Target ≥ 73 to date (100 a month)".
 */
import type { ResolvedTarget, Status } from "../../kpi/evaluate.ts";
import type { Locale, MetricDef } from "../../kpi/registry.ts";
import { STRINGS, type ValueFormatter } from "./i18n.ts";

/** What the target text reads from a judged metric (an evaluation or a stored snapshot). */
export interface JudgedTarget {
  readonly target?: ResolvedTarget | null | undefined;
  /** The effective target (a monthly target pro-rated to the day). */
  readonly threshold: number | null | undefined;
  /** The number compared (year-on-year growth for a `yoy_growth` target). */
  readonly measured: number | null | undefined;
  readonly status: Status;
}

/** The target of `def` as people read it, or null for a metric without one. */
export function targetText(
  def: Pick<MetricDef, "direction" | "unit">,
  judged: JudgedTarget,
  locale: Locale,
  format: ValueFormatter,
): string | null {
  const t = judged.target;
  if (!t) return null;
  const strings = STRINGS[locale];
  const sign = def.direction === "higher" ? "≥" : "≤";
  switch (t.basis) {
    case "yoy_growth": {
      const measured =
        judged.status !== "insufficient_data" && typeof judged.measured === "number"
          ? judged.measured
          : null;
      const now =
        measured === null ? "" : ` · ${strings.yearOnYear} ${format.signedPercent(measured)}`;
      return `${strings.target} ${strings.yoyGrowth} ${sign} ${format.signedPercent(t.value)}${now}`;
    }
    case "monthly_prorated":
      return strings.targetPerMonth(
        `${sign} ${format.value(def.unit, judged.threshold ?? t.value)}`,
        format.value(def.unit, t.value),
      );
    default:
      return `${strings.target} ${sign} ${format.value(def.unit, t.value)}`;
  }
}
