import { existsSync } from "node:fs";
import { ConfigError, defaultConfig, loadConfig, type OpsConfig } from "../lib/config/load.ts";
import { DEFAULT_CONFIG_DIR } from "./defaults.ts";
import { UserError } from "./errors.ts";

/**
 * The config folder given, else `config/` when present, else the plan's defaults; an
 * invalid config is a UserError naming its first problem.
 */
export function readConfigOrDefaults(dir: string | undefined): OpsConfig {
  const folder = dir ?? (existsSync(DEFAULT_CONFIG_DIR) ? DEFAULT_CONFIG_DIR : undefined);
  if (folder === undefined) return defaultConfig();
  try {
    return loadConfig(folder);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new UserError(
        `${error.problems[0] ?? "invalid config"} (run "opspulse validate --config ${folder}" for every problem)`,
        { cause: error },
      );
    }
    throw error;
  }
}
