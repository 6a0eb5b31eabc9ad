import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  SendingPausedException,
  TooManyRequestsException,
} from "@aws-sdk/client-sesv2";
import { mockClient } from "aws-sdk-client-mock";
import sesLocal from "aws-ses-v2-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSesMailer, SesSendError } from "../../../functions/lib/adapters/ses-mailer.ts";
import type { OutgoingEmail } from "../../../functions/lib/ports.ts";
import { buildMime, deliveryMessageId } from "../../../functions/lib/report/mime.ts";

const clock = { now: () => new Date("2026-03-02T01:00:00Z") };
const noWait = async () => {};

const email: OutgoingEmail = {
  idempotencyKey: "report:daily:2026-03-01:managers",
  listName: "managers",
  from: "Opspulse <reports@example.com>",
  to: ["ops-lead@example.com", "cfo@example.com"],
  subject: "日报 2026-03-01 · 2 breaches",
  html: '<p>DAU <b>12 345</b></p><img src="cid:trend@opspulse">',
  text: "DAU 12 345",
  attachments: [
    {
      filename: "trend.png",
      contentType: "image/png",
      content: new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
      cid: "trend@opspulse",
    },
  ],
};

function withoutBoundaries(mime: Buffer): string {
  return mime.toString("utf8").replace(/--_NmP-[0-9a-f]+-Part_/g, "--boundary-Part_");
}

interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  attachments: { filename?: string; contentType: string }[];
}

describe("createSesMailer against a live aws-ses-v2-local", () => {
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    // The package is CommonJS: its default import is the server under Vitest's interop and
    // `module.exports` (holding it as `default`) under plain Node and TypeScript.
    const exported: unknown = sesLocal;
    const start = (
      typeof exported === "function" ? exported : sesLocal.default
    ) as typeof sesLocal.default;
    server = await start({ host: "127.0.0.1", port: 0 });
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends the raw MIME message and the server stores it as sent", async () => {
    const client = new SESv2Client({
      endpoint,
      region: "eu-west-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const mailer = createSesMailer({
      client,
      configurationSetName: "opspulse-reports",
      tags: { app: "opspulse" },
      clock,
    });

    const sent = await mailer.send(email, { runId: "run-2026-03-02T01:00:00Z" });

    const store = (await (await fetch(`${endpoint}/store`)).json()) as { emails: StoredEmail[] };
    const stored = store.emails.find((e) => e.messageId === sent.messageId);
    expect(stored).toBeDefined();
    expect(sent.location).toBe(`ses:${sent.messageId}`);
    expect(stored?.from).toContain("reports@example.com");
    expect(stored?.destination.to.join(",")).toContain("ops-lead@example.com");
    expect(stored?.destination.to.join(",")).toContain("cfo@example.com");
    expect(stored?.subject).toBe("日报 2026-03-01 · 2 breaches");
    expect(stored?.body.text?.trim()).toBe("DAU 12 345");
    expect(stored?.body.html).toContain("<b>12 345</b>");
    expect(stored?.attachments.map((a) => a.contentType)).toEqual(["image/png"]);
    client.destroy();
  });
});

