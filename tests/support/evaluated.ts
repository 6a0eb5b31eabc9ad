/**
 * A registry metric judged against a plain target by the real `evaluate` (a 10 % warning
 * band): the input of the card, email and reply tests.
 */
import { type EvaluatedMetric, evaluate } from "../../functions/lib/kpi/evaluate.ts";
import { metric } from "../../functions/lib/kpi/registry.ts";

export function evaluatedMetric(
  id: string,
  value: number,
  target: number,
  options: { readonly previous?: number; readonly minSample?: number } = {},
): EvaluatedMetric {
  const def = metric(id);
  return {
    def,
    value: { value },
    evaluation: evaluate({
      metric: def,
      value: { value },
      target: {
        value: target,
        basis: def.targetBasis,
        warningBand: 0.1,
        minSample: options.minSample ?? 1,
      },
      ...(options.previous !== undefined ? { previous: options.previous } : {}),
    }),
  };
}
