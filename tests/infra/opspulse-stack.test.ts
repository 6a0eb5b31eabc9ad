/**
 * Properties of the synthesized stack, with the repository's own `config/` and the defaults
 * of every deployment setting. One synthesis (bundling skipped) is shared by all tests.
 */
import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../functions/lib/config/load.ts";
import { TABLES } from "../../functions/lib/contract/schema.ts";
import { loadSources } from "../../functions/lib/query/catalog.ts";
import { readRuntimeEnv } from "../../functions/lib/runtime/env.ts";
import { campaignsEventSchema, scheduledEventSchema } from "../../functions/lib/runtime/events.ts";
import { pulseEventSchema } from "../../functions/lib/runtime/pulse-lambda.ts";
import type { OpsPulseStack } from "../../infra/opspulse-stack.ts";
import { synthOpsPulse } from "./helpers.ts";

type Resource = { Type: string; Properties: Record<string, unknown> };

let template: Template;
let stack: OpsPulseStack;

beforeAll(() => {
  ({ template, stack } = synthOpsPulse());
});

const logicalId = (construct: { node: { defaultChild?: unknown } } | unknown): string =>
  stack.getLogicalId(
    ((construct as { node: { defaultChild: unknown } }).node.defaultChild ??
      construct) as Parameters<OpsPulseStack["getLogicalId"]>[0],
  );
const getAtt = (id: string) => ({ "Fn::GetAtt": [id, "Arn"] });
const ref = (id: string) => ({ Ref: id });

/** Every statement of the role's policies, with Resource always an array. */
function statementsOf(roleLogicalId: string): { Action: string[]; Resource: unknown[] }[] {
  const policies = template.findResources("AWS::IAM::Policy", {
    Properties: { Roles: [ref(roleLogicalId)] },
  }) as Record<string, Resource>;
  return Object.values(policies).flatMap((policy) =>
    (
      (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement ?? []
    ).map((statement) => ({
      Action: [statement.Action].flat() as string[],
      Resource: [statement.Resource].flat(),
    })),
  );
}

function resourcesFor(roleLogicalId: string, action: string): unknown[] {
  return statementsOf(roleLogicalId)
    .filter((statement) => statement.Action.includes(action))
    .flatMap((statement) => statement.Resource);
}

describe("the environment-agnostic stack", () => {
  it("has no account or region and needs no lookups (synth works offline)", () => {
    expect(stack.resolve(stack.account)).toEqual({ Ref: "AWS::AccountId" });
    expect(stack.resolve(stack.region)).toEqual({ Ref: "AWS::Region" });
    expect(stack.node.root.node.tryGetContext("aws:cdk:missing")).toBeUndefined();
  });
});

describe("buckets", () => {
  const buckets = () => template.findResources("AWS::S3::Bucket") as Record<string, Resource>;

  it("encrypts every bucket, blocks public access and enforces bucket-owner ownership", () => {
    expect(Object.keys(buckets())).toHaveLength(4);
    for (const bucket of Object.values(buckets())) {
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
      });
    }
  });

  it("denies every request without TLS on every bucket", () => {
    const policies = template.findResources("AWS::S3::BucketPolicy") as Record<string, Resource>;
    const bucketsWithSslDeny = Object.values(policies)
      .filter((policy) =>
        (
          (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
            .Statement ?? []
        ).some(
          (s) =>
            s.Effect === "Deny" &&
            JSON.stringify(s.Condition) ===
              JSON.stringify({ Bool: { "aws:SecureTransport": "false" } }),
        ),
      )
      .map((policy) => JSON.stringify(policy.Properties.Bucket));
    for (const id of Object.keys(buckets()))
      expect(bucketsWithSslDeny).toContain(JSON.stringify(ref(id)));
  });

  it("logs server access of the lake, results and state buckets into the log bucket", () => {
    const logBucket = logicalId(stack.node.findChild("AccessLogs"));
    for (const [bucket, prefix] of [
      [stack.lake.bucket, "lake/"],
      [stack.athena.resultsBucket, "athena-results/"],
      [stack.state.bucket, "state/"],
    ] as const) {
      expect(buckets()[logicalId(bucket)]?.Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: ref(logBucket),
        LogFilePrefix: prefix,
      });
    }
  });

  it("expires what a killed rollup build leaves in the lake: staged UNLOAD files and locks", () => {
    const lifecycle = buckets()[logicalId(stack.lake.bucket)]?.Properties.LifecycleConfiguration as
      | { Rules: { Id: string; Prefix?: string; ExpirationInDays?: number; Status: string }[] }
      | undefined;
    const rules = lifecycle?.Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Prefix: "rollups/_staging/",
          ExpirationInDays: 2,
          Status: "Enabled",
        }),
        expect.objectContaining({
          Prefix: "rollups/_locks/",
          ExpirationInDays: 2,
          Status: "Enabled",
        }),
      ]),
    );
  });

  it("keeps the state bucket versioned and retained", () => {
    const state = template.findResources("AWS::S3::Bucket")[logicalId(stack.state.bucket)] as
      | (Resource & { DeletionPolicy?: string })
      | undefined;
    expect(state?.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
    expect(state?.DeletionPolicy).toBe("Retain");
  });
});

