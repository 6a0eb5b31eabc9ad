/**
 * The dead-letter queue of scheduled runs. Two things land here, both after their retries:
 * events EventBridge Scheduler could not deliver, and asynchronous Lambda invocations whose
 * run kept failing (the on-failure destination, which carries the request and the error).
 * Anything in it pages on-call; messages are kept 14 days for inspection and replay.
 */
import { Duration, Validations } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";

export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: "AwsSolutions-SQS3",
    reason:
      "This queue is itself the dead-letter queue of the Scheduler targets and the Lambda on-failure destination; a DLQ of a DLQ would only hide failures from the depth alarm.",
  });
  return queue;
}
