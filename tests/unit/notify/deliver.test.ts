/**
 * Delivery through the notify port: any channel adapter, the real local delivery log. One
 * message per (period, audience, contact point) goes out once however many runs offer it;
 * a failed send releases its claim so that the next run retries it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFsDeliveryLog } from "../../../functions/lib/adapters/fs-store.ts";
import { contactPointsOf, deliverMessage } from "../../../functions/lib/notify/deliver.ts";
import { ON_CALL } from "../../../functions/lib/notify/policy.ts";
import type {
  Channel,
  ContactPoint,
  NotificationMessage,
} from "../../../functions/lib/notify/ports.ts";

const tmp = mkdtempSync(join(tmpdir(), "opspulse-notify-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const clock = { now: () => new Date("2026-11-23T00:00:00Z") };

const message: NotificationMessage = {
  key: "notify:daily:2026-11-22:on-call",
  audience: ON_CALL,
  locale: "en",
  kind: "alerts",
  report: "daily",
  periodKey: "2026-11-22",
  runId: "run-1",
  subject: "[OpsPulse] on-call · daily report 2026-11-22: 1 new",
  items: [],
  links: [],
  commands: [],
};

const webhook: ContactPoint = {
  channel: "webhook",
  name: "ops-room",
  locale: "en",
  url: "https://hooks.example.com/ops",
};

/** A channel that records what it was asked to send, failing the first `failures` times. */
function recordingChannel(failures = 0): Channel & { sent: string[] } {
  let left = failures;
  const sent: string[] = [];
  return {
    type: "webhook",
    sent,
    async send(m, contact, context) {
      if (left-- > 0) throw new Error("503 from the webhook");
      sent.push(`${m.key} → ${contact.url} (${context.idempotencyKey})`);
      return { messageId: `wh-${sent.length}` };
    },
  };
}

describe("deliverMessage", () => {
  it("sends one message per (period, audience, contact point), however many runs offer it", async () => {
    const deliveries = createFsDeliveryLog({ dir: join(tmp, "once") });
    const channel = recordingChannel();
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => deliverMessage({ deliveries, clock }, [channel], message, webhook)),
    );
    expect(outcomes.map((o) => o.status).sort()).toEqual([
      "already_delivered",
      "already_delivered",
      "sent",
    ]);
    expect(channel.sent).toEqual([
      "notify:daily:2026-11-22:on-call → https://hooks.example.com/ops (notify:daily:2026-11-22:on-call:webhook:ops-room)",
    ]);
  });

  it("releases the claim of a failed send, so that the next run delivers it", async () => {
    const deliveries = createFsDeliveryLog({ dir: join(tmp, "retry") });
    const channel = recordingChannel(1);
    const failed = await deliverMessage({ deliveries, clock }, [channel], message, webhook);
    expect(failed).toMatchObject({ status: "failed", error: "503 from the webhook" });
    const retried = await deliverMessage({ deliveries, clock }, [channel], message, webhook);
    expect(retried).toMatchObject({ status: "sent", messageId: "wh-1" });
  });

  it("fails, and releases, a contact point whose channel is not wired", async () => {
    const deliveries = createFsDeliveryLog({ dir: join(tmp, "unwired") });
    const outcome = await deliverMessage({ deliveries, clock }, [], message, webhook);
    expect(outcome.error).toBe(
      'no "webhook" channel for contact point ops-room: wire its adapter in the runtime',
    );
    expect(await deliveries.get(outcome.key)).toBeUndefined();
  });
});

describe("contactPointsOf", () => {
  it("reaches on-call and each owner team by their recipients.yaml lists", () => {
    const config = {
      onCall: { locale: "en" as const, to: ["oncall@example.com"] },
      owners: { data_operations: { locale: "zh-CN" as const, to: ["data-ops@example.com"] } },
    };
    expect(contactPointsOf(ON_CALL, config)).toEqual([
      { channel: "email", name: "email", locale: "en", to: ["oncall@example.com"] },
    ]);
    expect(
      contactPointsOf(
        { kind: "owner", id: "owner:data_operations", owner: "data_operations" },
        config,
      ),
    ).toEqual([{ channel: "email", name: "email", locale: "zh-CN", to: ["data-ops@example.com"] }]);
    expect(
      contactPointsOf(
        { kind: "owner", id: "owner:user_operations", owner: "user_operations" },
        config,
      ),
    ).toEqual([]);
  });
});
