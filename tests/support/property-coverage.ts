/**
 * Property tests against the oracles draw random lakes, and now and then a batch of them
 * never gives some metric a real value (a zero, a null): agreement on zeros alone would
 * prove little, and failing for it would make the suite fail by chance. So a property is
 * checked over batches of lakes until every wanted case was seen, up to a limit.
 */
import fc from "fast-check";

/** Lakes per batch (per zone); OPSPULSE_PROPERTY_RUNS raises it for a longer run. */
export function runsPerBatch(fallback: number): number {
  return Number(process.env.OPSPULSE_PROPERTY_RUNS) || fallback;
}

/**
 * Runs `property` over batches of `numRuns` random inputs until `unseen()` is empty or
 * `maxBatches` batches ran; returns what is still unseen (the caller asserts it is empty).
 * With OPSPULSE_PROPERTY_SEED set, batch k uses seed + k, so a failure can be replayed.
 */
export async function checkUntilCovered<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncPropertyWithHooks<Ts>,
  unseen: () => readonly string[],
  options: { readonly numRuns: number; readonly maxBatches?: number },
): Promise<readonly string[]> {
  const seed = Number(process.env.OPSPULSE_PROPERTY_SEED) || undefined;
  const maxBatches = options.maxBatches ?? 4;
  for (let batch = 0; batch < maxBatches && (batch === 0 || unseen().length > 0); batch++) {
    await fc.assert(property, {
      numRuns: options.numRuns,
      seed: seed === undefined ? undefined : seed + batch,
    });
  }
  return unseen();
}
