import { describe, expect, it } from "vitest";
import { EnvError, readRuntimeEnv, requireEnv } from "../../../functions/lib/runtime/env.ts";

const AWS_ENV = {
  OPSPULSE_RUNTIME: "aws",
  OPSPULSE_ATHENA_WORKGROUP: "opspulse",
  OPSPULSE_ATHENA_DATABASE: "opspulse_lake",
  OPSPULSE_STATE_BUCKET: "opspulse-state.example.com",
};

describe("readRuntimeEnv", () => {
  it("defaults to the embedded runtime with the given folders", () => {
    expect(readRuntimeEnv({}, { lakeDir: "demo/lake", outDir: "demo" })).toEqual({
      engine: { kind: "duckdb", lakeDir: "demo/lake" },
      store: { kind: "fs", outDir: "demo" },
      mailer: { kind: "outbox", outDir: "demo" },
      configDir: "config",
      s3PathStyle: false,
    });
  });

  it("selects Athena, S3 and SES with OPSPULSE_RUNTIME=aws", () => {
    const env = readRuntimeEnv({
      ...AWS_ENV,
      OPSPULSE_STATE_PREFIX: "prod/",
      OPSPULSE_ATHENA_OUTPUT: "s3://results.example.com/athena/",
      OPSPULSE_ATHENA_TIMEOUT_SECONDS: "120",
      OPSPULSE_SES_CONFIGURATION_SET: "opspulse-reports",
      OPSPULSE_SES_TAGS: "app=opspulse, stage=prod",
      OPSPULSE_CONFIG_DIR: "/var/task/config",
      OPSPULSE_QUERIES_DIR: "/var/task/queries",
      OPSPULSE_TEMPLATES_DIR: "/var/task/templates",
    });
    expect(env).toEqual({
      engine: {
        kind: "athena",
        workgroup: "opspulse",
        database: "opspulse_lake",
        outputLocation: "s3://results.example.com/athena/",
        timeoutMs: 120_000,
      },
      store: { kind: "s3", bucket: "opspulse-state.example.com", prefix: "prod/" },
      mailer: {
        kind: "ses",
        configurationSetName: "opspulse-reports",
        tags: { app: "opspulse", stage: "prod" },
      },
      configDir: "/var/task/config",
      queriesDir: "/var/task/queries",
      templatesDir: "/var/task/templates",
      s3PathStyle: false,
    });
  });

  it("lets one adapter be switched alone, e.g. SES to a local server", () => {
    const env = readRuntimeEnv({
      OPSPULSE_MAILER: "ses",
      AWS_ENDPOINT_URL_SES: "http://127.0.0.1:8005",
    });
    expect(env.engine.kind).toBe("duckdb");
    expect(env.store.kind).toBe("fs");
    expect(env.mailer).toEqual({ kind: "ses", tags: {}, endpoint: "http://127.0.0.1:8005" });
  });

  it("leaves the SES endpoint to the SDK when AWS_ENDPOINT_URL_SESV2 is set", () => {
    const env = readRuntimeEnv({
      OPSPULSE_MAILER: "ses",
      AWS_ENDPOINT_URL_SES: "http://127.0.0.1:8005",
      AWS_ENDPOINT_URL_SESV2: "http://127.0.0.1:9005",
    });
    expect(env.mailer).toEqual({ kind: "ses", tags: {} });
  });

  it("addresses S3 by path when a custom S3 endpoint is set", () => {
    const env = readRuntimeEnv({
      OPSPULSE_STORE: "s3",
      OPSPULSE_STATE_BUCKET: "local-bucket",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000",
    });
    expect(env.s3PathStyle).toBe(true);
  });

  it.each([
    [
      "OPSPULSE_ATHENA_WORKGROUP",
      /OPSPULSE_ATHENA_WORKGROUP is not set: it names the Athena workgroup/,
    ],
    ["OPSPULSE_ATHENA_DATABASE", /OPSPULSE_ATHENA_DATABASE is not set: it names the Glue database/],
    ["OPSPULSE_STATE_BUCKET", /OPSPULSE_STATE_BUCKET is not set: it names the S3 bucket/],
  ])("names the missing variable %s", (missing, message) => {
    const env: Record<string, string> = { ...AWS_ENV };
    delete env[missing];
    expect(() => readRuntimeEnv(env)).toThrow(EnvError);
    expect(() => readRuntimeEnv(env)).toThrow(message);
  });

  it("counts a blank value as missing", () => {
    expect(() => readRuntimeEnv({ ...AWS_ENV, OPSPULSE_STATE_BUCKET: "  " })).toThrow(
      /OPSPULSE_STATE_BUCKET is not set/,
    );
  });

  it.each([
    [{ OPSPULSE_ENGINE: "postgres" }, 'OPSPULSE_ENGINE is "postgres": use duckdb or athena'],
    [{ OPSPULSE_RUNTIME: "gcp" }, 'OPSPULSE_RUNTIME is "gcp": use local or aws'],
    [
      { ...AWS_ENV, OPSPULSE_ATHENA_TIMEOUT_SECONDS: "5m" },
      'OPSPULSE_ATHENA_TIMEOUT_SECONDS is "5m": use a whole number above 0',
    ],
    [
      { ...AWS_ENV, OPSPULSE_ATHENA_OUTPUT: "results-bucket" },
      'OPSPULSE_ATHENA_OUTPUT is "results-bucket": use an S3 URL',
    ],
    [
      { OPSPULSE_MAILER: "ses", OPSPULSE_SES_TAGS: "team name=ops" },
      'OPSPULSE_SES_TAGS has "team name=ops": write tags as name=value pairs',
    ],
  ])("explains a malformed value", (env, message) => {
    expect(() => readRuntimeEnv(env)).toThrow(message);
  });
});

describe("OPSPULSE_FONTS_DIR", () => {
  const LAMBDA = { ...AWS_ENV, AWS_LAMBDA_FUNCTION_NAME: "opspulse-ScheduledReport" };

  it("is optional outside Lambda (the repository's assets/fonts/ is the default)", () => {
    expect(readRuntimeEnv(AWS_ENV).fontsDir).toBeUndefined();
    expect(readRuntimeEnv({ OPSPULSE_FONTS_DIR: " /opt/fonts " }).fontsDir).toBe("/opt/fonts");
  });

  it("is read in a Lambda, where the stack points it at the bundle's copy", () => {
    expect(readRuntimeEnv({ ...LAMBDA, OPSPULSE_FONTS_DIR: "/var/task/fonts" }).fontsDir).toBe(
      "/var/task/fonts",
    );
  });

  it.each([
    ["unset", {}],
    ["blank", { OPSPULSE_FONTS_DIR: " " }],
  ])("is required in a Lambda: %s, it is named with what it is for", (_case, extra) => {
    const read = () => readRuntimeEnv({ ...LAMBDA, ...extra });
    expect(read).toThrow(EnvError);
    expect(read).toThrow(
      /^Environment variable OPSPULSE_FONTS_DIR is not set: it names the folder of the chart fonts copied beside the bundle \(fonts\/\)/,
    );
  });
});

describe("requireEnv", () => {
  it("returns the trimmed value", () => {
    expect(requireEnv({ X: " y " }, "X", "is a test")).toBe("y");
  });
});
