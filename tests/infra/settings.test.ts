import { App } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { CONTEXT_KEYS, parseSettings, readSettings } from "../../infra/settings.ts";

const settingsOf = (context: Record<string, unknown>) => readSettings(new App({ context }).node);

describe("deployment settings from CDK context", () => {
  it("has defaults for everything: a fresh clone synthesizes with no context at all", () => {
    const settings = settingsOf({});
    expect(settings).toMatchObject({
      configDir: "config",
      lakePrefix: "",
      glueDatabase: "opspulse",
      workgroup: "opspulse",
      bytesScannedCutoff: 10 * 1024 ** 3,
      resultsExpirationDays: 7,
    });
    expect(settings.lakeBucketName).toBeUndefined();
    expect(settings.onCallEmail).toBeUndefined();
  });

  it("accepts strings as `cdk synth -c key=value` passes them, and normalizes the lake prefix", () => {
    const settings = settingsOf({
      [CONTEXT_KEYS.lakeBucketName]: "acme-data-lake",
      [CONTEXT_KEYS.lakePrefix]: "/warehouse/opspulse/",
      [CONTEXT_KEYS.bytesScannedCutoff]: "20000000",
      [CONTEXT_KEYS.onCallEmail]: "oncall@example.com",
    });
    expect(settings.lakeBucketName).toBe("acme-data-lake");
    expect(settings.lakePrefix).toBe("warehouse/opspulse/");
    expect(settings.bytesScannedCutoff).toBe(20_000_000);
    expect(settings.onCallEmail).toBe("oncall@example.com");
  });

  it("treats an empty value as unset", () => {
    expect(settingsOf({ [CONTEXT_KEYS.lakeBucketName]: "" }).lakeBucketName).toBeUndefined();
  });

  it.each([
    [CONTEXT_KEYS.lakeBucketName, "Not_A_Bucket", "expected an S3 bucket name"],
    [CONTEXT_KEYS.bytesScannedCutoff, "1000", "opspulse:athenaBytesScannedCutoffPerQuery"],
    [CONTEXT_KEYS.onCallEmail, "on-call", "expected an email address"],
    [CONTEXT_KEYS.lakeFirstDay, "2024/01/01", "expected a date YYYY-MM-DD"],
  ])("fails on a bad %s with one line naming the context key", (key, value, expected) => {
    let message = "";
    try {
      settingsOf({ [key]: value });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`context ${key}`);
    expect(message).toContain(expected);
    expect(message).not.toContain("\n");
  });

  it("parses settings given as an object (for callers that build the stack directly)", () => {
    expect(parseSettings({ workgroup: "reports" }).workgroup).toBe("reports");
    expect(() => parseSettings({ workgroup: "no spaces" })).toThrow(/workgroup/);
  });
});
