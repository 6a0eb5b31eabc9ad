/**
 * Shared by the stack tests: the context of `cdk.json` (feature flags, as the CLI passes
 * them) and one synthesis of the app, with Lambda bundling skipped unless asked for.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { type BuildAppOptions, buildApp, type OpsPulseApp } from "../../infra/build-app.ts";
import { REPO_ROOT } from "../../infra/handlers.ts";

/** The `context` of cdk.json. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, "cdk.json"), "utf8")) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

export interface SynthOptions extends Omit<BuildAppOptions, "context"> {
  /** Extra context, e.g. `{ "opspulse:lakeBucketName": "existing-lake" }`. */
  readonly context?: Record<string, unknown>;
  /** Run esbuild for real (slow); default: skip bundling as `cdk synth --exclusively` does. */
  readonly bundle?: boolean;
}

/** Builds the app as `cdk synth` would (cdk.json context first) and returns it with its template. */
export function synthOpsPulse(options: SynthOptions = {}): OpsPulseApp & { template: Template } {
  const { bundle = false, context = {}, ...rest } = options;
  const built = buildApp({
    ...rest,
    context: {
      ...cdkJsonContext(),
      // An empty list tells the CDK to bundle no stack's assets (the entries must still exist).
      ...(bundle ? {} : { "aws:cdk:bundling-stacks": [] }),
      ...context,
    },
  });
  return { ...built, template: Template.fromStack(built.stack) };
}
