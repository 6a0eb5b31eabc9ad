import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  createOutboxMailer,
  OutboxConflictError,
} from "../../../functions/lib/adapters/outbox-mailer.ts";
import type { OutgoingEmail } from "../../../functions/lib/ports.ts";
import { leaves, parseEml } from "../report/eml.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const clock = { now: () => new Date("2026-03-02T00:01:00Z") };
const email: OutgoingEmail = {
  idempotencyKey: "report:daily:2026-03-01:managers-zh",
  listName: "managers-zh",
  from: "OpsPulse Reports <reports@example.com>",
  to: ["a@example.com", "b@example.com"],
  subject: "[OpsPulse] 每日 KPI 报告 · 2 项未达标",
  html: "<!doctype html><html><body><p>日活跃用户 1,234 &amp; more</p></body></html>",
  text: "日活跃用户 1,234 & more",
};

describe("outbox mailer", () => {
  it("writes <runId>/<list>.eml (multipart/alternative, text + HTML) and .html", async () => {
    const dir = join(root, "outbox");
    const mailer = createOutboxMailer({ dir, clock });
    const sent = await mailer.send(email, { runId: "20260302T000100Z-daily-abc" });

    expect(sent.location).toBe(join(dir, "20260302T000100Z-daily-abc", "managers-zh.eml"));
    expect(readdirSync(join(dir, "20260302T000100Z-daily-abc")).sort()).toEqual([
      "managers-zh.eml",
      "managers-zh.html",
    ]);
    expect(readFileSync(join(dir, "20260302T000100Z-daily-abc", "managers-zh.html"), "utf8")).toBe(
      email.html,
    );

    const message = parseEml(readFileSync(sent.location, "utf8"));
    expect(message.contentType).toBe("multipart/alternative");
    expect(message.headers.subject).toBe(email.subject);
    expect(message.headers.to).toBe("a@example.com, b@example.com");
    expect(message.headers["message-id"]).toBe(sent.messageId);
    expect(message.headers["x-opspulse-idempotency-key"]).toBe(email.idempotencyKey);
    expect(message.headers.date).toBe("Mon, 02 Mar 2026 00:01:00 +0000");
    const parts = leaves(message);
    expect(parts.map((p) => p.contentType)).toEqual(["text/plain", "text/html"]);
    expect(parts[0]?.body.trim()).toBe(email.text);
    expect(parts[1]?.body.trim()).toBe(email.html);
    // Derived from the delivery's key alone: a delivery sent again keeps its Message-ID.
    expect(sent.messageId).toMatch(/^<opspulse\.[0-9a-f]{32}@example\.com>$/);
    const again = await createOutboxMailer({ dir: join(root, "other-run"), clock }).send(email, {
      runId: "another-run",
    });
    expect(again.messageId).toBe(sent.messageId);
    expect(
      (
        await mailer.send(
          { ...email, idempotencyKey: `${email.idempotencyKey}:rev2` },
          {
            runId: "correction",
          },
        )
      ).messageId,
    ).not.toBe(sent.messageId);
  });

  it("never overwrites an email of the same run and list", async () => {
    const mailer = createOutboxMailer({ dir: join(root, "again"), clock });
    await mailer.send(email, { runId: "run-1" });
    const before = readFileSync(mailer.pathOf("run-1", "managers-zh"), "utf8");
    await expect(mailer.send({ ...email, text: "changed" }, { runId: "run-1" })).rejects.toThrow(
      OutboxConflictError,
    );
    expect(readFileSync(mailer.pathOf("run-1", "managers-zh"), "utf8")).toBe(before);
  });

  it("keeps run ids and list names inside the outbox folder", async () => {
    const dir = join(root, "safe");
    const mailer = createOutboxMailer({ dir, clock });
    const sent = await mailer.send({ ...email, listName: "../../evil" }, { runId: "../up" });
    expect(sent.location.startsWith(dir)).toBe(true);
    expect(readdirSync(dir)).toEqual(["__up"]);
  });
});
