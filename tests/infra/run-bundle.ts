/**
 * Runs a BUILT scheduled-report bundle as the Node.js runtime would, in the process it is
 * started in (`node tests/infra/run-bundle.ts <asset folder> <report>@<scheduled time>…`):
 * one container, invoked once per schedule event, then prints what came out as one JSON line
 * after `RESULT `.
 *
 * The parent passes the environment the stack gives the function, its `/var/task` paths
 * pointing into the asset folder. The only modules resolved outside the bundle are the
 * `@aws-sdk/client-*` packages, which the Lambda runtime provides: here they are the
 * repository's, the very modules the AWS world of the handler tests mocks (Athena answering
 * from DuckDB, a fake S3 bucket, a live aws-ses-v2-local). Any other import the bundle could
 * not satisfy from itself (its `node_modules/` included) fails, as it would on Lambda.
 *
 * The clock is set to each scheduled time, as the handler tests set it.
 */
import { registerHooks } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compileYamlFolder } from "../../functions/lib/yaml/compile.ts";
import { REPO_ROOT } from "../../infra/handlers.ts";
import { createAwsWorld, lambdaContext } from "../unit/handlers/aws-world.ts";

const [assetDir, ...fires] = process.argv.slice(2);
if (!assetDir || fires.length === 0) {
  throw new Error("usage: node tests/infra/run-bundle.ts <asset folder> <report>@<time>…");
}
const bundleUrl = pathToFileURL(join(assetDir, "index.mjs")).href;
const repoUrl = pathToFileURL(join(REPO_ROOT, "package.json")).href;

/** Where each bare import of the bundle was found. */
const resolved: Record<string, string> = {};
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (context.parentURL !== bundleUrl || /^(node:|\.|\/|file:)/.test(specifier)) {
      return nextResolve(specifier, context);
    }
    const result = specifier.startsWith("@aws-sdk/client-")
      ? nextResolve(specifier, { ...context, parentURL: repoUrl })
      : nextResolve(specifier, context);
    resolved[specifier] = result.url;
    return result;
  },
});

let now = 0;
const RealDate = Date;
globalThis.Date = class extends RealDate {
  constructor(...args: ConstructorParameters<DateConstructor> | []) {
    if (args.length === 0) super(now);
    else super(...(args as ConstructorParameters<DateConstructor>));
  }
  static override now() {
    return now;
  }
} as DateConstructor;

const world = await createAwsWorld({ everyClient: true });
try {
  // What only the test world knows: its config (matching its lake) and the SES endpoint. The
  // bundle carries no YAML parser: the config is compiled as the stack's bundling compiles it.
  compileYamlFolder(world.configDir);
  process.env.OPSPULSE_CONFIG_DIR = world.configDir;
  process.env.AWS_ENDPOINT_URL_SES = world.sesEndpoint;

  const { handler } = (await import(bundleUrl)) as {
    handler: (event: unknown, context: unknown) => Promise<unknown>;
  };
  const context = lambdaContext(process.env.AWS_LAMBDA_FUNCTION_NAME ?? "opspulse-bundle");
  const summaries: unknown[] = [];
  for (const fire of fires) {
    const [report, scheduledTime = ""] = fire.split("@");
    now = Date.parse(scheduledTime);
    summaries.push(await handler({ report, timeZone: "Asia/Shanghai", scheduledTime }, context));
  }
  const emails = (await world.sentEmails()) as unknown as {
    subject: string;
    body: { html?: string };
    attachments: { contentType: string; cid?: string; content: string }[];
  }[];
  process.stdout.write(
    `RESULT ${JSON.stringify({
      summaries,
      resolved,
      // The dashboard page (Vega-Lite charts as SVG), as published to the state bucket.
      dashboard: world.bucket.objects.get("dashboard/index.html")?.body ?? "",
      emails: emails.map((email) => ({
        subject: email.subject,
        html: email.body.html ?? "",
        attachments: email.attachments.map((a) => ({
          contentType: a.contentType,
          cid: a.cid ?? null,
          content: a.content,
        })),
      })),
    })}\n`,
  );
} finally {
  await world.close();
}
