/**
 * Every CLI command, registered in the order `--help` lists them.
 * A new command is one file in this folder and one line here.
 */
import type { Command } from "commander";
import { registerAlerts } from "./alerts.ts";
import { registerBackfill } from "./backfill.ts";
import { registerChat } from "./chat.ts";
import { registerDashboard } from "./dashboard.ts";
import { registerDemo } from "./demo.ts";
import { registerExport } from "./export.ts";
import { registerGenerate } from "./generate.ts";
import { registerImport } from "./import.ts";
import { registerInvoke } from "./invoke.ts";
import { registerKpis } from "./kpis.ts";
import { registerPulse } from "./pulse.ts";
import { registerRollup } from "./rollup.ts";
import { registerRun } from "./run.ts";
import { registerSql } from "./sql.ts";
import { registerValidate } from "./validate.ts";

export function registerCommands(program: Command): void {
  registerDemo(program);
  registerRun(program);
  registerBackfill(program);
  registerAlerts(program);
  registerValidate(program);
  registerGenerate(program);
  registerImport(program);
  registerInvoke(program);
  registerChat(program);
  registerKpis(program);
  registerPulse(program);
  registerDashboard(program);
  registerExport(program);
  registerSql(program);
  registerRollup(program);
}
