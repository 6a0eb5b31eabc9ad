/**
 * The dashboard behind CloudFront (infra/constructs/dashboard-distribution.ts), made when a
 * signing key's public key is configured: signed URLs only, origin access control on the
 * state bucket under dashboard/, the private key's secret readable by the functions, which
 * learn where to link and for how many days. Without the key: no distribution.
 */
import { generateKeyPairSync } from "node:crypto";
import { Match } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { synthOpsPulse } from "./helpers.ts";

const publicKeyPem = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .publicKey.export({ type: "spki", format: "pem" })
  .toString()
  .trim();

describe("the dashboard distribution", () => {
  const { app, template } = synthOpsPulse({
    context: { "opspulse:dashboardPublicKey": publicKeyPem, "opspulse:dashboardLinkDays": "10" },
  });

  it("serves only signed URLs, over HTTPS, from the state bucket's dashboard/ through OAC", () => {
    template.resourceCountIs("AWS::CloudFront::Distribution", 1);
    template.hasResourceProperties("AWS::CloudFront::PublicKey", {
      PublicKeyConfig: Match.objectLike({ EncodedKey: publicKeyPem }),
    });
    template.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: "https-only",
          TrustedKeyGroups: [{ Ref: Match.stringLikeRegexp("KeyGroup") }],
        }),
        Origins: [
          Match.objectLike({
            OriginPath: "/dashboard",
            OriginAccessControlId: Match.anyValue(),
            S3OriginConfig: { OriginAccessIdentity: "" },
          }),
        ],
        Logging: Match.objectLike({ Prefix: "dashboard-cdn/" }),
      }),
    });
    template.hasResourceProperties("AWS::CloudFront::OriginAccessControl", {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: "s3",
        SigningBehavior: "always",
      }),
    });
    // The bucket lets only this distribution read objects (no public access, no OAI).
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: "s3:GetObject",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Condition: { StringEquals: { "AWS:SourceArn": Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it("tells every function where to link, for how long, and lets it read the signing key", () => {
    const functions = template.findResources("AWS::Lambda::Function", {
      Properties: { Runtime: "nodejs24.x" },
    });
    // The scheduled report, campaigns, ad-hoc and pulse functions.
    expect(Object.keys(functions).length).toBe(4);
    for (const fn of Object.values(functions)) {
      const variables = fn.Properties.Environment.Variables;
      expect(variables.OPSPULSE_DASHBOARD_LINK_DAYS).toBe("10");
      expect(JSON.stringify(variables.OPSPULSE_DASHBOARD_DOMAIN)).toMatch(
        /"Fn::GetAtt":\["Dashboard\w*Distribution\w*","DomainName"\]/,
      );
      expect(variables.OPSPULSE_DASHBOARD_KEY_PAIR_ID).toBeDefined();
      expect(variables.OPSPULSE_DASHBOARD_KEY_SECRET).toBeDefined();
      // The Parameters and Secrets extension reads the key: no SDK client in the bundle.
      expect(JSON.stringify(fn.Properties.Layers)).toMatch(/Paramsandsecretslayer.*arm64/i);
    }
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            Resource: { Ref: Match.stringLikeRegexp("DashboardSigningKey") },
          }),
        ]),
      },
    });
  });

  it("passes cdk-nag, every acknowledgment with its reason", () => {
    const violations = new AwsSolutionsChecks()
      .validateScope(app)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
      );
    expect(violations).toEqual([]);
  });

  it("is not made without a public key (links are then S3 pre-signed URLs)", () => {
    const { template: plain } = synthOpsPulse();
    plain.resourceCountIs("AWS::CloudFront::Distribution", 0);
    plain.resourceCountIs("AWS::SecretsManager::Secret", 0);
  });
});
