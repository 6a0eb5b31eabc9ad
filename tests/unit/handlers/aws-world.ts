/**
 * The AWS world of the handler tests, with no AWS account:
 *
 * - **Athena** is aws-sdk-client-mock answering the real API calls; each query's SQL (as the
 *   Athena adapter sent it) runs on DuckDB over a small Parquet lake, and the rows come back
 *   the way Athena shapes them: every value a `VarCharValue` string, the column names as the
 *   first row of the first page, typed `ColumnInfo`, pages of a few rows with `NextToken`.
 * - **S3** is the stateful fake bucket of `../adapters/fake-s3.ts` (conditional writes, 412s).
 * - **SES** is a live `aws-ses-v2-local` on a free loopback port; what it received is read
 *   back over its HTTP API.
 *
 * The lake and config are those of the alert end-to-end tests (events every 20 minutes for
 * five weeks, one paid order a day; only GMV has a target).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { mockClient } from "aws-sdk-client-mock";
import sesLocal from "aws-ses-v2-local";
import { vi } from "vitest";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import { compileMjml } from "../../../scripts/build-templates.ts";
import { writeAlertConfig, writeAlertLake } from "../../e2e/alerts-fixture.ts";
import { athenaResults } from "../../support/athena-pages.ts";
import { type FakeBucket, fakeBucket } from "../adapters/fake-s3.ts";

/** An email as aws-ses-v2-local stores it. */
export interface StoredEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: readonly string[] };
  readonly subject: string;
  readonly body: { readonly html?: string; readonly text?: string };
  readonly at: number;
}

export interface AwsWorld {
  readonly dir: string;
  readonly configDir: string;
  readonly templatesDir: string;
  readonly athena: AthenaClient;
  readonly athenaMock: ReturnType<typeof mockClient>;
  /** Every StartQueryExecution input, in order. */
  readonly started: StartQueryExecutionCommandInput[];
  /** The query ids StopQueryExecution was called with, in order. */
  readonly stopped: string[];
  /**
   * Queries whose SQL this accepts stay RUNNING while it does (until stopped), and each
   * poll of them calls it again (a test may move the clock there); default: none.
   */
  stall: ((sql: string) => boolean) | undefined;
  readonly bucket: FakeBucket;
  readonly ses: SESv2Client;
  readonly sesEndpoint: string;
  /** What the SES server has received so far. */
  sentEmails(): Promise<StoredEmail[]>;
  close(): Promise<void>;
}

const PAGE_SIZE = 3;
const SCANNED_BYTES = 4096;

/**
 * Builds the world in a fresh temp folder. With `everyClient`, every Athena and S3 client
 * (also those a handler creates from its environment) talks to this world.
 */
export async function createAwsWorld(options: { everyClient?: boolean } = {}): Promise<AwsWorld> {
  const dir = mkdtempSync(join(tmpdir(), "opspulse-"));
  const lakeDir = join(dir, "lake");
  const configDir = join(dir, "config");
  const templatesDir = join(dir, "templates");
  await writeAlertLake(lakeDir);
  writeAlertConfig(configDir, "reminder_every_hours: 36\n");
  mkdirSync(templatesDir, { recursive: true });
  for (const name of ["daily", "weekly", "alert"]) {
    writeFileSync(join(templatesDir, `${name}.html`), await compileMjml(`templates/${name}.mjml`));
  }

  const duck = await createDuckDbEngine({ lakeDir, threads: 1 });
  const athena = new AthenaClient({ region: "eu-west-1" });
  const athenaMock = options.everyClient ? mockClient(AthenaClient) : mockClient(athena);
  const started: StartQueryExecutionCommandInput[] = [];
  const results = athenaResults(duck.connection, PAGE_SIZE);
  const pagesOf = results.pagesOf;
  athenaMock.on(StartQueryExecutionCommand).callsFake(async (input) => {
    started.push(input);
    const id = `q-${started.length}`;
    results.start(id, String(input.QueryString));
    return { QueryExecutionId: id };
  });
  const stopped: string[] = [];
  const stalls = { predicate: undefined as ((sql: string) => boolean) | undefined };
  athenaMock.on(StopQueryExecutionCommand).callsFake(async (input) => {
    stopped.push(String(input.QueryExecutionId));
    return {};
  });
  athenaMock.on(GetQueryExecutionCommand).callsFake(async (input) => {
    const id = String(input.QueryExecutionId);
    const sql = String(started[Number(id.slice(2)) - 1]?.QueryString);
    if (stopped.includes(id)) {
      return { QueryExecution: { QueryExecutionId: id, Status: { State: "CANCELLED" } } };
    }
    if (stalls.predicate?.(sql)) {
      return { QueryExecution: { QueryExecutionId: id, Status: { State: "RUNNING" } } };
    }
    try {
      await pagesOf(id);
    } catch (error) {
      return {
        QueryExecution: {
          QueryExecutionId: id,
          Status: { State: "FAILED", StateChangeReason: (error as Error).message.split("\n")[0] },
        },
      };
    }
    return {
      QueryExecution: {
        QueryExecutionId: id,
        Status: { State: "SUCCEEDED" },
        Statistics: { DataScannedInBytes: SCANNED_BYTES },
      },
    };
  });
  athenaMock.on(GetQueryResultsCommand).callsFake(async (input) => {
    const pages = await pagesOf(String(input.QueryExecutionId));
    const index = input.NextToken ? Number(input.NextToken) : 0;
    return pages[index];
  });

  const bucket = fakeBucket({ everyClient: options.everyClient ?? false });

  const exported: unknown = sesLocal;
  const start = (
    typeof exported === "function" ? exported : sesLocal.default
  ) as typeof sesLocal.default;
  const server: Server = await start({ host: "127.0.0.1", port: 0 });
  const sesEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ses = new SESv2Client({
    endpoint: sesEndpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });

  return {
    dir,
    configDir,
    templatesDir,
    athena,
    athenaMock,
    started,
    stopped,
    get stall() {
      return stalls.predicate;
    },
    set stall(predicate) {
      stalls.predicate = predicate;
    },
    bucket,
    ses,
    sesEndpoint,
    async sentEmails() {
      const store = (await (await fetch(`${sesEndpoint}/store`)).json()) as {
        emails: StoredEmail[];
      };
      return store.emails;
    },
    async close() {
      ses.destroy();
      await new Promise((resolve) => server.close(resolve));
      await duck.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Lambda context as the runtime passes it (the fields Powertools reads). */
export function lambdaContext(
  functionName: string,
  remainingMs = 600_000,
): import("aws-lambda").Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "test",
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * The environment a deployed handler reads, pointed at `world` (vitest stubs: undo with
 * `vi.unstubAllEnvs()`).
 */
export function stubAwsRuntimeEnv(world: AwsWorld): void {
  vi.stubEnv("OPSPULSE_RUNTIME", "aws");
  vi.stubEnv("OPSPULSE_ATHENA_WORKGROUP", "opspulse");
  vi.stubEnv("OPSPULSE_ATHENA_DATABASE", "opspulse_lake");
  vi.stubEnv("OPSPULSE_STATE_BUCKET", "opspulse-state.example.com");
  vi.stubEnv("OPSPULSE_SES_CONFIGURATION_SET", "opspulse-reports");
  vi.stubEnv("OPSPULSE_CONFIG_DIR", world.configDir);
  vi.stubEnv("OPSPULSE_TEMPLATES_DIR", world.templatesDir);
  vi.stubEnv("AWS_ENDPOINT_URL_SES", world.sesEndpoint);
  vi.stubEnv("AWS_REGION", "eu-west-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "local");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "local");
}
