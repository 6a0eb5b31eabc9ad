/**
 * The whole opspulse deployment in one stack: the lake and its Glue tables, the Athena
 * workgroup, the state bucket, the three Lambda functions, their schedules, SES and the
 * alarms that page on-call. Environment-agnostic: no lookups, so `cdk synth` runs offline.
 */
import { join } from "node:path";
import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import type { OpsConfig } from "../functions/lib/config/load.ts";
import type { ReportName } from "../functions/lib/config/schema.ts";
import type { SourceDecl } from "../functions/lib/query/catalog.ts";
import { AthenaWorkgroup } from "./constructs/athena.ts";
import { LakeCatalog } from "./constructs/catalog.ts";
import { ChatCommands } from "./constructs/chat-commands.ts";
import { ChatSecrets } from "./constructs/chat-secrets.ts";
import { DashboardDistribution } from "./constructs/dashboard-distribution.ts";
import { DataWaitRechecks } from "./constructs/data-wait-rechecks.ts";
import { deadLetterQueue } from "./constructs/dead-letters.ts";
import { Lake } from "./constructs/lake.ts";
import { Mail } from "./constructs/mail.ts";
import { OnCallAlarms } from "./constructs/on-call-alarms.ts";
import { PulseSchedule } from "./constructs/pulse-schedule.ts";
import {
  type BundlingChoices,
  FUNCTION_SIZING,
  ReportFunctions,
} from "./constructs/report-functions.ts";
import { ReportSchedules } from "./constructs/report-schedules.ts";
import { accessLogBucket } from "./constructs/secure-bucket.ts";
import { StateStore } from "./constructs/state-store.ts";
import { HANDLERS, type HandlerName } from "./handlers.ts";
import type { DeploymentSettings } from "./settings.ts";

/** Which function runs each scheduled report. */
export const REPORT_HANDLER: Record<ReportName, HandlerName> = {
  daily: "scheduledReport",
  weekly: "scheduledReport",
  campaigns: "campaigns",
};

export interface OpsPulseStackProps extends StackProps {
  readonly settings: DeploymentSettings;
  /** The validated `config/` folder (schedules, sender, recipients). */
  readonly config: OpsConfig;
  /** The logical tables of `queries/_sources.yaml`. */
  readonly sources: readonly SourceDecl[];
  readonly bundling?: BundlingChoices;
}

export class OpsPulseStack extends Stack {
  readonly lake: Lake;
  readonly catalog: LakeCatalog;
  readonly athena: AthenaWorkgroup;
  readonly state: StateStore;
  readonly mail: Mail;
  readonly functions: ReportFunctions;
  /** The chat command endpoint, when opspulse:chatSecretName is set. */
  readonly chat?: ChatCommands;
  readonly schedules: ReportSchedules;
  readonly pulse: PulseSchedule;
  readonly onCall: OnCallAlarms;
  /** The dashboard's CloudFront distribution, when a signing key is configured. */
  readonly dashboard: DashboardDistribution | undefined;

