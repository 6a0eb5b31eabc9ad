/**
 * Chat and incident contact points of `config/recipients.yaml`: a WeCom, DingTalk or
 * Feishu/Lark group robot, a Slack incoming webhook, or a generic JSON webhook (an incident
 * tool). A webhook URL carries its token, so the config holds a *reference* to it (and to the
 * robot's signing secret), never the URL itself:
 *
 * | reference                         | read from                                        |
 * |-----------------------------------|--------------------------------------------------|
 * | `env:OPSPULSE_WECOM_URL`          | an environment variable (local runs, tests)      |
 * | `ssm:/opspulse/wecom/url`         | an SSM Parameter Store parameter (SecureString)  |
 * | `secretsmanager:opspulse/wecom`   | a Secrets Manager secret (its string value)      |
 *
 * An audience (a report's recipient list, on-call) names the contact points it also gets,
 * next to its email addresses: `chat: [oncall-dingtalk]`.
 */
import * as z from "zod";

/** The platforms a contact point can post to. */
export const CONTACT_POINT_TYPES = ["wecom", "dingtalk", "feishu", "slack", "webhook"] as const;
export type ContactPointType = (typeof CONTACT_POINT_TYPES)[number];

/** Platforms whose robots sign each request with a secret (HMAC-SHA256 over a timestamp). */
export const SIGNING_TYPES: readonly ContactPointType[] = ["dingtalk", "feishu"];

/** Where a referenced value lives. */
export type SecretReference =
  | { readonly source: "env"; readonly name: string; readonly text: string }
  | { readonly source: "ssm"; readonly name: string; readonly text: string }
  | { readonly source: "secretsmanager"; readonly name: string; readonly text: string };

const REFERENCE_FORMS =
  'expected a reference such as "env:OPSPULSE_WECOM_URL", "ssm:/opspulse/wecom/url" or "secretsmanager:opspulse/wecom"';

/** Environment variable names: letters, digits and `_`, not starting with a digit. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** SSM parameter names: `a-zA-Z0-9_.-` and `/` for the hierarchy (AWS's documented set). */
const SSM_NAME = /^\/?[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
/** Secrets Manager names: `a-zA-Z0-9/_+=.@-` (AWS's documented set). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]+$/;

/**
 * Parses `env:NAME`, `ssm:NAME` or `secretsmanager:NAME`; returns the problem as a sentence
 * when `text` is not one (a URL written in place of its reference is named as such).
 */
export function parseSecretReference(text: string): SecretReference | string {
  const trimmed = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    return `expected a reference, not the URL itself: a webhook URL carries its token, so put it in an environment variable (locally) or SSM / Secrets Manager (AWS) and write e.g. "env:OPSPULSE_WECOM_URL"`;
  }
  const match = /^(env|ssm|secretsmanager):(.*)$/.exec(trimmed);
  if (!match) return REFERENCE_FORMS;
  const source = match[1] as SecretReference["source"];
  const name = match[2] ?? "";
  const pattern = source === "env" ? ENV_NAME : source === "ssm" ? SSM_NAME : SECRET_NAME;
  if (!pattern.test(name)) {
    const what =
      source === "env"
        ? "an environment variable name such as OPSPULSE_WECOM_URL"
        : source === "ssm"
          ? "an SSM parameter name such as /opspulse/wecom/url"
          : "a Secrets Manager secret name such as opspulse/wecom";
    return `expected ${what} after "${source}:", got "${name}"`;
  }
  return { source, name, text: trimmed };
}

const secretReference = z
  .string({
    error: (issue) =>
      issue.input === undefined ? `${REFERENCE_FORMS}, but it is missing` : REFERENCE_FORMS,
  })
  .transform((text, context) => {
    const parsed = parseSecretReference(text);
    if (typeof parsed === "string") {
      context.addIssue({ code: "custom", message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

const name = z
  .string({ error: "expected a name of lowercase letters, digits and dashes" })
  .regex(/^[a-z0-9][a-z0-9-]*$/, "expected a name of lowercase letters, digits and dashes");

/** One contact point. `secret` is the robot's signing secret (DingTalk and Feishu only). */
export const contactPointSchema = z
  .object({
    /** Named by audiences (`chat: [name]`), and part of the delivery key. */
    name,
    type: z.enum(CONTACT_POINT_TYPES, {
      error: `expected a contact point type: one of ${CONTACT_POINT_TYPES.join(", ")}`,
    }),
    /** Reference to the webhook URL (with its token). */
    url: secretReference,
    /** Reference to the signing secret, for a robot with signing ("加签") turned on. */
    secret: secretReference.optional(),
  })
  .strict()
  .superRefine((point, context) => {
    if (point.secret && !SIGNING_TYPES.includes(point.type)) {
      context.addIssue({
        code: "custom",
        path: ["secret"],
        message: `expected no secret: ${point.type} webhooks are not signed (only ${SIGNING_TYPES.join(" and ")} robots are)`,
      });
    }
  });

export type ContactPointConfig = z.output<typeof contactPointSchema>;

/** The `contact_points` list: names unique. */
export const contactPointsSchema = z
  .array(contactPointSchema)
  .default([])
  .superRefine(
    (points, context) => {
      const seen = new Set<string>();
      points.forEach((point, index) => {
        const pointName: unknown = (point as { name?: unknown } | null)?.name;
        if (typeof pointName !== "string") return;
        if (seen.has(pointName)) {
          context.addIssue({
            code: "custom",
            path: [index, "name"],
            message: `expected a unique contact point name, "${pointName}" appears twice`,
          });
        }
        seen.add(pointName);
      });
    },
    { when: (payload) => Array.isArray(payload.value) },
  );

/** Runs {@link checkChatNames} also when the file has other problems (all are reported). */
export const CHECK_CHAT_NAMES_ALWAYS = {
  when: (payload: { readonly value: unknown }) =>
    typeof payload.value === "object" && payload.value !== null,
};

/** An audience's `chat:` list: contact point names (checked against `contact_points`). */
export const chatListSchema = z.array(name).min(1, "expected at least one contact point name");

/**
 * Checks that every `chat:` list of the recipients file (any audience, however deeply
 * nested) names a contact point of `contact_points`.
 */
export function checkChatNames(file: unknown, context: z.RefinementCtx): void {
  const points = (file as { contact_points?: unknown } | null)?.contact_points;
  const known = new Set(
    (Array.isArray(points) ? points : [])
      .map((point) => (point as { name?: unknown } | null)?.name)
      .filter((pointName): pointName is string => typeof pointName === "string"),
  );
  const visit = (value: unknown, path: (string | number)[]): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        visit(item, [...path, index]);
      });
      return;
    }
    if (typeof value !== "object" || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (key === "contact_points") continue;
      if (key === "chat" && Array.isArray(child)) {
        child.forEach((entry, index) => {
          if (typeof entry === "string" && !known.has(entry)) {
            context.addIssue({
              code: "custom",
              path: [...path, key, index],
              message: `unknown contact point "${entry}": name one of contact_points (${[...known].join(", ") || "none defined"})`,
            });
          }
        });
        continue;
      }
      visit(child, [...path, key]);
    }
  };
  visit(file, []);
}

/** The delivery key of a message (`messageKey`) at one contact point. */
export function chatKey(messageKey: string, contactPoint: string): string {
  return `${messageKey}:chat:${contactPoint}`;
}