describe("Glue tables of the lake", () => {
  interface TableInput {
    Name: string;
    Parameters: Record<string, unknown>;
    PartitionKeys: unknown[];
    StorageDescriptor: { Columns: { Name: string; Type: string }[]; Location: unknown };
  }
  const tables = () =>
    Object.values(template.findResources("AWS::Glue::Table") as Record<string, Resource>).map(
      (table) => table.Properties.TableInput as TableInput,
    );
  const table = (name: string): TableInput => {
    const found = tables().find((t) => t.Name === name);
    if (!found) throw new Error(`no Glue table ${name}`);
    return found;
  };

  it("creates the database and one table per source of queries/_sources.yaml", () => {
    template.hasResourceProperties("AWS::Glue::Database", {
      DatabaseInput: Match.objectLike({ Name: "opspulse" }),
    });
    expect(
      tables()
        .map((t) => t.Name)
        .sort(),
    ).toEqual(
      loadSources()
        .map((s) => s.name)
        .sort(),
    );
  });

  it.each(["events", "orders"] as const)(
    "%s: columns from the data contract, partitioned by dt with partition projection",
    (name) => {
      const input = table(name);
      expect(input.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(
        TABLES[name].columns.map((c) => c.name),
      );
      expect(input.PartitionKeys).toEqual([
        expect.objectContaining({ Name: "dt", Type: "string" }),
      ]);
      expect(input.Parameters).toMatchObject({
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": "2024-01-01,NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        classification: "parquet",
      });
      expect(stack.resolve(input.Parameters["storage.location.template"])).toEqual({
        "Fn::Join": ["", ["s3://", ref(logicalId(stack.lake.bucket)), `/${name}/dt=\${dt}/`]],
      });
    },
  );

  it("maps contract types to Hive types (decimal stays decimal(18,2), timestamps stay timestamps)", () => {
    const columns = table("orders").StorageDescriptor.Columns;
    expect(Object.fromEntries(columns.map((c) => [c.Name, c.Type]))).toMatchObject({
      order_id: "string",
      order_time: "timestamp",
      amount: "decimal(18,2)",
    });
    const campaigns = table("campaigns");
    expect(campaigns.StorageDescriptor.Columns.find((c) => c.Name === "start_date")?.Type).toBe(
      "date",
    );
    const identities = table("identities").StorageDescriptor.Columns;
    expect(Object.fromEntries(identities.map((c) => [c.Name, c.Type]))).toEqual({
      source: "string",
      source_user_id: "string",
      user_id: "string",
      valid_from: "timestamp",
      valid_to: "timestamp",
    });
  });

  // The identity map is a dimension too: replaced whole, so no partition projection.
  it.each(["campaigns", "content", "identities"] as const)(
    "%s: a dimension table, unpartitioned, under dims/",
    (name) => {
      const input = table(name);
      expect(input.PartitionKeys).toEqual([]);
      expect(input.Parameters["projection.enabled"]).toBeUndefined();
      expect(input.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(
        TABLES[name].columns.map((c) => c.name),
      );
      expect(input.StorageDescriptor.Location).toEqual({
        "Fn::Join": ["", ["s3://", ref(logicalId(stack.lake.bucket)), `/dims/${name}/`]],
      });
    },
  );
});

describe("Athena workgroup", () => {
  it("enforces its settings, a bytes-scanned cutoff and encrypted results in the results bucket", () => {
    template.hasResourceProperties("AWS::Athena::WorkGroup", {
      Name: "opspulse",
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        EngineVersion: { SelectedEngineVersion: "Athena engine version 3" },
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: "SSE_S3" },
          ExpectedBucketOwner: { Ref: "AWS::AccountId" },
          OutputLocation: {
            "Fn::Join": ["", ["s3://", ref(logicalId(stack.athena.resultsBucket)), "/results/"]],
          },
        },
      },
    });
  });

  it("expires query results after 7 days", () => {
    const results = template.findResources("AWS::S3::Bucket")[
      logicalId(stack.athena.resultsBucket)
    ] as Resource;
    expect(results.Properties.LifecycleConfiguration).toEqual({
      Rules: [
        expect.objectContaining({
          ExpirationInDays: 7,
          Status: "Enabled",
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        }),
      ],
    });
  });
});

