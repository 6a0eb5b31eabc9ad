/**
 * Sending mail with SES: the configuration set every report goes through (TLS required,
 * reputation metrics, the account suppression list for bounces and complaints) and the
 * sending identity, which is verified once per account outside this stack (see the README).
 */
import { ArnFormat, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as ses from "aws-cdk-lib/aws-ses";
import { Construct } from "constructs";

export interface MailProps {
  /** The verified SES identity mail is sent from: a domain, or one email address. */
  readonly identity: string;
}

export class Mail extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly identity: string;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.identity = props.identity;
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

  /** Lets `grantee` send raw MIME mail from the identity through the configuration set only. */
  grantSend(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "SendReportMail",
        // SESv2 SendEmail with Content.Raw is authorized as ses:SendRawEmail as well.
        actions: ["ses:SendEmail", "ses:SendRawEmail"],
        resources: [this.identityArn, this.configurationSetArn],
      }),
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
