/**
 * The Athena workgroup opspulse queries through, with its settings enforced (clients cannot
 * override the result location, encryption or the per-query scan cutoff) and its query
 * results in a bucket of their own that forgets them after a few days.
 */
import { ArnFormat, Duration, Stack } from "aws-cdk-lib";
import * as athena from "aws-cdk-lib/aws-athena";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acknowledgeWildcardResource } from "../nag.ts";
import { type AccessLogging, secureBucket } from "./secure-bucket.ts";

export interface AthenaWorkgroupProps {
  readonly workgroupName: string;
  /** A query that would scan more than this many bytes is cancelled by Athena. */
  readonly bytesScannedCutoffPerQuery: number;
  /** Query results are deleted after this many days. */
  readonly resultsExpirationDays: number;
  readonly accessLogs: AccessLogging;
}

/** The values of the QueryState dimension of Athena's query metrics. */
export const ATHENA_QUERY_STATES = ["SUCCEEDED", "FAILED", "CANCELED"] as const;
/** The values of the QueryType dimension of Athena's query metrics. */
export const ATHENA_QUERY_TYPES = ["DML", "DDL", "UTILITY"] as const;

/** Key prefix of query results in the results bucket. */
export const RESULTS_PREFIX = "results/";

export class AthenaWorkgroup extends Construct {
  readonly workgroupName: string;
  /** A query that would scan more is cancelled (the runs size their rollup builds under it). */
  readonly bytesScannedCutoffPerQuery: number;
  readonly workgroupArn: string;
  readonly resultsBucket: s3.Bucket;
  readonly workgroup: athena.CfnWorkGroup;

  constructor(scope: Construct, id: string, props: AthenaWorkgroupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.workgroupName = props.workgroupName;
    this.bytesScannedCutoffPerQuery = props.bytesScannedCutoffPerQuery;
    this.resultsBucket = secureBucket(this, "ResultsBucket", {
      accessLogs: props.accessLogs,
      lifecycleRules: [
        {
          id: "expire-query-results",
          expiration: Duration.days(props.resultsExpirationDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    this.workgroup = new athena.CfnWorkGroup(this, "WorkGroup", {
      name: props.workgroupName,
      description: "opspulse scheduled KPI reports",
      state: "ENABLED",
      // Lets `cdk destroy` remove a workgroup that has query history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        requesterPaysEnabled: false,
        engineVersion: { selectedEngineVersion: "Athena engine version 3" },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/${RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: "SSE_S3" },
          expectedBucketOwner: stack.account,
        },
      },
    });

    this.workgroupArn = stack.formatArn({
      service: "athena",
      resource: "workgroup",
      resourceName: props.workgroupName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /** Lets `grantee` run queries in this workgroup and read/write their results. */
  grantQuery(grantee: iam.IGrantable): void {
    const principal = grantee.grantPrincipal;
    const results = this.resultsBucket.arnForObjects(`${RESULTS_PREFIX}*`);
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "RunQueriesInWorkgroup",
        actions: [
          "athena:StartQueryExecution",
          "athena:GetQueryExecution",
          "athena:GetQueryResults",
          "athena:StopQueryExecution",
          "athena:GetWorkGroup",
        ],
        resources: [this.workgroupArn],
      }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "WriteQueryResults",
        actions: [
          "s3:GetObject",
          "s3:PutObject",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
        ],
        resources: [results],
      }),
    );
    acknowledgeWildcardResource(
      grantee,
      results,
      "Athena names each result file after its query id; the caller reads its results back from the results/ prefix of the dedicated results bucket, nothing else.",
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "ListQueryResults",
        actions: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
        resources: [this.resultsBucket.bucketArn],
      }),
    );
  }

  /**
   * Bytes scanned by all queries of the workgroup. Athena publishes `ProcessedBytes` per
   * query under the dimensions QueryState, QueryType and WorkGroup together (never under
   * WorkGroup alone, and CloudWatch matches a metric's whole dimension set), so this is
   * the sum of every state and type of the workgroup. Spelled out rather than a SEARCH
   * expression: CloudWatch cannot alarm on SEARCH.
   */
  metricBytesScanned(period: Duration): cloudwatch.MathExpression {
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    for (const [s, state] of ATHENA_QUERY_STATES.entries()) {
      for (const [t, type] of ATHENA_QUERY_TYPES.entries()) {
        usingMetrics[`b${s}${t}`] = new cloudwatch.Metric({
          namespace: "AWS/Athena",
          metricName: "ProcessedBytes",
          dimensionsMap: { QueryState: state, QueryType: type, WorkGroup: this.workgroupName },
          statistic: cloudwatch.Stats.SUM,
          period,
        });
      }
    }
    return new cloudwatch.MathExpression({
      expression: Object.keys(usingMetrics)
        .map((id) => `FILL(${id}, 0)`)
        .join(" + "),
      usingMetrics,
      label: `Bytes scanned in workgroup ${this.workgroupName}`,
      period,
    });
  }
}
