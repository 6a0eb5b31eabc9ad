/**
 * Every CLI command, registered in the order `--help` lists them.
 * A new command is one file in this folder and one line here.
 */
import type { Command } from "commander";
import { registerGenerate } from "./generate.ts";
import { registerImport } from "./import.ts";
import { registerSql } from "./sql.ts";

export function registerCommands(program: Command): void {
  registerGenerate(program);
  registerImport(program);
  registerSql(program);
}
