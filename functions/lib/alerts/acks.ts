/**
 * Acknowledge and silence from the command line: a pure change of the alert state
 * (`kpi/alert-acks.ts`) saved with the state store's compare-and-swap (S3 `If-Match`, a
 * local version file), loading again when another writer — a report run, another ack —
 * saved first. Nothing is sent; the next run's messages show the ack ("acked by … at …").
 */
import { type AlertState, parseAlertState } from "../kpi/alerts.ts";
import type { AlertStateStore } from "../ports.ts";

/**
 * The alert state kept changing under a run or command; nothing was sent. It lives here, not
 * in the on-call use case, so that light callers (the chat command endpoint) can use the
 * compare-and-swap without bundling the report renderer.
 */
export class AlertStateConflictError extends Error {
  override name = "AlertStateConflictError";
}

/**
 * Applies `change` to the stored alert state and saves it with the version it read; on a
 * conflict loads again, up to `attempts` times. Errors of `change` (nothing to ack) are
 * thrown as they are, with nothing saved.
 */
export async function changeAlertState<T>(
  store: AlertStateStore,
  change: (state: AlertState) => { readonly state: AlertState; readonly result: T },
  attempts = 20,
): Promise<{ readonly result: T; readonly attempts: number; readonly state: AlertState }> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const loaded = await store.load();
    const { state, result } = change(parseAlertState(loaded.state));
    if (await store.save(state, loaded.version)) return { result, attempts: attempt, state };
  }
  throw new AlertStateConflictError(
    `The alert state changed under this command ${attempts} times in a row: run it again.`,
  );
}