describe("Lambda functions", () => {
  const functions = () =>
    template.findResources("AWS::Lambda::Function") as Record<string, Resource>;

  it("runs the four handlers (three report functions and the pulse) on Node.js 24 (arm64) with active tracing", () => {
    expect(Object.keys(functions())).toHaveLength(4);
    const pulse = logicalId(stack.functions.functions.pulse);
    for (const [id, fn] of Object.entries(functions())) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        // The pulse runs two queries: 5 minutes, well inside a 15-minute pulse interval.
        Timeout: id === pulse ? 300 : 600,
        TracingConfig: { Mode: "Active" },
      });
    }
  });

  it("gives each function the environment functions/lib/runtime/env.ts reads, and it reads", () => {
    for (const name of ["scheduledReport", "campaigns", "adhocRun"] as const) {
      const fn = functions()[logicalId(stack.functions.functions[name])] as Resource;
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(variables).toMatchObject({
        OPSPULSE_RUNTIME: "aws",
        OPSPULSE_STATE_BUCKET: ref(logicalId(stack.state.bucket)),
        OPSPULSE_ATHENA_WORKGROUP: "opspulse",
        OPSPULSE_ATHENA_DATABASE: "opspulse",
        OPSPULSE_LAKE_FIRST_DAY: "2024-01-01",
        OPSPULSE_ATHENA_BYTES_CUTOFF: String(10 * 1024 ** 3),
        OPSPULSE_SES_CONFIGURATION_SET: ref(logicalId(stack.mail.configurationSet)),
        OPSPULSE_CONFIG_DIR: "/var/task/config",
        OPSPULSE_QUERIES_DIR: "/var/task/queries",
        OPSPULSE_TEMPLATES_DIR: "/var/task/templates",
        OPSPULSE_FONTS_DIR: "/var/task/fonts",
      });
      // The runtime accepts it as an AWS deployment (in a Lambda: the fonts folder is
      // required there): Athena, S3 stores, SES.
      const resolved = Object.fromEntries(
        Object.entries(variables).map(([key, value]) => [
          key,
          typeof value === "string"
            ? value
            : key === "OPSPULSE_LAKE_URI"
              ? "s3://resolved-at-deploy/"
              : "resolved-at-deploy",
        ]),
      );
      expect(
        readRuntimeEnv({ ...resolved, AWS_LAMBDA_FUNCTION_NAME: "opspulse-function" }),
      ).toMatchObject({
        engine: { kind: "athena", workgroup: "opspulse", database: "opspulse" },
        store: { kind: "s3", bucket: "resolved-at-deploy" },
        mailer: {
          kind: "ses",
          configurationSetName: "resolved-at-deploy",
          tags: { app: "opspulse" },
        },
        configDir: "/var/task/config",
        queriesDir: "/var/task/queries",
        templatesDir: "/var/task/templates",
        fontsDir: "/var/task/fonts",
      });
    }
  });

  it("parks a scheduled run that keeps failing in the dead-letter queue after 2 retries", () => {
    const queue = logicalId(stack.node.findChild("DeadLetters"));
    for (const name of ["scheduledReport", "campaigns", "pulse"] as const) {
      template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
        FunctionName: ref(logicalId(stack.functions.functions[name])),
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: getAtt(queue) } },
      });
    }
    template.resourceCountIs("AWS::Lambda::EventInvokeConfig", 3);
  });
});

