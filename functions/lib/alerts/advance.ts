/**
 * One period's step of the on-call alert state against the store: load, apply (pure
 * `kpi/alerts.ts`, with the silences set from the CLI), save with a compare-and-swap, again
 * on a conflict. Shared by the report's alert hook (on-call.ts) and the pulse (pulse/), in a
 * file of its own so that the pulse's bundle carries none of the report's renderers.
 */
import { silenceRules } from "../kpi/alert-acks.ts";
import {
  type AlertRules,
  type AlertStep,
  type PeriodObservations,
  parseAlertState,
  stepAlerts,
} from "../kpi/alerts.ts";
import type { AlertStateStore } from "../ports.ts";
import { AlertStateConflictError } from "./acks.ts";

/**
 * Loads the alert state, applies the period and saves it with the version it read; on a
 * conflict (another run saved first) loads again, up to `attempts` times.
 */
export async function advanceAlertState(
  store: AlertStateStore,
  input: PeriodObservations,
  rules: AlertRules,
  at: Date,
  attempts = 20,
): Promise<AlertStep & { readonly attempts: number }> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const loaded = await store.load();
    const state = parseAlertState(loaded.state);
    // Silences set from the CLI (`opspulse alerts silence`) join those of alerts.yaml.
    const withSilences = { ...rules, silences: [...rules.silences, ...silenceRules(state, at)] };
    const step = stepAlerts(state, input, withSilences, at);
    if (await store.save(step.state, loaded.version)) return { ...step, attempts: attempt };
  }
  throw new AlertStateConflictError(
    `The alert state changed under this run ${attempts} times in a row: too many runs at once. Re-run the report; its alerts are sent once either way.`,
  );
}
