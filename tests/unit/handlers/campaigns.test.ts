/**
 * The campaigns Lambda with the report use case as it is: the use case makes the daily and
 * weekly reports only, so a campaigns run must say so plainly and open nothing. When the
 * use case gains the campaigns report, `REPORT_KINDS` fails type checking until it lists it,
 * and this test is to be turned into a real run (see scheduled-report.test.ts).
 */
import { describe, expect, it, vi } from "vitest";
import { createCampaignsHandler } from "../../../functions/campaigns/index.ts";
import type { OnCallDeps } from "../../../functions/lib/alerts/on-call.ts";
import { createObservability } from "../../../functions/lib/runtime/observability.ts";
import { lambdaContext } from "./aws-world.ts";

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

function campaignsHandler() {
  const opened = { count: 0 };
  const handler = createCampaignsHandler({
    deps: (): Promise<OnCallDeps> => {
      opened.count++;
      return Promise.reject(new Error("the dependencies must not be opened"));
    },
    observability: createObservability("opspulse-campaigns-test"),
  });
  return {
    opened,
    invoke: (event: unknown) => handler(event, lambdaContext("opspulse-campaigns")),
  };
}

describe("campaigns handler", () => {
  it.each([
    [{ report: "campaigns", timeZone: "Asia/Shanghai", scheduledTime: "2026-03-03T00:00:00Z" }],
    [{}],
  ])("says the use case does not make the campaigns report yet, for %j", async (event) => {
    const { opened, invoke } = campaignsHandler();
    await expect(invoke(event)).rejects.toThrow(
      "The campaigns report is configured but the report use case does not make it yet (it makes daily and weekly); nothing was run.",
    );
    expect(opened.count).toBe(0);
  });

  it("refuses another report's event", async () => {
    const { opened, invoke } = campaignsHandler();
    await expect(invoke({ report: "daily", timeZone: "Asia/Shanghai" })).rejects.toThrow(
      /^Not a campaigns schedule event \(report: .*\): check the schedule's input in the stack; nothing was run\.$/,
    );
    await expect(invoke({ timeZone: "Shanghai" })).rejects.toThrow(
      /timeZone: expected an IANA time zone/,
    );
    expect(opened.count).toBe(0);
  });
});