describe("least-privilege IAM of the functions", () => {
  const roleOf = (name: "scheduledReport" | "campaigns" | "adhocRun") =>
    logicalId(stack.functions.functions[name].role);

  it("attaches no AWS managed policy", () => {
    for (const role of Object.values(
      template.findResources("AWS::IAM::Role") as Record<string, Resource>,
    )) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it.each(["scheduledReport", "campaigns", "adhocRun"] as const)(
    "%s: Athena on the workgroup only",
    (name) => {
      const resources = resourcesFor(roleOf(name), "athena:StartQueryExecution");
      expect(resources.map((r) => JSON.stringify(stack.resolve(r)))).toEqual([
        expect.stringContaining(":workgroup/opspulse"),
      ]);
    },
  );

  it.each(["scheduledReport", "campaigns", "adhocRun"] as const)(
    "%s: Glue read on the catalog, the database and its tables (one per source), nothing else",
    (name) => {
      const resources = resourcesFor(roleOf(name), "glue:GetTable").map((r) => JSON.stringify(r));
      const tables = loadSources().length;
      expect(resources).toHaveLength(tables + 2);
      expect(resources.filter((r) => r.includes(":table/opspulse/"))).toHaveLength(tables);
      expect(resources.some((r) => r.includes(":database/opspulse"))).toBe(true);
      expect(resources.every((r) => !r.includes("*"))).toBe(true);
      expect(
        statementsOf(roleOf(name))
          .flatMap((s) => s.Action)
          .filter((a) => a.startsWith("glue:") && !a.includes("Get")),
      ).toEqual([]);
    },
  );

  it("S3: read the lake, write results under results/, write state, delete only delivery claims", () => {
    const role = roleOf("scheduledReport");
    const lake = logicalId(stack.lake.bucket);
    const results = logicalId(stack.athena.resultsBucket);
    const state = logicalId(stack.state.bucket);
    const objects = (id: string, suffix: string) => ({ "Fn::Join": ["", [getAtt(id), suffix]] });
    expect(resourcesFor(role, "s3:GetObject")).toEqual(
      expect.arrayContaining([
        objects(lake, "/*"),
        objects(results, "/results/*"),
        objects(state, "/*"),
      ]),
    );
    // The lake: read-only, except the rollups the runs build (functions/lib/rollups/).
    expect(resourcesFor(role, "s3:PutObject")).toEqual([
      objects(lake, "/rollups/*"),
      objects(results, "/results/*"),
      objects(state, "/*"),
    ]);
    expect(resourcesFor(role, "s3:DeleteObject")).toEqual([
      objects(lake, "/rollups/*"),
      objects(state, "/deliveries/*"),
    ]);
  });

  it("SES: bounces, complaints and rejections go to an encrypted topic; the runs may read suppressions", () => {
    const topic = stack.mail.feedbackTopic;
    template.hasResourceProperties("AWS::SES::ConfigurationSetEventDestination", {
      ConfigurationSetName: ref(logicalId(stack.mail.configurationSet)),
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: ["bounce", "complaint", "reject"],
        SnsDestination: { TopicARN: ref(logicalId(topic)) },
      }),
    });
    expect(
      template.findResources("AWS::SNS::Topic")[logicalId(topic)]?.Properties.KmsMasterKeyId,
    ).toBeDefined();
    // SES may publish to it, for this configuration set only.
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: "sns:Publish",
            Principal: { Service: "ses.amazonaws.com" },
            Condition: Match.objectLike({
              StringEquals: Match.objectLike({ "AWS:SourceArn": Match.anyValue() }),
            }),
          }),
        ]),
      },
    });
    for (const name of ["scheduledReport", "campaigns", "adhocRun"] as const) {
      expect(resourcesFor(roleOf(name), "ses:GetSuppressedDestination")).toEqual(["*"]);
    }
  });

  it("SES: send from the sender's domain identity through the configuration set only", () => {
    const resources = resourcesFor(roleOf("adhocRun"), "ses:SendRawEmail").map((r) =>
      JSON.stringify(stack.resolve(r)),
    );
    expect(resources).toHaveLength(2);
    expect(resources.some((r) => r.includes(":identity/example.com"))).toBe(true);
    expect(resources.some((r) => r.includes(":configuration-set/"))).toBe(true);
  });

  it("uses no wildcard resource but those of actions without resource-level permissions", () => {
    for (const name of ["scheduledReport", "campaigns", "adhocRun"] as const) {
      const wildcard = statementsOf(roleOf(name)).filter((s) => s.Resource.includes("*"));
      expect(wildcard.flatMap((s) => s.Action).sort()).toEqual([
        "ses:GetSuppressedDestination",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ]);
    }
  });
});

