/**
 * Sending mail with SES: the configuration set every report goes through (TLS required,
 * reputation metrics, the account suppression list for bounces and complaints) and the
 * sending identity, which is verified once per account outside this stack (see the README).
 */
import { ArnFormat, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as ses from "aws-cdk-lib/aws-ses";
import { Construct } from "constructs";
import { acknowledgeWildcardResource } from "../nag.ts";

export interface MailProps {
  /** The verified SES identity mail is sent from: a domain, or one email address. */
  readonly identity: string;
  /**
   * The account's SES is in the sandbox: SES then authorizes the send against every
   * recipient's (verified) identity as well as the sender's.
   */
  readonly sandbox?: boolean;
  /** The sender's address (`recipients.yaml`'s `sender:`); in the sandbox, the only From allowed. */
  readonly fromAddress: string;
}

export class Mail extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly identity: string;
  readonly sandbox: boolean;
  readonly fromAddress: string;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.identity = props.identity;
    this.sandbox = props.sandbox ?? false;
    this.fromAddress = props.fromAddress;
    this.configurationSet = new ses.ConfigurationSet(this, "ConfigurationSet", {
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
  }

  /** ARN of the sending identity. */
  get identityArn(): string {
    return this.#arn("identity", this.identity);
  }

  /** ARN of the configuration set. */
  get configurationSetArn(): string {
    return this.#arn("configuration-set", this.configurationSet.configurationSetName);
  }

  /**
   * Lets `grantee` send raw MIME mail from the identity through the configuration set only.
   * In the sandbox SES also checks the recipients' identities, so the grant covers every
   * identity of the account, on the condition that the From address is the sender's.
   */
  grantSend(grantee: iam.IGrantable): void {
    // SESv2 SendEmail with Content.Raw is authorized as ses:SendRawEmail as well.
    const actions = ["ses:SendEmail", "ses:SendRawEmail"];
    if (!this.sandbox) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: "SendReportMail",
          actions,
          resources: [this.identityArn, this.configurationSetArn],
        }),
      );
      return;
    }
    const identities = this.#arn("identity", "*");
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "SendReportMailSandbox",
        actions,
        resources: [identities, this.configurationSetArn],
        conditions: { StringEquals: { "ses:FromAddress": this.fromAddress } },
      }),
    );
    acknowledgeWildcardResource(
      grantee,
      identities,
      "In the SES sandbox every recipient must be a verified identity and SES authorizes the send against each of them; the statement is limited to the sender's From address and the configuration set.",
    );
  }

  #arn(resource: string, resourceName: string): string {
    return Stack.of(this).formatArn({
      service: "ses",
      resource,
      resourceName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}
