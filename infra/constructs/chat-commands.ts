/**
 * Chat commands (issue 22): the endpoint the chat platforms call (a Lambda function URL,
 * `/slack`, `/feishu`, `/dingtalk`, `/wecom`) and the reply function, the ad-hoc Lambda's
 * destination for the runs the chat asked for. The function URL has no IAM auth (the
 * platforms cannot sign SigV4): every request is checked in code against its platform's
 * signature and timestamp before anything else. The chat apps' credentials stay in one
 * Secrets Manager secret the stack references by name and never creates or reads.
 */
import { join } from "node:path";
import { CfnOutput, Duration, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import type { ChatCommandsConfig } from "../../functions/lib/chatops/access.ts";
import { NO_YAML_ALIASES } from "../bundling/aliases.ts";
import { CREATE_REQUIRE_BANNER } from "../bundling/esbuild-shared.ts";
import { REPO_ROOT } from "../handlers.ts";
import type { DashboardDistribution } from "./dashboard-distribution.ts";
import type { BundlingChoices } from "./report-functions.ts";
import type { StateStore } from "./state-store.ts";

export interface ChatCommandsProps {
  readonly state: StateStore;
  /** The ad-hoc run function: the endpoint invokes it asynchronously. */
  readonly adhoc: lambda.IFunction;
  /** Name of the Secrets Manager secret of the chat apps (README "Chat commands"). */
  readonly secretName: string;
  /** `chat_commands` of recipients.yaml. */
  readonly access: ChatCommandsConfig;
  /** The report time zone ("yesterday" in a command is its yesterday). */
  readonly timeZone: string;
  readonly bundling?: BundlingChoices;
  /** The dashboard's distribution, when the stack made one: replies link it, signed. */
  readonly dashboard?: Pick<DashboardDistribution, "attach" | "paramsAndSecrets">;
}

export class ChatCommands extends Construct {
  readonly endpoint: nodejs.NodejsFunction;
  readonly reply: nodejs.NodejsFunction;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: ChatCommandsProps) {
    super(scope, id);
    const secret = secretsmanager.Secret.fromSecretNameV2(this, "Secret", props.secretName);
    const common = {
      OPSPULSE_STATE_BUCKET: props.state.bucket.bucketName,
      OPSPULSE_CHAT_SECRET: props.secretName,
      NODE_OPTIONS: "--enable-source-maps",
    };

    this.reply = this.#function("Reply", "functions/chat-reply/index.ts", {
      description: "Posts the result of a report the chat asked for in the asker's thread.",
      environment: common,
      timeout: Duration.seconds(30),
      bundling: props.bundling,
      // The dashboard's signing key, read through the Parameters and Secrets extension.
      ...(props.dashboard ? { paramsAndSecrets: props.dashboard.paramsAndSecrets } : {}),
    });
    props.dashboard?.attach(this.reply);
    this.endpoint = this.#function("Endpoint", "functions/chat-command/index.ts", {
      description: "Chat commands: verifies, answers within 3 s, runs reports asynchronously.",
      environment: {
        ...common,
        OPSPULSE_ADHOC_FUNCTION: props.adhoc.functionName,
        OPSPULSE_CHAT_ACCESS: JSON.stringify(props.access),
        OPSPULSE_TIME_ZONE: props.timeZone,
      },
      // Slack waits 3 s; a slower answer is a failure to the asker anyway.
      timeout: Duration.seconds(10),
      bundling: props.bundling,
    });

    for (const fn of [this.endpoint, this.reply]) {
      secret.grantRead(fn);
      props.state.grantReadWrite(fn);
    }
    // The function itself, not its versions (grantInvoke would add `<arn>:*`).
    this.endpoint.addToRolePolicy(invokeStatement(props.adhoc.functionArn));
    // The runs the chat asked for come back here, whether they succeeded or failed; an
    // ad-hoc invocation is not retried (a second run would reply twice).
    const toReply = exactLambdaDestination(this.reply);
    new lambda.EventInvokeConfig(this, "AdhocDestinations", {
      function: props.adhoc,
      onSuccess: toReply,
      onFailure: toReply,
      retryAttempts: 0,
      maxEventAge: Duration.hours(1),
    });

    this.url = this.endpoint.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    new CfnOutput(Stack.of(this), "ChatCommandUrl", {
      value: this.url.url,
      description:
        "Chat command endpoint: register <url>slack, <url>feishu, <url>dingtalk, <url>wecom",
    });
  }

  #function(
    id: string,
    entry: string,
    options: {
      readonly description: string;
      readonly environment: Record<string, string>;
      readonly timeout: Duration;
      readonly bundling: BundlingChoices | undefined;
      readonly paramsAndSecrets?: lambda.ParamsAndSecretsLayerVersion;
    },
  ): nodejs.NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: logs.RetentionDays.THREE_MONTHS,
    });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `opspulse ${entry}`,
    });
    logGroup.grantWrite(role);
    return new nodejs.NodejsFunction(this, id, {
      description: options.description,
      entry: join(REPO_ROOT, entry),
      handler: "handler",
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: options.timeout,
      ...(options.paramsAndSecrets ? { paramsAndSecrets: options.paramsAndSecrets } : {}),
      role,
      logGroup,
      environment: {
        ...options.environment,
        POWERTOOLS_SERVICE_NAME: `opspulse-chat-${id.toLowerCase()}`,
      },
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, "package-lock.json"),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: "node24",
        platform: "node",
        mainFields: ["module", "main"],
        minify: options.bundling?.minify ?? true,
        sourceMap: true,
        sourcesContent: false,
        // The runtime ships the SDK clients (Secrets Manager's too).
        externalModules: ["@aws-sdk/client-*"],
        charset: nodejs.Charset.UTF8,
        // node:http as the CommonJS module (no undici at each cold start of a 3 s answer).
        esbuildArgs: {
          "--alias": Object.entries(NO_YAML_ALIASES).map(([from, to]) => `${from}=${to}`),
        },
        banner: CREATE_REQUIRE_BANNER,
        forceDockerBundling: false,
        logLevel: nodejs.LogLevel.WARNING,
      },
    });
  }
}

function invokeStatement(functionArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [functionArn] });
}

/**
 * A Lambda destination granting the source function invoke on exactly the destination's ARN
 * (aws-lambda-destinations' LambdaDestination grants `<arn>:*` as well, a cdk-nag finding).
 */
function exactLambdaDestination(target: lambda.IFunction): lambda.IDestination {
  return {
    bind: (_scope, source) => {
      source.addToRolePolicy(invokeStatement(target.functionArn));
      return { destination: target.functionArn };
    },
  };
}
