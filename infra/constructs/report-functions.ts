/**
 * The three Lambda functions (scheduled report, campaigns, ad-hoc run): Node.js 24 on arm64,
 * bundled by esbuild as ESM with the AWS SDK clients left to the runtime, the `queries/`,
 * compiled `templates/dist/` and `assets/fonts/` folders and the resvg WebAssembly package
 * copied beside the bundle, and one least-privilege role each.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Duration, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ESBUILD_ALIASES } from "../bundling/aliases.ts";
import { CREATE_REQUIRE_BANNER } from "../bundling/esbuild-shared.ts";
import { LAZY_PACKAGES } from "../bundling/lazy-packages.ts";
import {
  HANDLERS,
  type HandlerName,
  LAMBDA_TASK_ROOT,
  LEAN_HANDLERS,
  REPO_ROOT,
  RUNTIME_FOLDERS,
  RUNTIME_PACKAGES,
} from "../handlers.ts";
import type { AthenaWorkgroup } from "./athena.ts";
import type { LakeCatalog } from "./catalog.ts";
import type { Lake } from "./lake.ts";
import type { Mail } from "./mail.ts";
import type { StateStore } from "./state-store.ts";

/** Memory and time limit of each function; a report is a few Athena queries and one render. */
export const FUNCTION_SIZING: Record<HandlerName, { memoryMb: number; timeout: Duration }> = {
  scheduledReport: { memoryMb: 1024, timeout: Duration.minutes(10) },
  campaigns: { memoryMb: 1024, timeout: Duration.minutes(10) },
  adhocRun: { memoryMb: 1024, timeout: Duration.minutes(10) },
  // Two Athena queries (and, once a day, the hourly rollups of a new baseline day).
  pulse: { memoryMb: 512, timeout: Duration.minutes(5) },
};

/** Handlers that EventBridge Scheduler invokes (asynchronously). */
const SCHEDULED_HANDLERS: readonly HandlerName[] = ["scheduledReport", "campaigns", "pulse"];

export interface BundlingChoices {
  /** Minify the bundle (default true; tests turn it off to bundle faster). */
  readonly minify?: boolean;
}

export interface ReportFunctionsProps {
  readonly lake: Lake;
  readonly catalog: LakeCatalog;
  readonly athena: AthenaWorkgroup;
  readonly state: StateStore;
  readonly mail: Mail;
  /** Where an asynchronous invocation lands after its retries fail. */
  readonly deadLetters: sqs.IQueue;
  /** Folder of the deployment config, relative to the repository, copied into each bundle. */
  readonly configDir: string;
  readonly bundling?: BundlingChoices;
  /** The Parameters and Secrets extension, when a function reads a secret (dashboard links). */
  readonly paramsAndSecrets?: lambda.ParamsAndSecretsLayerVersion;
}

export class ReportFunctions extends Construct {
  readonly functions: Readonly<Record<HandlerName, nodejs.NodejsFunction>>;

