/**
 * The CLI on AWS adapters, chosen by the standard variables: `OPSPULSE_MAILER=ses` with
 * `AWS_ENDPOINT_URL_SES` at a local aws-ses-v2-local sends `opspulse run daily` through the
 * real SES client; `OPSPULSE_STORE=s3` keeps snapshots and deliveries in S3 (here the fake
 * bucket, which every S3 client of this file talks to). The lake stays local (DuckDB).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../cli/commands/capture.ts";
import { type AwsWorld, createAwsWorld } from "../handlers/aws-world.ts";

let world: AwsWorld;

beforeAll(async () => {
  world = await createAwsWorld({ everyClient: true });
  vi.useFakeTimers({ toFake: ["Date"] });
});
afterEach(() => {
  vi.unstubAllEnvs();
});
afterAll(async () => {
  vi.useRealTimers();
  await world?.close();
});

function localRun(day: string, extraEnv: Record<string, string>) {
  vi.setSystemTime(new Date(`${day}T23:00:00Z`));
  vi.stubEnv("OPSPULSE_TEMPLATES_DIR", world.templatesDir);
  vi.stubEnv("AWS_REGION", "eu-west-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "local");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "local");
  for (const [name, value] of Object.entries(extraEnv)) vi.stubEnv(name, value);
  const out = join(world.dir, "out");
  return {
    out,
    result: runCli([
      "run",
      "daily",
      "--date",
      day,
      "--lake",
      join(world.dir, "lake"),
      "--out",
      out,
      "--config",
      world.configDir,
      "--json",
    ]),
  };
}

describe("the CLI with AWS adapters selected by environment variables", () => {
  it("sends through SES to a local aws-ses-v2-local with OPSPULSE_MAILER=ses", async () => {
    const { out, result } = localRun("2026-03-02", {
      OPSPULSE_MAILER: "ses",
      AWS_ENDPOINT_URL_SES: world.sesEndpoint,
    });
    const { code, stdout, stderr } = await result;

    expect(stderr).toBe("");
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as {
      outcome: string;
      emails: { list: string; status: string; messageId: string; location: string }[];
    };
    const managers = summary.emails.find((email) => email.list === "managers");
    expect(managers).toMatchObject({ status: "sent", location: `ses:${managers?.messageId}` });
    const delivered = (await world.sentEmails()).find((e) => e.messageId === managers?.messageId);
    expect(delivered?.destination.to.join()).toContain("ops-director@example.com");
    // The stores stayed local; nothing went to the outbox.
    expect(existsSync(join(out, "snapshots", "daily", "2026-03-02", "r001.json"))).toBe(true);
    expect(existsSync(join(out, "outbox"))).toBe(false);
  });

  it("keeps snapshots, deliveries and runs in S3 with OPSPULSE_STORE=s3", async () => {
    const { out, result } = localRun("2026-03-03", {
      OPSPULSE_STORE: "s3",
      OPSPULSE_STATE_BUCKET: "opspulse-state.example.com",
      OPSPULSE_STATE_PREFIX: "local-test",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000",
    });
    const { code, stderr } = await result;

    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(world.bucket.keys("local-test/snapshots/daily/2026-03-03/")).toEqual([
      "local-test/snapshots/daily/2026-03-03/r001.json",
    ]);
    expect(
      world.bucket.keys("local-test/deliveries/").some((key) => key.includes("2026-03-03")),
    ).toBe(true);
    expect(world.bucket.keys("local-test/runs/").length).toBeGreaterThan(0);
    expect(existsSync(join(out, "snapshots", "daily", "2026-03-03"))).toBe(false);
    // The mailer is still the outbox.
    expect(existsSync(join(out, "outbox"))).toBe(true);
  });

  it("names the missing variable when S3 is selected without a bucket", async () => {
    const { result } = localRun("2026-03-04", { OPSPULSE_STORE: "s3" });
    const { code, stderr } = await result;
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^opspulse: Environment variable OPSPULSE_STATE_BUCKET is not set: it names the S3 bucket/,
    );
  });
});
