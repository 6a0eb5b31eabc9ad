/**
 * Bounces and complaints surfaced: the SES mailer asks SES v2 (aws-sdk-client-mock answering
 * as SES does: a SuppressedDestination, or NotFoundException for an address that is not
 * suppressed) which configured recipients are on the account's suppression list; a run then
 * logs one `mail_feedback` line (real fs run log), and `opspulse alerts status` lists them.
 */
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GetSuppressedDestinationCommand,
  NotFoundException,
  SESv2Client,
} from "@aws-sdk/client-sesv2";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../../functions/cli/main.ts";
import { createFsRunLog } from "../../../functions/lib/adapters/fs-store.ts";
import { createSesMailer } from "../../../functions/lib/adapters/ses-mailer.ts";
import { loadConfig } from "../../../functions/lib/config/load.ts";
import {
  configuredRecipients,
  noteSuppressedRecipients,
} from "../../../functions/lib/runtime/mail-feedback.ts";

const ses = mockClient(SESv2Client);
const clock = { now: () => new Date("2026-03-03T00:05:00Z") };

beforeEach(() => {
  ses.reset();
  ses.on(GetSuppressedDestinationCommand).callsFake(async (input) => {
    if (input.EmailAddress === "ops-director@example.com") {
      return {
        SuppressedDestination: {
          EmailAddress: "ops-director@example.com",
          Reason: "BOUNCE",
          LastUpdateTime: new Date("2026-03-02T00:10:00Z"),
        },
      };
    }
    throw new NotFoundException({
      message: "Email address not on suppression list",
      $metadata: {},
    });
  });
});
afterEach(() => ses.reset());

describe("suppressed recipients", () => {
  it("are read from SES for every configured address and logged once per run", async () => {
    const config = loadConfig("config");
    const dir = mkdtempSync(join(tmpdir(), "opspulse-"));
    const runLog = createFsRunLog({ file: join(dir, "runs.jsonl") });
    const mailer = createSesMailer({ client: new SESv2Client({ region: "eu-west-1" }) });

    const suppressed = await noteSuppressedRecipients({ mailer, runLog, clock }, config, "run-1");

    expect(suppressed).toEqual([
      { address: "ops-director@example.com", reason: "BOUNCE", since: "2026-03-02T00:10:00.000Z" },
    ]);
    const asked = ses
      .commandCalls(GetSuppressedDestinationCommand)
      .map((call) => call.args[0].input.EmailAddress);
    expect(asked.sort()).toEqual(configuredRecipients(config));
    expect(asked).toContain("oncall@example.com");
    const lines = readFileSync(join(dir, "runs.jsonl"), "utf8").trim().split("\n");
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ type: "mail_feedback", runId: "run-1", suppressed }),
    ]);
  });

  it("log nothing when nobody is suppressed", async () => {
    ses
      .on(GetSuppressedDestinationCommand)
      .rejects(new NotFoundException({ message: "not suppressed", $metadata: {} }));
    const dir = mkdtempSync(join(tmpdir(), "opspulse-"));
    const runLog = createFsRunLog({ file: join(dir, "runs.jsonl") });
    const mailer = createSesMailer({ client: new SESv2Client({ region: "eu-west-1" }) });
    expect(
      await noteSuppressedRecipients({ mailer, runLog, clock }, loadConfig("config"), "r"),
    ).toEqual([]);
    expect(() => readFileSync(join(dir, "runs.jsonl"), "utf8")).toThrow();
  });

  it("are listed by `opspulse alerts status` when the mailer is SES", async () => {
    const out = mkdtempSync(join(tmpdir(), "opspulse-"));
    mkdirSync(join(out, "lake", "events"), { recursive: true }); // an (empty) local lake
    vi.stubEnv("OPSPULSE_MAILER", "ses");
    vi.stubEnv("AWS_REGION", "eu-west-1");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "local");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "local");
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => printed.push(String(chunk)) > 0) as typeof write;
    try {
      expect(await main(["alerts", "status", "--out", out, "--lake", join(out, "lake")])).toBe(0);
    } finally {
      process.stdout.write = write;
      vi.unstubAllEnvs();
    }
    expect(printed.join("")).toContain(
      "SES no longer delivers to 1 configured recipient(s) (bounced or complained; fix recipients.yaml, then aws sesv2 delete-suppressed-destination):\n  ops-director@example.com  bounce since 2026-03-02",
    );
  });
});
