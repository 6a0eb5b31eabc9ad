/**
 * Read access to the chat contact points' webhook URLs and signing secrets: exactly the SSM
 * parameters and Secrets Manager secrets that `recipients.yaml` references, read once at each
 * function's cold start, and nothing else.
 *
 * - `ssm:NAME` → `ssm:GetParameter` on that parameter. A SecureString under the AWS managed
 *   key `aws/ssm` needs no KMS statement (that key's policy lets the account's principals
 *   decrypt through SSM); a parameter under a customer managed key needs a grant on that key.
 * - `secretsmanager:NAME` → `secretsmanager:GetSecretValue` on that secret (`NAME-??????`:
 *   Secrets Manager appends six random characters to a secret's ARN).
 * - `env:NAME` cannot be deployed: a function's environment is plain configuration, readable
 *   by whoever can read the function; synth stops naming the contact point.
 */
import { ArnFormat, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import type { ContactPointConfig, SecretReference } from "../../functions/lib/chat/config.ts";

export interface ChatSecretsProps {
  /** The roles of the functions that deliver chat messages. */
  readonly grantees: readonly iam.IRole[];
  readonly contactPoints: readonly ContactPointConfig[];
  /** The recipients file, for messages (`config/recipients.yaml`). */
  readonly file: string;
}

/** A contact point references its URL or secret in a way a deployment cannot read. */
export class ChatSecretsError extends Error {
  override name = "ChatSecretsError";
}

export class ChatSecrets extends Construct {
  /** The policy attached to the grantees; undefined when nothing is referenced. */
  readonly policy: iam.Policy | undefined;

  constructor(scope: Construct, id: string, props: ChatSecretsProps) {
    super(scope, id);
    const references = props.contactPoints.flatMap((point) =>
      [point.url, point.secret]
        .filter((ref): ref is SecretReference => ref !== undefined)
        .map((ref) => ({ point: point.name, ref })),
    );
    const local = references.filter(({ ref }) => ref.source === "env");
    if (local.length > 0) {
      throw new ChatSecretsError(
        local
          .map(
            ({ point, ref }) =>
              `${props.file}: contact point "${point}": ${ref.text} is a local reference; a deployment reads chat URLs and secrets from SSM Parameter Store or Secrets Manager: store it there and write ssm:NAME or secretsmanager:NAME`,
          )
          .join("\n"),
      );
    }
    if (references.length === 0) {
      this.policy = undefined;
      return;
    }
    const stack = Stack.of(this);
    const unique = (values: string[]) => [...new Set(values)].sort();
    const parameters = unique(
      references
        .filter(({ ref }) => ref.source === "ssm")
        .map(({ ref }) =>
          stack.formatArn({
            service: "ssm",
            resource: "parameter",
            resourceName: ref.name.replace(/^\//, ""),
          }),
        ),
    );
    const secrets = unique(
      references
        .filter(({ ref }) => ref.source === "secretsmanager")
        .map(({ ref }) =>
          stack.formatArn({
            service: "secretsmanager",
            resource: "secret",
            resourceName: `${ref.name}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
    );
    this.policy = new iam.Policy(this, "Read", {
      statements: [
        ...(parameters.length > 0
          ? [new iam.PolicyStatement({ actions: ["ssm:GetParameter"], resources: parameters })]
          : []),
        ...(secrets.length > 0
          ? [
              new iam.PolicyStatement({
                actions: ["secretsmanager:GetSecretValue"],
                resources: secrets,
              }),
            ]
          : []),
      ],
    });
    for (const role of props.grantees) this.policy.attachToRole(role);
  }
}
