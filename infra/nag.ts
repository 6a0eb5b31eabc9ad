/**
 * Acknowledging cdk-nag findings where they arise, each with the reason next to the grant
 * that causes it. cdk-nag v3 reports one IAM5 finding per wildcard resource, identified by
 * the resource as written in the template (`<LogicalId.Arn>/prefix/*`); this renders the id
 * from the very token the grant used, so a renamed construct cannot orphan a suppression.
 */
import { Stack, Validations } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
// cdk-nag's own rendering of a CloudFormation reference, so the ids match its findings.
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference.js";
import { Construct } from "constructs";

/**
 * Acknowledges cdk-nag's IAM5 finding for `resource` (an ARN with a wildcard, possibly a
 * token) in the policies of `grantee`, for `reason`.
 */
export function acknowledgeWildcardResource(
  grantee: iam.IGrantable,
  resource: string,
  reason: string,
): void {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal)) return;
  const rendered = flattenCfnReference(Stack.of(principal).resolve(resource));
  Validations.of(principal).acknowledge({ id: `AwsSolutions-IAM5[Resource::${rendered}]`, reason });
}
