/**
 * Sending mail with SES: the configuration set every report goes through (TLS required,
 * reputation metrics, the account suppression list for bounces and complaints), its event
 * destination for bounces, complaints and rejections (an SNS topic on-call may subscribe
 * to), and the sending identity, which is verified once per account outside this stack
 * (see the README). The runs read which of their recipients SES now suppresses
 * (functions/lib/adapters/ses-suppressions.ts) into the run log and `opspulse alerts status`.
 */
import { ArnFormat, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as ses from "aws-cdk-lib/aws-ses";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
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
  /** Email address subscribed to the bounce and complaint topic (on-call), if any. */
  readonly feedbackEmail?: string | undefined;
}

/** The sending events the feedback topic receives: mail that did not reach a person. */
export const FEEDBACK_EVENTS = [
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.REJECT,
] as const;

export class Mail extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly identity: string;
  readonly sandbox: boolean;
  readonly fromAddress: string;
  /** Where SES publishes bounces, complaints and rejections of the configuration set. */
  readonly feedbackTopic: sns.Topic;

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

    // SES publishes to an encrypted topic only with a key it may use.
    const key = new kms.Key(this, "FeedbackKey", {
      description: "opspulse SES bounce and complaint topic",
      enableKeyRotation: true,
    });
    key.grant(new iam.ServicePrincipal("ses.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");
    this.feedbackTopic = new sns.Topic(this, "FeedbackTopic", {
      displayName: "opspulse mail bounces and complaints",
      masterKey: key,
      enforceSSL: true,
    });
    this.configurationSet.addEventDestination("BouncesAndComplaints", {
      destination: ses.EventDestination.snsTopic(this.feedbackTopic),
      events: [...FEEDBACK_EVENTS],
    });
    if (props.feedbackEmail) {
      this.feedbackTopic.addSubscription(new subscriptions.EmailSubscription(props.feedbackEmail));
    }
  }

  /**
   * Lets `grantee` ask SES whether a recipient is on the account's suppression list (after a
   * bounce or complaint). The action has no resource-level permissions: it goes in a policy
   * of its own, whose `*` is acknowledged there only.
   */
  grantReadSuppressions(grantee: iam.IGrantable & { readonly node: Construct["node"] }): void {
    const role = grantee.grantPrincipal as iam.IRole;
    const policy = new iam.Policy(this, `ReadSuppressions${grantee.node.id}`, {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: "ReadSuppressedRecipients",
          actions: ["ses:GetSuppressedDestination"],
          resources: ["*"],
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "ses:GetSuppressedDestination supports no resource-level permissions; it only reads whether a recipient bounced or complained, and this policy holds nothing else.",
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
