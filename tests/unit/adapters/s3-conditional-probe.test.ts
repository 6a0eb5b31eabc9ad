/**
 * The cold-start check that the runtime's S3 client sends conditional-write headers: it
 * passes with the SDK the code is tested with, and fails, naming the header, with a client
 * that drops them the way one from before S3's conditional writes would (its serializer
 * knows no IfNoneMatch / IfMatch member).
 */
import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import {
  assertConditionalWrites,
  ConditionalWritesUnsupportedError,
  type ProbeHandler,
} from "../../../functions/lib/adapters/s3-conditional-probe.ts";

/** A client whose serialized request loses `header`, as an older SDK's would. */
function clientDropping(...dropped: string[]) {
  return (requestHandler: ProbeHandler) => {
    const client = new S3Client({
      region: "us-east-1",
      credentials: { accessKeyId: "probe", secretAccessKey: "probe" },
      requestHandler: requestHandler as unknown as S3Client["config"]["requestHandler"],
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        for (const name of dropped) delete request.headers[name];
        return next(args);
      },
      { step: "build", name: "olderSerializer" },
    );
    return client;
  };
}

describe("assertConditionalWrites", () => {
  it("passes with the SDK the code is tested with, without any network call", async () => {
    await expect(assertConditionalWrites()).resolves.toBeUndefined();
  });

  it("fails naming the header an older client drops", async () => {
    const failure = await assertConditionalWrites(clientDropping("if-none-match")).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConditionalWritesUnsupportedError);
    expect(String(failure)).toMatch(
      /drops the If-None-Match header of PutObject, so delivery claims and the alert state would be written unconditionally/,
    );
    await expect(
      assertConditionalWrites(clientDropping("if-none-match", "if-match")),
    ).rejects.toThrow(/drops the If-None-Match and If-Match headers/);
  });
});