describe("EventBridge Scheduler schedules from config/schedules.yaml", () => {
  const config = () => loadConfig("config");

  it.each([
    ["daily", "scheduledReport"],
    ["weekly", "scheduledReport"],
    ["campaigns", "campaigns"],
  ] as const)("%s: in its time zone, with retries and the dead-letter queue", (report, handler) => {
    const schedule = config().schedules[report];
    const queue = logicalId(stack.node.findChild("DeadLetters"));
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpressionTimezone: schedule.timeZone,
      State: "ENABLED",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: Match.objectLike({
        Arn: getAtt(logicalId(stack.functions.functions[handler])),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: getAtt(queue) },
        Input: JSON.stringify({
          report,
          timeZone: schedule.timeZone,
          scheduledTime: "<aws.scheduler.scheduled-time>",
        }),
      }),
    });
  });

  it("sends inputs the handlers accept (their own event schemas)", () => {
    const inputs = Object.values(
      template.findResources("AWS::Scheduler::Schedule") as Record<string, Resource>,
    ).map(
      (s) =>
        JSON.parse(
          String((s.Properties.Target as { Input: string }).Input).replace(
            "<aws.scheduler.scheduled-time>",
            "2026-03-02T00:00:00Z",
          ),
        ) as { report: string; pulse?: true },
    );
    expect(inputs).toHaveLength(4);
    for (const input of inputs) {
      const schema = input.pulse
        ? pulseEventSchema
        : input.report === "campaigns"
          ? campaignsEventSchema
          : scheduledEventSchema;
      expect(schema.safeParse(input).success, JSON.stringify(input)).toBe(true);
    }
  });

  it("fires the daily report at 08:00 and the weekly one on Monday 08:30, Asia/Shanghai", () => {
    const schedules = Object.values(
      template.findResources("AWS::Scheduler::Schedule") as Record<string, Resource>,
    );
    // The three reports' and the pulse's (tests/infra/pulse.test.ts).
    expect(schedules).toHaveLength(4);
    const expressions = schedules.map((s) => [
      s.Properties.ScheduleExpression,
      s.Properties.ScheduleExpressionTimezone,
    ]);
    expect(expressions).toEqual(
      expect.arrayContaining([
        ["cron(0 8 * * ? *)", "Asia/Shanghai"],
        ["cron(30 8 ? * MON *)", "Asia/Shanghai"],
      ]),
    );
  });

  it("lets Scheduler invoke only the two scheduled functions and write to the dead-letter queue", () => {
    const role = logicalId(stack.schedules.node.findChild("InvokeRole"));
    const invocable = resourcesFor(role, "lambda:InvokeFunction").map((r) => JSON.stringify(r));
    expect(
      invocable.every(
        (r) =>
          r.includes(logicalId(stack.functions.functions.scheduledReport)) ||
          r.includes(logicalId(stack.functions.functions.campaigns)),
      ),
    ).toBe(true);
    expect(resourcesFor(role, "sqs:SendMessage")).toEqual([
      getAtt(logicalId(stack.node.findChild("DeadLetters"))),
    ]);
  });
});

