/**
 * The AWS world of the fault tests, with no AWS account and no waiting:
 *
 * - **Athena**: aws-sdk-client-mock answering the real API calls; the SQL the adapter sent
 *   runs on DuckDB over the small lake of `local-world.ts` and comes back the way Athena
 *   shapes it (every value a `VarCharValue` string, the header as the first row).
 * - **S3**: the stateful fake bucket of `tests/unit/adapters/fake-s3.ts`, which honours
 *   `If-None-Match: *` and `If-Match` like S3 (412 when the condition fails).
 * - **SES**: aws-sdk-client-mock recording every `SendEmail` (destination and raw MIME).
 *
 * Every SDK call first passes through a test's fault hook ({@link AwsWorld.fault}), which can
 * throw an SDK error or answer instead of the fake. Sleeps are injected and only recorded;
 * the Athena adapter's clock is moved by them, so a "stuck" query times out at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AthenaClient,
  AthenaServiceException,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import type { S3Client } from "@aws-sdk/client-s3";
import { SESv2Client, SESv2ServiceException, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { mockClient } from "aws-sdk-client-mock";
import { createAthenaEngine } from "../../../functions/lib/adapters/athena.ts";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import {
  createS3AlertStateStore,
  createS3DeliveryLog,
  createS3RunLog,
  createS3SnapshotStore,
} from "../../../functions/lib/adapters/s3-store.ts";
import { createSesMailer } from "../../../functions/lib/adapters/ses-mailer.ts";
import type { OnCallDeps } from "../../../functions/lib/alerts/on-call.ts";
import { loadAlertTemplate } from "../../../functions/lib/alerts/render.ts";
import { loadConfig } from "../../../functions/lib/config/load.ts";
import type { Clock } from "../../../functions/lib/ports.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import { loadReportTemplates } from "../../../functions/lib/report/email/render.ts";
import { writeAlertConfig, writeAlertLake } from "../../e2e/alerts-fixture.ts";
import { athenaResults } from "../../support/athena-pages.ts";
import { type FakeBucket, fakeBucket, s3Error } from "../../unit/adapters/fake-s3.ts";
import { leaves, parseEml } from "../../unit/report/eml.ts";
import { clockAt } from "./local-world.ts";

/** Which service a call went to, the command's name and its input. */
export interface SdkCall {
  readonly service: "athena" | "s3" | "ses";
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/**
 * A fault: throw to fail the call, return a value to answer instead of the fake, return
 * undefined to let the call through.
 */
export type FaultHook = (call: SdkCall) => unknown | Promise<unknown>;

/** One email SES accepted. */
export interface SesSend {
  readonly to: readonly string[];
  readonly subject: string;
  readonly html: string;
  readonly listTag: string;
}

export interface AwsWorld {
  readonly bucket: FakeBucket;
  /** Every SDK call, in order (also the failed ones). */
  readonly calls: SdkCall[];
  /** Every delay the adapters asked to sleep, in order. */
  readonly sleeps: number[];
  /** What SES accepted. */
  readonly sent: SesSend[];
  /** The fault of the moment; undefined lets every call through. */
  fault: FaultHook | undefined;
  /**
   * The use case's dependencies, as one Lambda container would build them; `prefix` keeps
   * a case's stores (deliveries, alert state, snapshots) apart from the other cases'.
   */
  deps(options?: { clock?: Clock; athenaTimeoutMs?: number; prefix?: string }): OnCallDeps;
  close(): Promise<void>;
}

/** Athena's error for "too many queries at once". */
export function athenaThrottled(): AthenaServiceException {
  return new AthenaServiceException({
    name: "TooManyRequestsException",
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
    message: "Rate exceeded",
  });
}

/** SES's error for a send above the account's rate. */
export function sesThrottled(): SESv2ServiceException {
  return new SESv2ServiceException({
    name: "TooManyRequestsException",
    $fault: "client",
    $metadata: { httpStatusCode: 429 },
    message: "Maximum sending rate exceeded.",
  });
}

/** Athena's 500. */
export function athenaInternalError(): AthenaServiceException {
  return new AthenaServiceException({
    name: "InternalServerException",
    $fault: "server",
    $metadata: { httpStatusCode: 500 },
    message: "Internal service error",
  });
}

/** S3's 500. */
export function s3InternalError() {
  return s3Error("InternalError", 500, "We encountered an internal error. Please try again.");
}

const BUCKET = "opspulse-state.example.com";
const PAGE_SIZE = 50;

/** Builds the world; `recipients` replaces the config's `recipients.yaml`. */
export async function createAwsWorld(options: { recipients?: string } = {}): Promise<AwsWorld> {
  const root = mkdtempSync(join(tmpdir(), "opspulse-"));
  const lakeDir = join(root, "lake");
  const configDir = join(root, "config");
  await writeAlertLake(lakeDir);
  writeAlertConfig(configDir, "reminder_every_hours: 36\n");
  if (options.recipients) writeFileSync(join(configDir, "recipients.yaml"), options.recipients);
  const config = loadConfig(configDir);
  const templates = loadReportTemplates();
  const alertTemplate = loadAlertTemplate();
  const catalog = new QueryCatalog();
  const duck = await createDuckDbEngine({ lakeDir, threads: 1 });

  const calls: SdkCall[] = [];
  const sleeps: number[] = [];
  const sent: SesSend[] = [];
  let virtualMs = 0;

  const world: AwsWorld = {
    bucket: fakeBucket(),
    calls,
    sleeps,
    sent,
    fault: undefined,
    deps({ clock = clockAt("2026-03-03T00:00:00Z"), athenaTimeoutMs = 60_000, prefix } = {}) {
      const sleep = async (ms: number) => {
        sleeps.push(ms);
        virtualMs += ms;
      };
      const s3 = { client: s3Client, bucket: BUCKET, clock, sleep, ...(prefix ? { prefix } : {}) };
      return {
        engine: createAthenaEngine({
          client: athena,
          workgroup: "opspulse",
          database: "opspulse_lake",
          timeoutMs: athenaTimeoutMs,
          sleep,
          now: () => clock.now().getTime() + virtualMs,
        }),
        catalog,
        snapshots: createS3SnapshotStore(s3),
        deliveries: createS3DeliveryLog(s3),
        runLog: createS3RunLog(s3),
        alertState: createS3AlertStateStore(s3),
        mailer: createSesMailer({ client: ses, sleep, clock }),
        clock,
        config,
        templates,
        alertTemplate,
      };
    },
    async close() {
      ses.destroy();
      athena.destroy();
      await duck.close();
      rmSync(root, { recursive: true, force: true });
    },
  };

  /** Passes a call through the fault hook, then to the fake. */
  const faulty = <C extends { send(command: unknown): Promise<unknown> }>(
    service: SdkCall["service"],
    client: C,
  ): C => {
    const send = client.send.bind(client);
    return new Proxy(client, {
      get(target, property, receiver) {
        if (property !== "send") return Reflect.get(target, property, receiver);
        return async (command: { constructor: { name: string }; input: object }) => {
          const call: SdkCall = {
            service,
            command: command.constructor.name,
            input: command.input as Record<string, unknown>,
          };
          calls.push(call);
          const answer = await world.fault?.(call);
          if (answer !== undefined) return answer;
          return send(command);
        };
      },
    });
  };

  // Athena on DuckDB.
  const athenaRaw = new AthenaClient({ region: "eu-west-1" });
  const athenaMock = mockClient(athenaRaw);
  const results = athenaResults(duck.connection, PAGE_SIZE);
  const pagesOf = results.pagesOf;
  let started = 0;
  athenaMock.on(StartQueryExecutionCommand).callsFake(async (input) => {
    const id = `q-${++started}`;
    results.start(id, String(input.QueryString));
    return { QueryExecutionId: id };
  });
  athenaMock.on(GetQueryExecutionCommand).callsFake(async (input) => {
    const id = String(input.QueryExecutionId);
    try {
      await pagesOf(id);
    } catch (error) {
      const reason = (error as Error).message.split("\n")[0];
      return {
        QueryExecution: {
          QueryExecutionId: id,
          Status: { State: "FAILED", StateChangeReason: reason },
        },
      };
    }
    return {
      QueryExecution: {
        QueryExecutionId: id,
        Status: { State: "SUCCEEDED" },
        Statistics: { DataScannedInBytes: 4096 },
      },
    };
  });
  athenaMock.on(GetQueryResultsCommand).callsFake(async (input) => {
    const pages = await pagesOf(String(input.QueryExecutionId));
    return pages[input.NextToken ? Number(input.NextToken) : 0];
  });
  athenaMock.on(StopQueryExecutionCommand).resolves({});
  const athena = faulty("athena", athenaRaw);

  const s3Client = faulty("s3", world.bucket.client) as S3Client;

  // SES: record what was accepted.
  const sesRaw = new SESv2Client({ region: "eu-west-1" });
  const sesMock = mockClient(sesRaw);
  let messages = 0;
  sesMock.on(SendEmailCommand).callsFake(async (input) => {
    const raw = Buffer.from(input.Content?.Raw?.Data ?? new Uint8Array()).toString("utf8");
    const message = parseEml(raw);
    sent.push({
      to: input.Destination?.ToAddresses ?? [],
      subject: message.headers.subject ?? "",
      html: leaves(message).find((p) => p.contentType === "text/html")?.body ?? "",
      listTag: input.EmailTags?.find((t: { Name?: string }) => t.Name === "list")?.Value ?? "",
    });
    return { MessageId: `ses-${++messages}` };
  });
  const ses = faulty("ses", sesRaw);

  return world;
}

/** Counts of accepted SES sends by recipient, e.g. `{ "ops-director@example.com": 1 }`. */
export function sendsByRecipient(sent: readonly SesSend[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const send of sent) {
    const to = send.to.join(",");
    counts[to] = (counts[to] ?? 0) + 1;
  }
  return counts;
}
