/**
 * Every KPI module the reports run, in report order. A new module is one folder file here
 * and one line in this list.
 */
import type { KpiModule } from "../modules.ts";
import { campaignJoinsModule } from "./campaign-joins.ts";
import { campaignsModule } from "./campaigns.ts";
import { contentModule } from "./content.ts";
import { efficiencyModule } from "./efficiency.ts";
import { segmentsModule } from "./segments.ts";
import { usersModule } from "./users.ts";

// Efficiency comes after users: it reuses their MAU (context.computed) instead of rescanning.
export const ALL_MODULES: readonly KpiModule[] = [
  usersModule,
  segmentsModule,
  contentModule,
  campaignsModule,
  campaignJoinsModule,
  efficiencyModule,
];
