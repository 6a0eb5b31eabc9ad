/**
 * The rollup switch at the edge: `OPSPULSE_ROLLUPS=off` turns rollups off for either engine,
 * and Athena keeps them in the lake named by `OPSPULSE_LAKE_URI` (without it, it runs
 * without them: every query inlines its rollups from the raw data).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AthenaClient } from "@aws-sdk/client-athena";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { awsAdapterFactories } from "../../../functions/lib/runtime/aws-adapters.ts";
import { EnvError, readRuntimeEnv } from "../../../functions/lib/runtime/env.ts";
import { localAdapterFactories } from "../../../functions/lib/runtime/local-adapters.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const AWS_ENV = {
  OPSPULSE_RUNTIME: "aws",
  OPSPULSE_ATHENA_WORKGROUP: "opspulse",
  OPSPULSE_ATHENA_DATABASE: "opspulse_lake",
  OPSPULSE_STATE_BUCKET: "opspulse-state.example.com",
};
const context = {
  clock: { now: () => new Date(0) },
  s3PathStyle: false,
  instrument: <T>(client: T) => client,
};

function athenaEngine(env: Record<string, string>) {
  const engineEnv = readRuntimeEnv({ ...AWS_ENV, ...env }).engine;
  if (engineEnv.kind !== "athena") throw new Error("expected the Athena engine");
  const factories = awsAdapterFactories({
    athena: new AthenaClient({ region: "eu-west-1" }),
    s3: new S3Client({ region: "eu-west-1" }),
  });
  return factories.engine.athena?.(engineEnv, context);
}

describe("rollups at the edge", () => {
  it("Athena keeps rollups in OPSPULSE_LAKE_URI, and runs without them otherwise", async () => {
    const withLake = await athenaEngine({ OPSPULSE_LAKE_URI: "s3://lake.example.com/prefix/" });
    expect(withLake?.rollups?.maxDaysPerBuild).toBe(100);
    expect((await athenaEngine({}))?.rollups).toBeUndefined();
    const off = await athenaEngine({
      OPSPULSE_LAKE_URI: "s3://lake.example.com/",
      OPSPULSE_ROLLUPS: "off",
    });
    expect(off?.rollups).toBeUndefined();
  });

  it("DuckDB keeps them in the local lake unless OPSPULSE_ROLLUPS=off", async () => {
    const lakeDir = join(root, "lake");
    for (const [value, on] of [
      [undefined, true],
      ["on", true],
      ["off", false],
    ] as const) {
      const env = readRuntimeEnv({
        OPSPULSE_LAKE_DIR: lakeDir,
        ...(value ? { OPSPULSE_ROLLUPS: value } : {}),
      }).engine;
      if (env.kind !== "duckdb") throw new Error("expected DuckDB");
      const engine = await localAdapterFactories().engine.duckdb?.(env, context);
      try {
        expect(engine?.rollups !== undefined, `OPSPULSE_ROLLUPS=${value}`).toBe(on);
      } finally {
        await engine?.close();
      }
    }
  });

  it("refuses a malformed switch or lake location, naming the variable", () => {
    expect(() => readRuntimeEnv({ OPSPULSE_ROLLUPS: "no" })).toThrow(
      new EnvError(
        'Environment variable OPSPULSE_ROLLUPS is "no": use on or off (or leave it unset for on).',
      ),
    );
    expect(() => readRuntimeEnv({ ...AWS_ENV, OPSPULSE_LAKE_URI: "lake.example.com" })).toThrow(
      /OPSPULSE_LAKE_URI is "lake.example.com": use an S3 URL/,
    );
  });
});
