/**
 * The one way opspulse creates S3 buckets: encrypted, SSL-only, public access blocked,
 * owner-enforced object ownership, and server access logs to the shared log bucket.
 */
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";

/** Settings every opspulse bucket shares; callers cannot override them. */
const SECURE_BUCKET_DEFAULTS = {
  encryption: s3.BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
} as const satisfies s3.BucketProps;

/** Where a bucket's server access logs go. */
export interface AccessLogging {
  readonly bucket: s3.IBucket;
  /** Prefix of this bucket's logs in the log bucket, e.g. `state/`. */
  readonly prefix: string;
}

/** Props of {@link secureBucket}: `s3.BucketProps` minus the security settings it fixes. */
export interface SecureBucketProps
  extends Omit<
    s3.BucketProps,
    keyof typeof SECURE_BUCKET_DEFAULTS | "serverAccessLogsBucket" | "serverAccessLogsPrefix"
  > {
  readonly accessLogs: AccessLogging;
}

/** A bucket with opspulse's security settings and access logging; retained on stack delete. */
export function secureBucket(scope: Construct, id: string, props: SecureBucketProps): s3.Bucket {
  const { accessLogs, ...bucketProps } = props;
  return new s3.Bucket(scope, id, {
    removalPolicy: RemovalPolicy.RETAIN,
    ...bucketProps,
    ...SECURE_BUCKET_DEFAULTS,
    serverAccessLogsBucket: accessLogs.bucket,
    serverAccessLogsPrefix: accessLogs.prefix,
  });
}

/**
 * The bucket that receives the S3 server access logs of the other buckets, kept a year.
 * It cannot log to itself; the cdk-nag acknowledgment records why.
 */
export function accessLogBucket(scope: Construct, id: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    ...SECURE_BUCKET_DEFAULTS,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ id: "expire-access-logs", expiration: Duration.days(365) }],
  });
  Validations.of(bucket).acknowledge({
    id: "AwsSolutions-S1",
    reason:
      "This is the access-log bucket: logging it into itself would loop. Only S3 log delivery writes to it.",
  });
  return bucket;
}
