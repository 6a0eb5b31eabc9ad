/**
 * Builds the CDK app: reads the deployment settings (CDK context) and the `config/` folder,
 * creates the stack and registers cdk-nag's AWS Solutions checks, so that `cdk synth` fails
 * on an invalid config or an unacknowledged finding. `infra/app.ts` runs it; tests call it.
 */
import { relative, resolve } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { loadDeploymentConfig } from "../functions/lib/config/load.ts";
import { loadSources } from "../functions/lib/query/catalog.ts";
import type { BundlingChoices } from "./constructs/report-functions.ts";
import { REPO_ROOT, RUNTIME_FOLDERS } from "./handlers.ts";
import { OpsPulseStack } from "./opspulse-stack.ts";
import { readSettings } from "./settings.ts";

/** Name of the CloudFormation stack. */
export const STACK_NAME = "OpsPulse";

export interface BuildAppOptions {
  /** CDK context (the CLI passes cdk.json and `-c` values through the environment). */
  readonly context?: Record<string, unknown>;
  readonly outdir?: string;
  readonly bundling?: BundlingChoices;
}

export interface OpsPulseApp {
  readonly app: App;
  readonly stack: OpsPulseStack;
}

/**
 * Creates the app and its stack. Throws the config loader's `ConfigError` (one line per
 * problem, the same lines as `opspulse validate`) when `config/` is invalid.
 */
export function buildApp(options: BuildAppOptions = {}): OpsPulseApp {
  const app = new App({
    ...(options.context ? { context: options.context } : {}),
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const settings = readSettings(app.node);
  // Relative to where synth runs (the repository root), so messages read as in `opspulse validate`.
  const config = loadDeploymentConfig(
    relative(process.cwd(), resolve(REPO_ROOT, settings.configDir)) || ".",
  );
  const sources = loadSources(resolve(REPO_ROOT, RUNTIME_FOLDERS.queries));
  const stack = new OpsPulseStack(app, STACK_NAME, {
    settings,
    config,
    sources,
    ...(options.bundling ? { bundling: options.bundling } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
