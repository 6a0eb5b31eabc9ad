/**
 * Every KPI module the reports run, in report order. A new module is one folder file here
 * and one line in this list.
 */
import type { KpiModule } from "../modules.ts";
import { usersModule } from "./users.ts";

export const ALL_MODULES: readonly KpiModule[] = [usersModule];