describe("on-call alarms", () => {
  const topic = () => ref(logicalId(stack.onCall.topic));
  const alarms = () =>
    Object.values(template.findResources("AWS::CloudWatch::Alarm") as Record<string, Resource>);

  it("alarms on errors of each function", () => {
    for (const name of ["scheduledReport", "campaigns", "adhocRun"] as const) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "Errors",
        Namespace: "AWS/Lambda",
        Dimensions: [
          { Name: "FunctionName", Value: ref(logicalId(stack.functions.functions[name])) },
        ],
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      });
    }
  });

  it("alarms when a run takes 80 % of its timeout", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "Duration",
      Statistic: "Maximum",
      Dimensions: [
        { Name: "FunctionName", Value: ref(logicalId(stack.functions.functions.scheduledReport)) },
      ],
      Threshold: 480_000,
    });
  });

  it("alarms as soon as the dead-letter queue holds a message", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
    });
  });

  it("alarms when Athena scans more than the daily budget, on the dimensions Athena publishes", () => {
    // Athena publishes ProcessedBytes under QueryState + QueryType + WorkGroup together; an
    // alarm on {WorkGroup} alone watches a metric that never exists and never fires.
    const [alarm] = alarms().filter((a) =>
      JSON.stringify(a.Properties.Metrics ?? "").includes("ProcessedBytes"),
    );
    expect(alarm?.Properties).toMatchObject({
      Threshold: 50 * 1024 ** 3,
      ComparisonOperator: "GreaterThanThreshold",
    });
    type Query = {
      Id: string;
      Expression?: string;
      ReturnData?: boolean;
      MetricStat?: {
        Metric: {
          MetricName: string;
          Namespace: string;
          Dimensions: { Name: string; Value: string }[];
        };
        Period: number;
        Stat: string;
      };
    };
    const queries = (alarm?.Properties.Metrics ?? []) as Query[];
    const stats = queries.filter((q) => q.MetricStat).map((q) => q.MetricStat);
    const [sum] = queries.filter((q) => q.Expression);
    expect(stats).toHaveLength(9);
    for (const stat of stats) {
      expect(stat).toMatchObject({ Period: 86_400, Stat: "Sum" });
      expect(stat?.Metric.Namespace).toBe("AWS/Athena");
      expect(stat?.Metric.MetricName).toBe("ProcessedBytes");
      expect(stat?.Metric.Dimensions.map((d) => d.Name).sort()).toEqual([
        "QueryState",
        "QueryType",
        "WorkGroup",
      ]);
      expect(stat?.Metric.Dimensions.find((d) => d.Name === "WorkGroup")?.Value).toBe("opspulse");
    }
    const combos = stats.map((stat) =>
      ["QueryState", "QueryType"]
        .map((n) => stat?.Metric.Dimensions.find((d) => d.Name === n)?.Value)
        .join("/"),
    );
    expect(new Set(combos).size).toBe(9);
    expect(combos).toEqual(expect.arrayContaining(["SUCCEEDED/DML", "FAILED/DML", "CANCELED/DML"]));
    // The alarm is on the sum of all of them (a missing series counts 0), never on SEARCH.
    expect(sum).toMatchObject({ ReturnData: true });
    for (const q of queries.filter((q) => q.MetricStat))
      expect(sum?.Expression).toContain(`FILL(${q.Id}, 0)`);
    expect(sum?.Expression).not.toMatch(/SEARCH/);
  });

  it("sends every alarm (and its recovery) to the on-call topic", () => {
    // Errors and near-timeout of each of the four functions, dead letters, Athena bytes.
    expect(alarms()).toHaveLength(10);
    for (const alarm of alarms()) {
      expect(alarm.Properties.AlarmActions).toEqual([topic()]);
      expect(alarm.Properties.OKActions).toEqual([topic()]);
    }
  });

  it("encrypts the topic with a rotating key CloudWatch may use", () => {
    const key = logicalId(stack.onCall.node.findChild("TopicKey"));
    template.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: getAtt(key) });
    template.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          }),
        ]),
      },
    });
    template.resourceCountIs("AWS::SNS::Subscription", 0);
  });
});

describe("SES", () => {
  it("sends through a configuration set that requires TLS and suppresses bounces and complaints", () => {
    template.hasResourceProperties("AWS::SES::ConfigurationSet", {
      DeliveryOptions: { TlsPolicy: "REQUIRE" },
      ReputationOptions: { ReputationMetricsEnabled: true },
      SendingOptions: { SendingEnabled: true },
      SuppressionOptions: { SuppressedReasons: ["BOUNCE", "COMPLAINT"] },
    });
  });
});

describe("outputs", () => {
  it("names what opspulse invoke and operators need", () => {
    expect(Object.keys(template.findOutputs("*")).sort()).toEqual([
      "AdhocRunFunctionName",
      "AthenaWorkgroupName",
      "GlueDatabaseName",
      "LakeRoot",
      "MailFeedbackTopicArn",
      "OnCallTopicArn",
      "SesConfigurationSetName",
      "StateBucketName",
    ]);
  });
});
