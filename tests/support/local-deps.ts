/**
 * What the local end-to-end and fault tests open for a run, as one process would: the
 * filesystem stores on an output folder, the filesystem alert state, the outbox mailer, and
 * the templates compiled from the MJML sources.
 */
import { join } from "node:path";
import { createFsAlertStateStore } from "../../functions/lib/adapters/fs-alert-state.ts";
import { createFsStores } from "../../functions/lib/adapters/fs-store.ts";
import { createOutboxMailer } from "../../functions/lib/adapters/outbox-mailer.ts";
import type { OnCallDeps } from "../../functions/lib/alerts/on-call.ts";
import type { OpsConfig } from "../../functions/lib/config/load.ts";
import { addDays } from "../../functions/lib/kpi/windows.ts";
import type { Clock, QueryEngine } from "../../functions/lib/ports.ts";
import { QueryCatalog } from "../../functions/lib/query/catalog.ts";
import type { ReportTemplates } from "../../functions/lib/report/email/render.ts";
import {
  type CompiledTemplate,
  compileTemplate,
} from "../../functions/lib/report/email/template.ts";
import { compileMjml } from "../../scripts/build-templates.ts";

/** The report and alert templates, compiled from `templates/*.mjml`. */
export interface CompiledTemplates {
  readonly templates: ReportTemplates;
  readonly alertTemplate: CompiledTemplate;
}

/** Compiles the daily, weekly and alert templates from their MJML sources. */
export async function compileTemplatesFromMjml(): Promise<CompiledTemplates> {
  const compile = async (name: string) =>
    compileTemplate(await compileMjml(`templates/${name}.mjml`), name);
  return {
    templates: { day: await compile("daily"), week: await compile("weekly") },
    alertTemplate: await compile("alert"),
  };
}

/** A clock set to the scheduled run of day D: 08:00 in Shanghai the morning after. */
export function scheduledClock(day: string): Clock {
  const at = new Date(`${addDays(day, 1)}T00:00:00Z`);
  return { now: () => at };
}

/** The use case's dependencies on `outDir`: filesystem stores, alert state and outbox. */
export function localOnCallDeps(
  outDir: string,
  parts: CompiledTemplates & {
    readonly engine: QueryEngine;
    readonly clock: Clock;
    readonly config: OpsConfig;
    readonly catalog?: QueryCatalog;
  },
): OnCallDeps {
  const { engine, clock, config, templates, alertTemplate } = parts;
  return {
    engine,
    catalog: parts.catalog ?? new QueryCatalog(),
    ...createFsStores(outDir),
    alertState: createFsAlertStateStore({ dir: join(outDir, "alerts", "state") }),
    mailer: createOutboxMailer({ dir: join(outDir, "outbox"), clock }),
    clock,
    config,
    templates,
    alertTemplate,
  };
}