  constructor(scope: Construct, id: string, props: ReportFunctionsProps) {
    super(scope, id);
    const copied = runtimeFolders(props.configDir);
    if (Stack.of(this).bundlingRequired) assertFoldersExist(copied);

    // The variables functions/lib/runtime/env.ts reads; OPSPULSE_RUNTIME=aws selects Athena,
    // the S3 stores and SES. Folders are where the bundling hook below copies them.
    const environment = {
      OPSPULSE_RUNTIME: "aws",
      OPSPULSE_ATHENA_WORKGROUP: props.athena.workgroupName,
      OPSPULSE_ATHENA_DATABASE: props.catalog.databaseName,
      // Partition projection starts there: a period before it would read no data.
      OPSPULSE_LAKE_FIRST_DAY: props.catalog.firstDay,
      // Rollup builds are sized to stay under the workgroup's per-query cutoff.
      OPSPULSE_ATHENA_BYTES_CUTOFF: String(props.athena.bytesScannedCutoffPerQuery),
      // Where the runs keep the rollups they build (functions/lib/rollups/).
      OPSPULSE_LAKE_URI: props.lake.uri(),
      OPSPULSE_STATE_BUCKET: props.state.bucket.bucketName,
      OPSPULSE_SES_CONFIGURATION_SET: props.mail.configurationSet.configurationSetName,
      OPSPULSE_SES_TAGS: "app=opspulse",
      OPSPULSE_CONFIG_DIR: `${LAMBDA_TASK_ROOT}/${BUNDLE_FOLDERS.config}`,
      OPSPULSE_QUERIES_DIR: `${LAMBDA_TASK_ROOT}/${BUNDLE_FOLDERS.queries}`,
      OPSPULSE_TEMPLATES_DIR: `${LAMBDA_TASK_ROOT}/${BUNDLE_FOLDERS.templates}`,
      OPSPULSE_FONTS_DIR: `${LAMBDA_TASK_ROOT}/${BUNDLE_FOLDERS.fonts}`,
      NODE_OPTIONS: "--enable-source-maps",
    };

    const created = {} as Record<HandlerName, nodejs.NodejsFunction>;
    for (const name of Object.keys(HANDLERS) as HandlerName[]) {
      const handler = HANDLERS[name];
      const sizing = FUNCTION_SIZING[name];
      const logGroup = new logs.LogGroup(this, `${handler.id}Logs`, {
        retention: logs.RetentionDays.THREE_MONTHS,
      });
      // Our own role: no AWS managed policy, only what this function needs.
      const role = new iam.Role(this, `${handler.id}Role`, {
        assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
        description: `opspulse ${handler.entry}`,
      });
      logGroup.grantWrite(role);
      props.lake.grantRead(role);
      props.lake.grantRollupWrite(role);
      props.catalog.grantRead(role);
      props.athena.grantQuery(role);
      props.state.grantReadWrite(role);
      props.mail.grantSend(role);
      props.mail.grantReadSuppressions(role);

      const tracing = grantTracing(this, handler.id, role);
      const scheduled = SCHEDULED_HANDLERS.includes(name);
      created[name] = new nodejs.NodejsFunction(this, handler.id, {
        description: handler.description,
        entry: join(REPO_ROOT, handler.entry),
        handler: "handler",
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: sizing.memoryMb,
        timeout: sizing.timeout,
        role,
        logGroup,
        // Active tracing is set on the function below; Tracing.ACTIVE would also add the
        // X-Ray statement to the role's own policy (see grantTracing).
        environment: { ...environment, POWERTOOLS_SERVICE_NAME: `opspulse-${handler.id}` },
        projectRoot: REPO_ROOT,
        depsLockFilePath: join(REPO_ROOT, "package-lock.json"),
        bundling: bundlingOptions(
          LEAN_HANDLERS.includes(name)
            ? { folders: copied.filter((f) => LEAN_FOLDERS.includes(f.to)), lazyPackages: false }
            : { folders: copied, lazyPackages: true },
          props.bundling,
        ),
        ...(props.paramsAndSecrets ? { paramsAndSecrets: props.paramsAndSecrets } : {}),
        ...(scheduled
          ? {
              // Scheduler invokes asynchronously: Lambda retries, then parks the event.
              retryAttempts: 2,
              maxEventAge: Duration.hours(6),
              onFailure: new SqsDestination(props.deadLetters),
            }
          : {}),
      });
      (created[name].node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: "Active" };
      created[name].node.addDependency(tracing);
    }
    this.functions = created;
  }
}

/**
 * Lambda's active tracing needs X-Ray writes, which IAM cannot scope to a resource. They go
 * in a policy of their own, and the `Resource::*` finding is acknowledged on that policy
 * only: any other statement with `*` in the role's policy is still a finding.
 */
function grantTracing(scope: Construct, id: string, role: iam.IRole): iam.Policy {
  const policy = new iam.Policy(scope, `${id}Tracing`, {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: "WriteTraces",
        actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        resources: ["*"],
      }),
    ],
  });
  Validations.of(policy).acknowledge({
    id: "AwsSolutions-IAM5[Resource::*]",
    reason:
      "Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions; this policy holds nothing else.",
  });
  return policy;
}

/** Folders inside each bundle (under /var/task). */
export const BUNDLE_FOLDERS = {
  queries: "queries",
  templates: "templates",
  config: "config",
  fonts: "fonts",
} as const;

/**
 * Folders of the bundle whose YAML files the bundling compiles into data (`<file>.json`
 * beside each, by `COMPILE_YAML_SCRIPT`): the bundles carry no YAML parser.
 */
export const COMPILED_YAML_FOLDERS: readonly string[] = [
  BUNDLE_FOLDERS.config,
  BUNDLE_FOLDERS.queries,
];

/** The script that compiles them, run by the bundling with the Node.js that synthesizes. */
const COMPILE_YAML_SCRIPT = join(REPO_ROOT, "infra/bundling/compile-yaml.ts");

/** The script that bundles the chart libraries beside a report bundle (`LAZY_PACKAGES`). */
const LAZY_PACKAGES_SCRIPT = join(REPO_ROOT, "infra/bundling/lazy-packages.ts");

