/**
 * Every CLI command, registered in the order `--help` lists them.
 * A new command is one file in this folder and one line here.
 */
import type { Command } from "commander";
import { registerSql } from "./sql.ts";

export function registerCommands(program: Command): void {
  registerSql(program);
}
