/**
 * A sample lake with known incidents: the generator run with an {@link IncidentInjector},
 * then the truth file written beside the tables (`<lake>/incidents.json`). Without
 * incidents the lake is the plain sample lake and an old truth file is removed, so a truth
 * file always describes the lake it sits in.
 */
import { rmSync } from "node:fs";
import { type GenerateLakeOptions, type GenerateSummary, generateLake } from "./generator.ts";
import {
  DEFAULT_INCIDENT_OPTIONS,
  IncidentInjector,
  type IncidentOptions,
  type IncidentTruth,
  incidentTruthPath,
  writeIncidentTruth,
} from "./incidents.ts";

export interface IncidentLakeSummary extends GenerateSummary {
  /** The injected incidents; undefined for a lake without. */
  readonly truth?: IncidentTruth;
  readonly truthPath?: string;
}

/** Generates a lake, with incidents when `incidents` is given. */
export async function generateIncidentLake(
  options: GenerateLakeOptions,
  incidents?: Partial<Omit<IncidentOptions, "seed">>,
): Promise<IncidentLakeSummary> {
  rmSync(incidentTruthPath(options.lakeDir), { force: true });
  if (!incidents) return generateLake(options);
  const injector = new IncidentInjector({
    ...DEFAULT_INCIDENT_OPTIONS,
    ...incidents,
    seed: options.seed,
  });
  const summary = await generateLake({ ...options, afterDay: (day) => injector.apply(day) });
  const truth = injector.truth();
  return { ...summary, truth, truthPath: writeIncidentTruth(options.lakeDir, truth) };
}
