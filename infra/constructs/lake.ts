/**
 * The data lake bucket: a new one, or an existing bucket named in the settings (the usual
 * case when a data team already lands events there). Everything opspulse reads lives under
 * one key prefix, and read access is granted on that prefix only.
 */
import { Duration, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acknowledgeWildcardResource } from "../nag.ts";
import { type AccessLogging, secureBucket } from "./secure-bucket.ts";

export interface LakeProps {
  /** Name of an existing bucket that holds the lake; a new bucket is created when absent. */
  readonly existingBucketName?: string;
  /** Key prefix of the lake root: `""` or `some/prefix/` (normalized by the settings). */
  readonly prefix: string;
  /** Access logging for a new bucket (an existing bucket keeps its own settings). */
  readonly accessLogs: AccessLogging;
  /** The KMS key an existing bucket encrypts its objects with (SSE-KMS), if any. */
  readonly kmsKeyArn?: string;
}

/** Key prefix, under the lake root, of the files a rollup build stages (rollups/_staging/). */
export const ROLLUP_STAGING_PREFIX = "rollups/_staging/";

/** Key prefix, under the lake root, of the per-day rollup build locks (rollups/_locks/). */
export const ROLLUP_LOCKS_PREFIX = "rollups/_locks/";

/** The lake: `s3://<bucket>/<prefix>` with `events/`, `orders/` and `dims/` below it. */
export class Lake extends Construct {
  readonly bucket: s3.IBucket;
  readonly prefix: string;
  /** Whether the stack created (and so owns) the bucket. */
  readonly created: boolean;
  /** The bucket's SSE-KMS key (an existing bucket's, from the settings). */
  readonly kmsKeyArn: string | undefined;

  constructor(scope: Construct, id: string, props: LakeProps) {
    super(scope, id);
    this.prefix = props.prefix;
    this.created = props.existingBucketName === undefined;
    this.kmsKeyArn = props.kmsKeyArn;
    this.bucket = props.existingBucketName
      ? s3.Bucket.fromBucketName(this, "Bucket", props.existingBucketName)
      : secureBucket(this, "Bucket", {
          accessLogs: props.accessLogs,
          // Lake files are rewritten by imports; history lives in the snapshots, not here.
          versioned: false,
          lifecycleRules: [
            {
              id: "abort-incomplete-uploads",
              abortIncompleteMultipartUploadAfter: Duration.days(7),
            },
            // What a killed build leaves (its cleanup never ran): staged UNLOAD output and
            // lock objects, all short-lived by design.
            {
              id: "expire-rollup-staging",
              prefix: `${props.prefix}${ROLLUP_STAGING_PREFIX}`,
              expiration: Duration.days(2),
            },
            {
              id: "expire-rollup-locks",
              prefix: `${props.prefix}${ROLLUP_LOCKS_PREFIX}`,
              expiration: Duration.days(2),
            },
          ],
        });
  }

  /** `s3://bucket/prefix/<location>` for a location relative to the lake root. */
  uri(location = ""): string {
    return `s3://${this.bucket.bucketName}/${this.prefix}${location}`;
  }

  /**
   * Lets `grantee` read the lake (what Athena needs on behalf of the caller): objects under
   * the prefix, and listing restricted to that prefix.
   */
  grantRead(grantee: iam.IGrantable): void {
    const objects = this.bucket.arnForObjects(`${this.prefix}*`);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "ReadLakeObjects",
        actions: ["s3:GetObject"],
        resources: [objects],
      }),
    );
    acknowledgeWildcardResource(
      grantee,
      objects,
      "Athena reads the lake's files on the caller's behalf: every dt= partition and file name under the lake prefix, which are written daily and not known at deploy. Read-only.",
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "ListLakePrefix",
        actions: ["s3:ListBucket"],
        resources: [this.bucket.bucketArn],
        conditions: this.prefix ? { StringLike: { "s3:prefix": [`${this.prefix}*`] } } : undefined,
      }),
    );
    this.#grantKey(grantee, "DecryptLakeObjects", ["kms:Decrypt"]);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "LocateLakeBucket",
        actions: ["s3:GetBucketLocation"],
        resources: [this.bucket.bucketArn],
      }),
    );
  }

  /**
   * Lets `grantee` write the rollups (functions/lib/rollups/): Athena's UNLOAD writes a
   * build's files under `rollups/_staging/` with the caller's rights, the run then copies
   * them into `rollups/<name>/local_date=…/` and deletes what they replace. Only under
   * `rollups/`: the raw tables stay read-only.
   */
  grantRollupWrite(grantee: iam.IGrantable): void {
    const objects = this.bucket.arnForObjects(`${this.prefix}rollups/*`);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "WriteLakeRollups",
        actions: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        resources: [objects],
      }),
    );
    acknowledgeWildcardResource(
      grantee,
      objects,
      "The report runs rewrite the rollup partitions (one folder per local day, file names chosen by Athena's UNLOAD) under the lake's rollups/ prefix only; the raw tables stay read-only.",
    );
    this.#grantKey(grantee, "EncryptLakeRollups", ["kms:GenerateDataKey"]);
  }

  /**
   * Lets `grantee` use the bucket's SSE-KMS key for `actions`, only as S3 calls it on its
   * behalf (reads of Athena and the copies, UNLOAD's and the copies' writes); nothing
   * without a key.
   */
  #grantKey(grantee: iam.IGrantable, sid: string, actions: string[]): void {
    if (!this.kmsKeyArn) return;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid,
        actions,
        resources: [this.kmsKeyArn],
        conditions: {
          StringEquals: { "kms:ViaService": `s3.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
  }
}
