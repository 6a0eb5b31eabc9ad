import { SESv2Client } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { awsAdapterFactories } from "../../../functions/lib/runtime/aws-adapters.ts";
import type { AdapterFactories } from "../../../functions/lib/runtime/deps.ts";

type SesFactory = NonNullable<AdapterFactories["mailer"]["ses"]>;

describe("awsAdapterFactories: SES", () => {
  it("makes one attempt per SDK call, so that a 5xx after SES accepted a message cannot send it twice", async () => {
    const built: unknown[] = [];
    const ses = awsAdapterFactories().mailer.ses as SesFactory;
    ses(
      { tags: {} } as Parameters<SesFactory>[0],
      {
        clock: { now: () => new Date() },
        instrument: <T>(client: T) => {
          built.push(client);
          return client;
        },
      } as unknown as Parameters<SesFactory>[1],
    );
    const client = built.find((c) => c instanceof SESv2Client) as SESv2Client;
    expect(client).toBeDefined();
    expect(await client.config.maxAttempts()).toBe(1);
  });
});
