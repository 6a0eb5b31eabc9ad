import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AthenaClient } from "@aws-sdk/client-athena";
import { S3Client } from "@aws-sdk/client-s3";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { awsAdapterFactories } from "../../../functions/lib/runtime/aws-adapters.ts";
import { createAdapters } from "../../../functions/lib/runtime/deps.ts";
import { EnvError, readRuntimeEnv } from "../../../functions/lib/runtime/env.ts";
import { localAdapterFactories } from "../../../functions/lib/runtime/local-adapters.ts";
import { fakeBucket } from "../adapters/fake-s3.ts";

const AWS_ENV = {
  OPSPULSE_RUNTIME: "aws",
  OPSPULSE_ATHENA_WORKGROUP: "opspulse",
  OPSPULSE_ATHENA_DATABASE: "opspulse_lake",
  OPSPULSE_STATE_BUCKET: "opspulse-state.example.com",
};

const clients = () => ({
  athena: new AthenaClient({ region: "eu-west-1" }),
  s3: new S3Client({ region: "eu-west-1" }),
  ses: new SESv2Client({ region: "eu-west-1" }),
});

describe("createAdapters", () => {
  it("builds Athena, S3 and SES from OPSPULSE_RUNTIME=aws, wrapping each client", async () => {
    const instrumented: unknown[] = [];
    const adapters = await createAdapters(readRuntimeEnv(AWS_ENV), [awsAdapterFactories()], {
      instrument: (client) => {
        instrumented.push(client);
        return client;
      },
    });
    expect(adapters.engine.dialect).toBe("athena");
    expect(instrumented.map((c) => (c as object).constructor.name).sort()).toEqual([
      "AthenaClient",
      "S3Client",
      "SESv2Client",
    ]);
    await adapters.close();
  });

  it("writes through the S3 stores it built (the configured bucket and prefix)", async () => {
    const bucket = fakeBucket();
    const adapters = await createAdapters(
      readRuntimeEnv({ ...AWS_ENV, OPSPULSE_STATE_PREFIX: "prod" }),
      [awsAdapterFactories({ ...clients(), s3: bucket.client })],
    );
    expect(
      await adapters.deliveries.claim({ idempotencyKey: "k", runId: "r", deliveredAt: "t" }),
    ).toBe(true);
    expect(bucket.keys()).toEqual(["prod/deliveries/k.json"]);
  });

  it("mixes local and AWS adapters when the CLI has both", async () => {
    const out = mkdtempSync(join(tmpdir(), "opspulse-"));
    const adapters = await createAdapters(
      readRuntimeEnv(
        { OPSPULSE_MAILER: "ses", AWS_ENDPOINT_URL_SES: "http://127.0.0.1:1" },
        { lakeDir: join(out, "lake"), outDir: out },
      ),
      [localAdapterFactories(), awsAdapterFactories(clients())],
    );
    expect(adapters.engine.dialect).toBe("duckdb");
    expect(await adapters.snapshots.latest("daily", "2026-03-01")).toBeUndefined();
    await adapters.close();
  });

  it("says which adapters a build has when the selection is not one of them", async () => {
    const creating = createAdapters(readRuntimeEnv({}), [awsAdapterFactories(clients())]);
    await expect(creating).rejects.toBeInstanceOf(EnvError);
    await expect(creating).rejects.toThrow(
      "The duckdb engine is not available here (this build has: athena): set OPSPULSE_ENGINE to one of those, or OPSPULSE_RUNTIME=aws in a Lambda.",
    );
  });
});