describe("createSesMailer requests and errors", () => {
  const client = new SESv2Client({ region: "eu-west-1" });
  // Mock this one client, not the class: the live test's client must reach the server.
  const ses = mockClient(client);
  const mailer = (maxRetries = 3) =>
    createSesMailer({
      client,
      configurationSetName: "opspulse-reports",
      tags: { app: "opspulse", stage: "test" },
      clock,
      sleep: noWait,
      maxRetries,
    });

  it("sends exactly the bytes buildMime makes, with configuration set and tags", async () => {
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: "0100018e-example" });

    const sent = await mailer().send(email, { runId: "run/2026-03-02 01:00" });

    expect(sent).toEqual({ messageId: "0100018e-example", location: "ses:0100018e-example" });
    const input = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    const raw = Buffer.from(input?.Content?.Raw?.Data ?? new Uint8Array());
    const messageId = /^Message-ID: (<[^>]+>)/im.exec(raw.toString("utf8"))?.[1] ?? "";
    // The delivery's own, derived from its key: the same for a send again (a takeover).
    expect(messageId).toBe(deliveryMessageId(email));
    expect(messageId).toMatch(/^<opspulse\.[0-9a-f]{32}@example\.com>$/);
    const expected = await buildMime(email, messageId, clock.now());
    // MailComposer draws random MIME boundaries per build; everything else must be identical.
    expect(withoutBoundaries(raw)).toBe(withoutBoundaries(expected));
    expect(withoutBoundaries(raw)).toContain(
      "X-Opspulse-Idempotency-Key: report:daily:2026-03-01:managers",
    );
    expect(input?.Destination).toEqual({
      ToAddresses: ["ops-lead@example.com", "cfo@example.com"],
    });
    expect(input?.ConfigurationSetName).toBe("opspulse-reports");
    expect(input?.EmailTags).toEqual([
      { Name: "app", Value: "opspulse" },
      { Name: "stage", Value: "test" },
      { Name: "list", Value: "managers" },
      { Name: "run", Value: "run_2026-03-02_01_00" },
    ]);
  });

  it("retries throttling, then sends", async () => {
    ses.reset();
    ses
      .on(SendEmailCommand)
      .rejectsOnce(
        new TooManyRequestsException({ message: "Maximum sending rate exceeded.", $metadata: {} }),
      )
      .rejectsOnce(
        new TooManyRequestsException({ message: "Maximum sending rate exceeded.", $metadata: {} }),
      )
      .resolves({ MessageId: "m-3" });
    expect((await mailer().send(email, { runId: "r" })).messageId).toBe("m-3");
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(3);
  });

  it("stops retrying throttling after maxRetries and says so", async () => {
    ses.reset();
    ses
      .on(SendEmailCommand)
      .rejects(
        new TooManyRequestsException({ message: "Maximum sending rate exceeded.", $metadata: {} }),
      );
    const sending = mailer(2).send(email, { runId: "r" });
    await expect(sending).rejects.toThrow(/still throttled after 2 retries/);
    await expect(sending).rejects.toMatchObject({ failure: "throttled", retryable: true });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(3);
  });

  it("does not retry a spent daily quota", async () => {
    ses.reset();
    ses
      .on(SendEmailCommand)
      .rejects(
        new TooManyRequestsException({ message: "Daily message quota exceeded.", $metadata: {} }),
      );
    await expect(mailer().send(email, { runId: "r" })).rejects.toMatchObject({
      failure: "quota-exceeded",
    });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it.each([
    [
      new MessageRejected({
        message:
          "Email address is not verified. The following identities failed the check in region EU-WEST-1: boss@example.com",
        $metadata: {},
      }),
      "sandbox",
      /: SES is in the sandbox and a recipient of ops-lead@example\.com, cfo@example\.com is not a verified identity \(Email address is not verified\. The following identities failed the check in region EU-WEST-1: boss@example\.com\)\. Verify each recipient in SES, or request production access; while in the sandbox deploy with -c opspulse:sesSandbox=true\.$/,
    ],
    [
      new MessageRejected({ message: "Message contains a virus.", $metadata: {} }),
      "rejected",
      /was rejected \(Message contains a virus\.\)\. Check the content/,
    ],
    [
      Object.assign(
        new Error(
          "User `arn:aws:sts::123456789012:assumed-role/opspulse/fn' is not authorized to perform `ses:SendEmail' on resource `arn:aws:ses:eu-west-1:123456789012:identity/boss@example.com'",
        ),
        { name: "AccessDeniedException", $metadata: { httpStatusCode: 403 } },
      ),
      "not-authorized",
      /: the function may not send it \(User .*:identity\/boss@example\.com'\)\. In the SES sandbox SES also authorizes each recipient's identity: deploy with -c opspulse:sesSandbox=true/,
    ],
    [
      Object.assign(new Error("Mail from domain not verified"), {
        name: "MailFromDomainNotVerifiedException",
      }),
      "sender-not-verified",
      /sending domain of Opspulse <reports@example.com> is not verified/,
    ],
    [
      new SendingPausedException({ message: "Sending paused for this account.", $metadata: {} }),
      "sending-paused",
      /sending is paused for the account or configuration set opspulse-reports/,
    ],
    [
      Object.assign(new Error("Configuration set <opspulse-reports> does not exist."), {
        name: "NotFoundException",
      }),
      "configuration",
      /Check that configuration set opspulse-reports exists/,
    ],
  ])("maps %s to a clear, non-retried failure", async (error, failure, message) => {
    ses.reset();
    ses.on(SendEmailCommand).rejects(error);
    const sending = mailer().send(email, { runId: "r" });
    await expect(sending).rejects.toBeInstanceOf(SesSendError);
    await expect(sending).rejects.toMatchObject({ failure, retryable: false });
    await expect(sending).rejects.toThrow(message);
    await expect(sending).rejects.toThrow(
      /^SES did not send "日报 2026-03-01 · 2 breaches" to managers: /,
    );
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it("refuses tags SES would reject, when it is created", () => {
    expect(() => createSesMailer({ client, tags: { "team name": "ops" } })).toThrow(
      'SES tag team name=ops is not allowed: use letters, digits, "_" and "-" only',
    );
  });
});