  constructor(scope: Construct, id: string, props: OpsPulseStackProps) {
    const { settings, config, sources, bundling, ...stackProps } = props;
    super(scope, id, {
      description: "opspulse: scheduled KPI reports (Athena over the S3 lake, SES mail)",
      ...stackProps,
    });

    const logs = accessLogBucket(this, "AccessLogs");
    this.lake = new Lake(this, "Lake", {
      existingBucketName: settings.lakeBucketName,
      prefix: settings.lakePrefix,
      accessLogs: { bucket: logs, prefix: "lake/" },
      ...(settings.lakeKmsKeyArn ? { kmsKeyArn: settings.lakeKmsKeyArn } : {}),
    });
    this.catalog = new LakeCatalog(this, "Catalog", {
      databaseName: settings.glueDatabase,
      lake: this.lake,
      sources,
      firstDay: settings.lakeFirstDay,
    });
    this.athena = new AthenaWorkgroup(this, "Athena", {
      workgroupName: settings.workgroup,
      bytesScannedCutoffPerQuery: settings.bytesScannedCutoff,
      resultsExpirationDays: settings.resultsExpirationDays,
      accessLogs: { bucket: logs, prefix: "athena-results/" },
    });
    this.state = new StateStore(this, "State", {
      accessLogs: { bucket: logs, prefix: "state/" },
    });
    this.mail = new Mail(this, "Mail", {
      identity: settings.sesIdentity ?? senderDomain(config.sender),
      sandbox: settings.sesSandbox,
      fromAddress: senderAddress(config.sender),
      feedbackEmail: settings.onCallEmail,
    });

    // With a signing key: the dashboard behind CloudFront, links valid for the configured days.
    this.dashboard = settings.dashboardPublicKey
      ? new DashboardDistribution(this, "Dashboard", {
          bucket: this.state.bucket,
          publicKeyPem: settings.dashboardPublicKey,
          linkDays: settings.dashboardLinkDays,
          accessLogs: { bucket: logs, prefix: "dashboard-cdn/" },
        })
      : undefined;

    const deadLetters = deadLetterQueue(this, "DeadLetters");
    this.functions = new ReportFunctions(this, "Functions", {
      lake: this.lake,
      catalog: this.catalog,
      athena: this.athena,
      state: this.state,
      mail: this.mail,
      deadLetters,
      configDir: settings.configDir,
      bundling,
      ...(this.dashboard ? { paramsAndSecrets: this.dashboard.paramsAndSecrets } : {}),
    });
    for (const fn of Object.values(this.functions.functions)) this.dashboard?.attach(fn);

    // Each function reads the chat contact points' URLs and secrets it is configured with.
    new ChatSecrets(this, "ChatSecrets", {
      grantees: Object.values(this.functions.functions).flatMap((f) => (f.role ? [f.role] : [])),
      contactPoints: config.contactPoints ?? [],
      file: join(config.dir, "recipients.yaml"),
    });

    this.schedules = new ReportSchedules(this, "Schedules", {
      deadLetters,
      runs: (Object.keys(REPORT_HANDLER) as ReportName[]).map((report) => ({
        report,
        cron: config.schedules[report].cron,
        timeZone: config.schedules[report].timeZone,
        enabled: config.schedules[report].enabled,
        target: this.functions.functions[REPORT_HANDLER[report]],
        origin: `${join(config.dir, "schedules.yaml")}: schedules.${report}.cron`,
      })),
    });

    // The intra-day pulse, every hour (pulse.yaml) in the report time zone.
    this.pulse = new PulseSchedule(this, "Pulse", {
      target: this.functions.functions.pulse,
      everyMinutes: config.pulse?.everyMinutes ?? 60,
      timeZone: config.timeZone,
      enabled: config.pulse?.enabled ?? true,
      deadLetters,
    });

    // Reports that wait for complete data re-invoke their function by one-time schedules.
    new DataWaitRechecks(this, "Rechecks", {
      functions: [this.functions.functions.scheduledReport, this.functions.functions.campaigns],
      deadLetters,
    });

    this.onCall = new OnCallAlarms(this, "OnCall", {
      functions: (Object.keys(HANDLERS) as HandlerName[]).map((name) => ({
        name: HANDLERS[name].id,
        fn: this.functions.functions[name],
        timeout: FUNCTION_SIZING[name].timeout,
      })),
      deadLetters,
      bytesScanned: this.athena.metricBytesScanned(Duration.days(1)),
      dailyBytesScannedThreshold: settings.dailyBytesScannedAlarm,
      onCallEmail: settings.onCallEmail,
    });

    if (settings.chatSecretName) {
      this.chat = new ChatCommands(this, "Chat", {
        state: this.state,
        adhoc: this.functions.functions.adhocRun,
        secretName: settings.chatSecretName,
        access: config.chatCommands ?? { viewers: [], senders: [] },
        timeZone: config.schedules.daily.timeZone,
        ...(bundling ? { bundling } : {}),
        ...(this.dashboard ? { dashboard: this.dashboard } : {}),
      });
    }

    this.#outputs();
  }

  #outputs(): void {
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output(
      "AdhocRunFunctionName",
      this.functions.functions.adhocRun.functionName,
      "Function that opspulse invoke calls",
    );
    output("LakeRoot", this.lake.uri(), "Root of the lake (events/, orders/, dims/)");
    output("StateBucketName", this.state.bucket.bucketName, "Snapshots, run log, alert state");
    output("AthenaWorkgroupName", this.athena.workgroupName, "Athena workgroup");
    output("GlueDatabaseName", this.catalog.databaseName, "Glue database of the lake tables");
    output(
      "SesConfigurationSetName",
      this.mail.configurationSet.configurationSetName,
      "SES configuration set",
    );
    output("OnCallTopicArn", this.onCall.topic.topicArn, "Subscribe on-call to this topic");
    output(
      "MailFeedbackTopicArn",
      this.mail.feedbackTopic.topicArn,
      "SES bounces, complaints and rejections of the reports",
    );
    if (this.dashboard) {
      output(
        "DashboardSigningKeySecret",
        this.dashboard.signingKey.secretArn,
        "Put the dashboard key pair's PEM private key here once",
      );
      output(
        "DashboardDomain",
        this.dashboard.distribution.distributionDomainName,
        "CloudFront domain of the dashboard (signed URLs only)",
      );
    }
  }
}

/** `OpsPulse Reports <reports@example.com>` → `reports@example.com`. */
export function senderAddress(sender: string): string {
  return (/<([^>]+)>/.exec(sender)?.[1] ?? sender).trim().toLowerCase();
}

/** `OpsPulse Reports <reports@example.com>` → `example.com`. */
export function senderDomain(sender: string): string {
  const address = /<([^>]+)>/.exec(sender)?.[1] ?? sender;
  const domain = address.split("@")[1];
  if (!domain) throw new Error(`The sender "${sender}" has no domain: fix recipients.yaml`);
  return domain.trim().toLowerCase();
}
