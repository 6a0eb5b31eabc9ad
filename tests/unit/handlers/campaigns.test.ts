/**
 * The campaigns Lambda's event handling: a campaigns schedule event (or an empty one) opens
 * the dependencies and runs the campaigns report; any other event is refused before anything
 * is opened. (The report itself runs end to end in tests/unit/report/campaign-snapshots.test.ts.)
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
      return Promise.reject(new Error("stub dependencies: nothing to run on"));
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
  ])("opens its dependencies to run the campaigns report, for %j", async (event) => {
    const { opened, invoke } = campaignsHandler();
    await expect(invoke(event)).rejects.toThrow("stub dependencies: nothing to run on");
    expect(opened.count).toBe(1);
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
