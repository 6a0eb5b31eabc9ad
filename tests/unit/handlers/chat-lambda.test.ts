/**
 * Chat in a Lambda: the contact points' URLs and secrets are read from SSM / Secrets Manager
 * once per cold start (not once per invocation), a run posts the summary card to the local
 * platform server, and an `env:` reference stops the cold start naming the contact point.
 * The AWS world is that of the other handler tests (Athena answering from DuckDB, a fake S3
 * bucket, aws-ses-v2-local).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type AdhocResult, createAdhocRunHandler } from "../../../functions/adhoc-run/index.ts";
import type { SecretReference } from "../../../functions/lib/chat/config.ts";
import type { SecretSource } from "../../../functions/lib/chat/secrets.ts";
import { lazyLambdaDeps } from "../../../functions/lib/runtime/lambda.ts";
import { createObservability } from "../../../functions/lib/runtime/observability.ts";
import { lazyPulseDeps } from "../../../functions/lib/runtime/pulse-lambda.ts";
import { type ChatServer, startChatServer } from "../../support/chat-server.ts";
import { type AwsWorld, createAwsWorld, lambdaContext } from "./aws-world.ts";

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

let world: AwsWorld;
let server: ChatServer;
const context = lambdaContext("opspulse-adhoc-run");
const observability = createObservability("opspulse-chat-lambda-test");

beforeAll(async () => {
  world = await createAwsWorld();
  server = await startChatServer({ secrets: { feishu: "feishu-secret" } });
});
afterAll(async () => {
  await server?.close();
  await world?.close();
});

function environment(): Record<string, string> {
  return {
    OPSPULSE_RUNTIME: "aws",
    OPSPULSE_ATHENA_WORKGROUP: "opspulse",
    OPSPULSE_ATHENA_DATABASE: "opspulse_lake",
    OPSPULSE_STATE_BUCKET: "opspulse-state.example.com",
    OPSPULSE_CONFIG_DIR: world.configDir,
    OPSPULSE_TEMPLATES_DIR: world.templatesDir,
  };
}

function writeRecipients(contactPoints: string): void {
  writeFileSync(
    join(world.configDir, "recipients.yaml"),
    [
      "contact_points:",
      contactPoints,
      "reports:",
      "  daily:",
      "    - name: managers",
      "      to: [ops-director@example.com]",
      "      chat: [ops-feishu]",
      // A deployment names a list for every scheduled report (issue 18).
      "  weekly: [{ name: managers, to: [ops-director@example.com] }]",
      "  campaigns: [{ name: campaign-team, to: [campaigns@example.com] }]",
      "on_call:",
      "  to: [oncall@example.com]",
      "",
    ].join("\n"),
  );
}

/** SSM and Secrets Manager as the handler reads them, counting reads. */
function parameterStore(values: Record<string, string>) {
  const reads: string[] = [];
  const source: SecretSource = {
    async read(reference: SecretReference) {
      reads.push(reference.text);
      return values[reference.text];
    },
  };
  return { reads, source };
}

function handler(chatSecrets: SecretSource) {
  const deps = lazyLambdaDeps(environment(), {
    clients: { athena: world.athena, s3: world.bucket.client, ses: world.ses },
    clock: { now: () => new Date() },
    chatSecrets,
  });
  const run = createAdhocRunHandler({ deps, observability });
  return (payload: unknown) => run(payload, context) as Promise<AdhocResult>;
}

describe("chat in a Lambda", () => {
  it("reads the references once per cold start and posts the summary card", async () => {
    writeRecipients(
      "  - { name: ops-feishu, type: feishu, url: 'ssm:/opspulse/feishu/url', secret: 'secretsmanager:opspulse/feishu' }",
    );
    const store = parameterStore({
      "ssm:/opspulse/feishu/url": server.urls().feishu,
      "secretsmanager:opspulse/feishu": "feishu-secret",
    });
    const invoke = handler(store.source);
    const first = await invoke({ report: "daily", date: "2026-03-02" });
    expect(first).toMatchObject({ ok: true, statusCode: 200 });
    await invoke({ report: "daily", date: "2026-03-03" });
    expect(store.reads).toEqual(["ssm:/opspulse/feishu/url", "secretsmanager:opspulse/feishu"]);
    expect(server.received.map((r) => [r.platform, r.behaviour])).toEqual([
      ["feishu", "ok"],
      ["feishu", "ok"],
    ]);
  }, 60_000);

  it("refuses an env: reference at cold start, naming the contact point; nothing runs", async () => {
    writeRecipients("  - { name: ops-feishu, type: feishu, url: 'env:FEISHU_URL' }");
    const invoke = handler(parameterStore({}).source);
    const result = await invoke({ report: "daily", date: "2026-03-04" });
    expect(result).toMatchObject({ ok: false, statusCode: 500, runs: [] });
    expect((result as { error?: string }).error).toMatch(
      /recipients\.yaml: contact point "ops-feishu": URL reference env:FEISHU_URL cannot be read: env: references cannot be read here \(a Lambda reads chat URLs and secrets from SSM Parameter Store or Secrets Manager/,
    );
    expect(world.bucket.keys("snapshots/daily/2026-03-04")).toEqual([]);
  }, 60_000);

  it("gives the pulse Lambda the same contact points: its alerts can reach the chat groups", async () => {
    writeRecipients(
      "  - { name: ops-feishu, type: feishu, url: 'ssm:/opspulse/feishu/url', secret: 'secretsmanager:opspulse/feishu' }",
    );
    const store = parameterStore({
      "ssm:/opspulse/feishu/url": server.urls().feishu,
      "secretsmanager:opspulse/feishu": "feishu-secret",
    });
    const open = lazyPulseDeps(environment(), {
      clients: { athena: world.athena, s3: world.bucket.client, ses: world.ses },
      chatSecrets: store.source,
    });
    const deps = await open();
    // Without the chat channels, a pulse alert to a list with `chat:` fails that delivery.
    expect(deps.channels?.map((channel) => channel.type)).toContain("feishu");
    expect(store.reads).toEqual(["ssm:/opspulse/feishu/url", "secretsmanager:opspulse/feishu"]);
  }, 60_000);
});
