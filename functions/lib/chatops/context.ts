/**
 * What travels with a report the chat asked for: where to reply, who asked, in which
 * language, preview or send. The inbound Lambda puts it in the ad-hoc payload (`chat`), the
 * ad-hoc Lambda ignores it, and its asynchronous invocation's destination (the reply
 * function) reads it back with the result.
 */
import * as z from "zod";

const https = z.url({ protocol: /^https$/ });

export const replyTargetSchema = z.discriminatedUnion("platform", [
  z.strictObject({ platform: z.literal("slack"), responseUrl: https }),
  z.strictObject({ platform: z.literal("dingtalk"), sessionWebhook: https }),
  z.strictObject({ platform: z.literal("feishu"), messageId: z.string().min(1) }),
  z.strictObject({
    platform: z.literal("wecom"),
    user: z.string().min(1),
    agentId: z.string().min(1),
  }),
]);

export const chatContextSchema = z.strictObject({
  reply: replyTargetSchema,
  /** `<platform>:<user id>`. */
  asker: z.string().min(1),
  locale: z.enum(["en", "zh-CN"]),
  send: z.boolean(),
  /** The platform's event id (the run log joins the ask and the answer on it). */
  eventId: z.string().min(1),
});

export type ChatContext = z.output<typeof chatContextSchema>;
