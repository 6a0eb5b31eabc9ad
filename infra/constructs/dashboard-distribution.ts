/**
 * The dashboard behind CloudFront, so that an email's link works for the configured days:
 * an S3 pre-signed URL signed by a Lambda role dies with the role's session (hours).
 *
 * - The distribution reads the private state bucket through origin access control, only
 *   under `dashboard/` (the origin path): snapshots and delivery records are out of reach.
 * - Every request needs a CloudFront signed URL of the key group's public key (given at
 *   synth, `opspulse:dashboardPublicKey`); the private key lives in a Secrets Manager secret
 *   that the functions read through the Parameters and Secrets Lambda Extension and that the
 *   operator fills once: `aws secretsmanager put-secret-value --secret-id <SigningKeySecret>
 *   --secret-string file://private_key.pem` (infra/README.md).
 * - The functions learn the domain, the key id, the secret and the link's days from
 *   OPSPULSE_DASHBOARD_* variables (functions/lib/runtime/dashboard-links.ts).
 */
import { Validations } from "aws-cdk-lib";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

/** The key prefix of the dashboard in the state bucket (functions/lib/runtime/lambda.ts). */
export const DASHBOARD_PREFIX = "dashboard";

export interface DashboardDistributionProps {
  /** The state bucket the functions publish the dashboard to. */
  readonly bucket: s3.IBucket;
  /** PEM of the signing key pair's public key. */
  readonly publicKeyPem: string;
  /** How long an email's link works. */
  readonly linkDays: number;
  /** Where CloudFront writes its access logs. */
  readonly accessLogs: { readonly bucket: s3.IBucket; readonly prefix: string };
}

export class DashboardDistribution extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly publicKey: cloudfront.PublicKey;
  readonly signingKey: secretsmanager.Secret;
  /** The Lambda extension that reads the signing key (pass to the functions). */
  readonly paramsAndSecrets = lambda.ParamsAndSecretsLayerVersion.fromVersion(
    lambda.ParamsAndSecretsVersions.V1_0_103,
    { cacheSize: 10, logLevel: lambda.ParamsAndSecretsLogLevel.WARN },
  );
  readonly #linkDays: number;

  constructor(scope: Construct, id: string, props: DashboardDistributionProps) {
    super(scope, id);
    this.#linkDays = props.linkDays;
    this.publicKey = new cloudfront.PublicKey(this, "PublicKey", {
      encodedKey: props.publicKeyPem,
      comment: "opspulse dashboard links",
    });
    const keyGroup = new cloudfront.KeyGroup(this, "KeyGroup", { items: [this.publicKey] });
    this.signingKey = new secretsmanager.Secret(this, "SigningKey", {
      description:
        "PEM private key of the opspulse dashboard's CloudFront key pair (put it here once)",
    });
    Validations.of(this.signingKey).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "A CloudFront key pair cannot be rotated by a Secrets Manager rotation function: rotating it means a new public key in the key group, which is a deployment; see infra/README.md.",
    });
    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: "opspulse dashboard (signed URLs only)",
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(props.bucket, {
          originPath: `/${DASHBOARD_PREFIX}`,
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        trustedKeyGroups: [keyGroup],
      },
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      enableLogging: true,
      logBucket: props.accessLogs.bucket,
      logFilePrefix: props.accessLogs.prefix,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    for (const [ruleId, reason] of [
      [
        "AwsSolutions-CFR1",
        "Managers read the dashboard from wherever they are; every request already needs a signed URL that only an email from opspulse carries.",
      ],
      [
        "AwsSolutions-CFR2",
        "No WAF: the distribution serves static pages to signed URLs only (CloudFront rejects unsigned requests before the origin), and has no form or API to protect.",
      ],
      [
        "AwsSolutions-CFR4",
        "The distribution uses its cloudfront.net domain, whose default certificate CloudFront serves with TLSv1 at minimum; a custom domain and certificate are a deployment's choice (infra/README.md).",
      ],
    ] as const) {
      Validations.of(this.distribution).acknowledge({ id: ruleId, reason });
    }
  }

  /** The variables the functions read (functions/lib/runtime/dashboard-links.ts). */
  environment(): Record<string, string> {
    return {
      OPSPULSE_DASHBOARD_DOMAIN: this.distribution.distributionDomainName,
      OPSPULSE_DASHBOARD_KEY_PAIR_ID: this.publicKey.publicKeyId,
      OPSPULSE_DASHBOARD_KEY_SECRET: this.signingKey.secretArn,
      OPSPULSE_DASHBOARD_LINK_DAYS: String(this.#linkDays),
    };
  }

  /** Lets `fn` sign links: the variables and read access to the signing key. */
  attach(fn: lambda.Function): void {
    for (const [name, value] of Object.entries(this.environment())) fn.addEnvironment(name, value);
    this.signingKey.grantRead(fn);
  }
}
