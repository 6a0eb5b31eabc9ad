/**
 * What pages on-call: a failed or slow run, an event parked in the dead-letter queue, and
 * Athena scanning more than a day's budget. Every alarm notifies one SNS topic (encrypted
 * with a key CloudWatch may use) that on-call subscribes to.
 */
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** A run that takes longer than this share of its timeout is about to fail. */
export const DURATION_ALARM_SHARE = 0.8;

export interface MonitoredFunction {
  readonly name: string;
  readonly fn: lambda.IFunction;
  readonly timeout: Duration;
}

export interface OnCallAlarmsProps {
  readonly functions: readonly MonitoredFunction[];
  readonly deadLetters: sqs.IQueue;
  /** Athena `ProcessedBytes` of the workgroup summed over a day (every dimension set). */
  readonly bytesScanned: cloudwatch.IMetric;
  readonly dailyBytesScannedThreshold: number;
  /** Email address subscribed to the topic at deploy (it must confirm the subscription). */
  readonly onCallEmail?: string;
}

export class OnCallAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: OnCallAlarmsProps) {
    super(scope, id);
    // An AWS managed SNS key cannot be used by CloudWatch alarms; this key can.
    const key = new kms.Key(this, "TopicKey", {
      description: "opspulse on-call topic",
      enableKeyRotation: true,
    });
    key.grant(
      new iam.ServicePrincipal("cloudwatch.amazonaws.com"),
      "kms:Decrypt",
      "kms:GenerateDataKey*",
    );
    this.topic = new sns.Topic(this, "Topic", {
      displayName: "opspulse on-call",
      masterKey: key,
      enforceSSL: true,
    });
    if (props.onCallEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.onCallEmail));
    }

    const alarms: cloudwatch.Alarm[] = [];
    for (const { name, fn, timeout } of props.functions) {
      alarms.push(
        fn
          .metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
          .createAlarm(this, `${name}Errors`, {
            alarmDescription: `opspulse ${name}: the function failed. Check its logs; the run is retried, then parked in the dead-letter queue.`,
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      );
      alarms.push(
        fn
          .metricDuration({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM })
          .createAlarm(this, `${name}NearTimeout`, {
            alarmDescription: `opspulse ${name}: a run took over ${DURATION_ALARM_SHARE * 100} % of the ${timeout.toMinutes()}-minute timeout.`,
            threshold: Math.round(timeout.toMilliseconds() * DURATION_ALARM_SHARE),
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      );
    }
    alarms.push(
      props.deadLetters
        .metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.MAXIMUM,
        })
        .createAlarm(this, "DeadLetters", {
          alarmDescription:
            "opspulse: a scheduled run was parked in the dead-letter queue after its retries. Inspect the message, fix the cause, re-run with opspulse invoke.",
          threshold: 0,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );
    alarms.push(
      new cloudwatch.Alarm(this, "AthenaBytesScanned", {
        metric: props.bytesScanned,
        alarmDescription:
          "opspulse: Athena scanned more than the daily budget. A query may have lost its dt partition filter.",
        threshold: props.dailyBytesScannedThreshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    const notify = new actions.SnsAction(this.topic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    this.alarms = alarms;
  }
}
