/**
 * Fault: SES refuses the email of one recipient list (a rejected message, not worth
 * retrying) while the other list's email goes out.
 *
 * Expected: the list that got its email is not sent to again; the refused list's claim is
 * released, on-call gets one failure notice, and the next run delivers the refused list
 * once — nothing lost, nothing twice.
 */
import { SESv2ServiceException } from "@aws-sdk/client-sesv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runReportWithAlerts } from "../../functions/lib/alerts/on-call.ts";
import { ReportRunError } from "../../functions/lib/report/run-report.ts";
import { type AwsWorld, createAwsWorld, sendsByRecipient } from "./support/aws-world.ts";
import { clockAt } from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

const EN = "ops-director@example.com";
const ZH = "yunying-zongjian@example.com";
const clock = clockAt("2026-03-03T00:00:00Z");

let world: AwsWorld;
beforeAll(async () => {
  world = await createAwsWorld({
    recipients: [
      "reports:",
      "  daily:",
      `    - { name: managers, locale: en, to: [${EN}] }`,
      `    - { name: managers-zh, locale: zh-CN, to: [${ZH}] }`,
      "on_call:",
      "  to: [oncall@example.com]",
      "",
    ].join("\n"),
  });
});
afterAll(async () => {
  await world?.close();
});

const rejected = () =>
  new SESv2ServiceException({
    name: "MessageRejected",
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
    message: "Email address is not verified.",
  });

describe("one of two recipient lists refused by SES", () => {
  it("the other list is sent once; the refused one on the next run, once", async () => {
    let refusals = 0;
    world.fault = (call) => {
      if (call.command === "SendEmailCommand" && JSON.stringify(call.input).includes(ZH)) {
        refusals++;
        throw rejected();
      }
      return undefined;
    };
    const failed = await runReportWithAlerts(world.deps({ clock }), {
      report: "daily",
      date: "2026-03-02",
    }).catch((error: unknown) => error);
    world.fault = undefined;

    expect(failed).toBeInstanceOf(ReportRunError);
    const summary = (failed as ReportRunError).summary;
    expect(summary.emails.map((e) => [e.list, e.status])).toEqual([
      ["managers", "sent"],
      ["managers-zh", "failed"],
    ]);
    // Not retried: a rejected message would be rejected again.
    expect(refusals).toBe(1);
    const afterFailure = sendsByRecipient(world.sent);
    expect(afterFailure).toEqual({ [EN]: 1, "oncall@example.com": 2 }); // alert + failure notice

    const next = await runReportWithAlerts(world.deps({ clock }), {
      report: "daily",
      date: "2026-03-02",
    });
    expect(next.emails.map((e) => [e.list, e.status])).toEqual([
      ["managers-zh", "sent"],
      ["managers", "already_delivered"],
    ]);
    expect(sendsByRecipient(world.sent)).toEqual({
      [EN]: 1,
      [ZH]: 1,
      "oncall@example.com": 2,
    });
    recordFault({
      area: "Engine failures",
      fault: "SES rejects the email of one of two lists",
      expected: "other list sent once; refused list on the next run, once",
      observed: `first run: managers sent, managers-zh failed (${refusals} attempt), 1 failure notice; next run: managers-zh sent, managers already delivered; sends ${JSON.stringify(sendsByRecipient(world.sent))}`,
    });
  });
});