/** The folders a lean handler's bundle carries (see `LEAN_HANDLERS`). */
const LEAN_FOLDERS: readonly string[] = [BUNDLE_FOLDERS.queries, BUNDLE_FOLDERS.config];

/**
 * Modules the bundle imports instead of containing: the AWS SDK clients, which the Node.js 24
 * runtime ships (everything else of the SDK, such as the S3 presigner, is bundled: the
 * runtime's set of packages beyond the clients is not documented), and the packages copied
 * into the bundle's own `node_modules/`, or bundled there on their own (the chart libraries,
 * infra/bundling/lazy-packages.ts: loaded when a chart is drawn, not at each cold start).
 */
export const EXTERNAL_MODULES: readonly string[] = [
  "@aws-sdk/client-*",
  ...RUNTIME_PACKAGES,
  ...LAZY_PACKAGES,
];

/** esbuild aliases of every bundle (infra/bundling/aliases.ts). */
export { ESBUILD_ALIASES };

/**
 * Folders copied into every bundle: absolute source folder → folder inside the bundle. The
 * runtime packages land in the bundle's `node_modules/`, where Node finds them as it finds
 * them in the repository.
 */
function runtimeFolders(configDir: string): ReadonlyArray<{ from: string; to: string }> {
  return [
    { from: resolve(REPO_ROOT, RUNTIME_FOLDERS.queries), to: BUNDLE_FOLDERS.queries },
    { from: resolve(REPO_ROOT, RUNTIME_FOLDERS.templates), to: BUNDLE_FOLDERS.templates },
    { from: resolve(REPO_ROOT, configDir), to: BUNDLE_FOLDERS.config },
    { from: resolve(REPO_ROOT, RUNTIME_FOLDERS.fonts), to: BUNDLE_FOLDERS.fonts },
    ...RUNTIME_PACKAGES.map((name) => ({
      from: resolve(REPO_ROOT, "node_modules", name),
      to: `node_modules/${name}`,
    })),
  ];
}

function assertFoldersExist(folders: ReadonlyArray<{ from: string }>): void {
  for (const { from } of folders) {
    if (!existsSync(from)) {
      const fix = from.endsWith(RUNTIME_FOLDERS.templates)
        ? "run `npm run build:templates` first"
        : from.includes("node_modules")
          ? "run `npm ci` first"
          : "check the path";
      throw new Error(`Cannot bundle the Lambda functions: ${from} does not exist (${fix}).`);
    }
  }
}

function bundlingOptions(
  beside: {
    /** Folders copied beside the bundle. */
    readonly folders: ReadonlyArray<{ from: string; to: string }>;
    /** Whether the chart libraries are bundled beside it (not in a lean handler). */
    readonly lazyPackages: boolean;
  },
  choices: BundlingChoices = {},
): nodejs.BundlingOptions {
  return {
    format: nodejs.OutputFormat.ESM,
    target: "node24",
    platform: "node",
    mainFields: ["module", "main"],
    minify: choices.minify ?? true,
    // Stack traces point into the TypeScript sources; the sources themselves stay out of the zip.
    sourceMap: true,
    sourcesContent: false,
    // The Node.js 24 runtime ships the AWS SDK v3 clients; bundling them would only add size
    // and cold start.
    externalModules: [...EXTERNAL_MODULES],
    // Chinese labels as UTF-8 (3 bytes a character) rather than \u escapes (6).
    charset: nodejs.Charset.UTF8,
    esbuildArgs: {
      "--alias": Object.entries(ESBUILD_ALIASES).map(([from, to]) => `${from}=${to}`),
    },
    // Some dependencies are CommonJS and call `require`; give the ESM bundle one.
    banner: CREATE_REQUIRE_BANNER,
    // esbuild from node_modules: bundling works offline and without Docker.
    forceDockerBundling: false,
    logLevel: nodejs.LogLevel.WARNING,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir, outputDir) => [
        ...beside.folders.map(
          ({ from, to }) =>
            `mkdir -p "${outputDir}/${to}" && cp -R "${from}/." "${outputDir}/${to}/"`,
        ),
        `"${process.execPath}" "${COMPILE_YAML_SCRIPT}" ${COMPILED_YAML_FOLDERS.map((to) => `"${outputDir}/${to}"`).join(" ")}`,
        ...(beside.lazyPackages
          ? [`"${process.execPath}" "${LAZY_PACKAGES_SCRIPT}" "${outputDir}"`]
          : []),
      ],
    },
  };
}
