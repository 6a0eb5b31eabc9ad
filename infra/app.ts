/**
 * The CDK app entry (`cdk.json`: `node infra/app.ts`). A config a person can fix is reported
 * as its problem lines, exactly as `opspulse validate` prints them, without a stack trace.
 */
import { ConfigError } from "../functions/lib/config/load.ts";
import { buildApp } from "./build-app.ts";

try {
  buildApp().app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.problems.join("\n")}\n`);
  process.exitCode = 1;
}
