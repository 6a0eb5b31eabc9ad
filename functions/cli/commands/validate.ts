import type { Command } from "commander";
import { ConfigError, loadDeploymentConfig } from "../../lib/config/load.ts";
import { REPORT_NAMES } from "../../lib/config/schema.ts";
import { DEFAULT_CONFIG_DIR } from "../defaults.ts";
import { UserError } from "../errors.ts";

/**
 * `opspulse validate [--config DIR]`: checks targets, settings, schedules and recipients
 * against their schemas; prints every problem (file, path, what was expected), one a line,
 * and exits non-zero when there is any.
 */
export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("check the config folder (targets, settings, schedules, recipients)")
    .option(
      "--config <dir>",
      `config folder (default: $OPSPULSE_CONFIG_DIR or ${DEFAULT_CONFIG_DIR})`,
    )
    .action((opts: { config?: string }) => {
      const dir = opts.config ?? process.env.OPSPULSE_CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
      try {
        const config = loadDeploymentConfig(dir);
        const lists = REPORT_NAMES.flatMap((report) => config.recipients[report]);
        const schedules = REPORT_NAMES.filter((report) => config.schedules[report].enabled);
        process.stdout.write(
          `${dir} is valid (version ${config.version}): ${Object.keys(config.targets).length} targets, ${schedules.length} schedules (${schedules.join(", ")}) in ${config.timeZone}, ${lists.length} recipient lists${config.onCall ? " and on-call" : ""}${config.contactPoints ? `, ${config.contactPoints.length} chat contact points (${config.contactPoints.map((p) => `${p.name}: ${p.type}`).join(", ")})` : ""}\n`,
        );
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        process.stderr.write(`${error.problems.join("\n")}\n`);
        const count = error.problems.length;
        throw new UserError(
          `${dir} is invalid: ${count} problem${count === 1 ? "" : "s"} (listed above)`,
          {
            cause: error,
          },
        );
      }
    });
}
