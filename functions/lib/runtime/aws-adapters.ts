/**
 * The AWS adapters as factories of the runtime: Athena, the S3 stores and SES, each built
 * from its part of {@link RuntimeEnv} and an SDK client. The Lambda handlers import only
 * this file (not the local adapters), so their bundles carry neither DuckDB nor the outbox.
 */
import { AthenaClient } from "@aws-sdk/client-athena";
import { S3Client } from "@aws-sdk/client-s3";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { createAthenaEngine } from "../adapters/athena.ts";
import {
  createS3AlertStateStore,
  createS3DeliveryLog,
  createS3RunLog,
  createS3SnapshotStore,
} from "../adapters/s3-store.ts";
import { createSesMailer } from "../adapters/ses-mailer.ts";
import { loadSources } from "../query/catalog.ts";
import { withAthenaRollups } from "../rollups/athena-storage.ts";
import type { AdapterFactories } from "./deps.ts";

/** Share of the workgroup's bytes-scanned cutoff one rollup build's raw files may take. */
export const BUILD_SHARE_OF_CUTOFF = 0.9;

/** SDK clients to use instead of new ones (tests pass mocked ones; tracing wraps them). */
export interface AwsClients {
  readonly athena?: AthenaClient;
  readonly s3?: S3Client;
  readonly ses?: SESv2Client;
}

/** Factories of the Athena engine, the S3 stores and the SES mailer. */
export function awsAdapterFactories(clients: AwsClients = {}): AdapterFactories {
  return {
    engine: {
      athena: (env, context) => {
        const client = clients.athena ?? context.instrument(new AthenaClient({}));
        const engine = createAthenaEngine({
          client,
          workgroup: env.workgroup,
          database: env.database,
          ...(env.catalog ? { catalog: env.catalog } : {}),
          ...(env.outputLocation ? { outputLocation: env.outputLocation } : {}),
          timeoutMs: env.timeoutMs,
          ...(env.firstDay ? { firstDay: env.firstDay } : {}),
        });
        // Rollups kept in the lake need its location; without it, queries inline them.
        if (env.rollups === false || !env.lakeUri) return engine;
        return withAthenaRollups(engine, {
          s3:
            clients.s3 ?? context.instrument(new S3Client({ forcePathStyle: context.s3PathStyle })),
          lakeUri: env.lakeUri,
          sources: loadSources(context.queriesDir),
          // Raw file bytes bound what a build scans (Parquet reads only some columns of
          // them); the margin covers footers and the calendar's own bytes.
          ...(env.bytesCutoff
            ? { maxBytesPerBuild: Math.floor(env.bytesCutoff * BUILD_SHARE_OF_CUTOFF) }
            : {}),
        });
      },
    },
    stores: {
      s3: (env, context) => {
        const client =
          clients.s3 ?? context.instrument(new S3Client({ forcePathStyle: context.s3PathStyle }));
        const options = { client, bucket: env.bucket, prefix: env.prefix, clock: context.clock };
        return {
          snapshots: createS3SnapshotStore(options),
          deliveries: createS3DeliveryLog(options),
          runLog: createS3RunLog(options),
          alertState: createS3AlertStateStore(options),
        };
      },
    },
    mailer: {
      ses: (env, context) => {
        // One attempt per SDK call: the SDK's own retries include 5xx answers, and a 5xx
        // after SES accepted a message would send it twice. The mailer retries only the
        // errors that mean "not sent" (throttling), itself.
        const client =
          clients.ses ??
          context.instrument(
            new SESv2Client({
              maxAttempts: 1,
              ...(env.endpoint ? { endpoint: env.endpoint } : {}),
            }),
          );
        return createSesMailer({
          client,
          ...(env.configurationSetName ? { configurationSetName: env.configurationSetName } : {}),
          tags: env.tags,
          clock: context.clock,
        });
      },
    },
  };
}
