/**
 * The state bucket: KPI snapshots and their JSON Lines history, the run log, alert state and
 * the delivery log (whose create-if-absent write makes delivery exactly-once). Versioned, so
 * an overwrite or a bad deploy can be undone.
 */
import { Duration } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acknowledgeWildcardResource } from "../nag.ts";
import { type AccessLogging, secureBucket } from "./secure-bucket.ts";

/** Prefix of the delivery log (functions/lib/adapters/s3-store.ts), the one deletable prefix. */
export const DELIVERIES_PREFIX = "deliveries/";

export interface StateStoreProps {
  readonly accessLogs: AccessLogging;
  /** Older versions of overwritten objects are kept this long. */
  readonly noncurrentVersionRetentionDays?: number;
}

export class StateStore extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StateStoreProps) {
    super(scope, id);
    this.bucket = secureBucket(this, "Bucket", {
      accessLogs: props.accessLogs,
      versioned: true,
      lifecycleRules: [
        {
          id: "expire-old-versions",
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionRetentionDays ?? 365),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
  }

  /**
   * Read and write objects (conditional writes included) and list keys. Delete only under
   * `deliveries/`: a delivery claim is released when the send itself failed, so that the
   * retry can claim it again; snapshots, runs and alert state are never deleted.
   */
  grantReadWrite(grantee: iam.IGrantable): void {
    const principal = grantee.grantPrincipal;
    const objects = this.bucket.arnForObjects("*");
    const claims = this.bucket.arnForObjects(`${DELIVERIES_PREFIX}*`);
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "ReadWriteState",
        actions: ["s3:GetObject", "s3:PutObject"],
        resources: [objects],
      }),
    );
    acknowledgeWildcardResource(
      grantee,
      objects,
      "The bucket holds only opspulse state; snapshot, run-log and delivery keys are derived from report, period and run id at run time.",
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "ReleaseDeliveryClaims",
        actions: ["s3:DeleteObject"],
        resources: [claims],
      }),
    );
    acknowledgeWildcardResource(
      grantee,
      claims,
      "Delete is limited to delivery claims, keyed by idempotency key at run time; a claim is released only when its send failed.",
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "ListState",
        actions: ["s3:ListBucket"],
        resources: [this.bucket.bucketArn],
      }),
    );
  }
}
