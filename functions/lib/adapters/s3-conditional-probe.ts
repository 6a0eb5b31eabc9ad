/**
 * Whether the S3 client this process runs with sends S3's conditional-write headers.
 *
 * The Lambda bundles leave the `@aws-sdk/client-*` packages to the runtime (bundling them
 * would take each handler from 1.49 MiB to 1.95 MiB, past the 1.5 MiB bundle goal). A
 * client from before S3's conditional writes (2024) does not know `IfNoneMatch` / `IfMatch`
 * and drops them without a word: every delivery claim would then "win" and the alert
 * state's compare-and-swap would overwrite. So the handlers check, once per container and
 * before anything runs, that a PutObject built by this very client carries both headers.
 * The request never leaves the process: a request handler catches it and answers nothing.
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

/** The S3 client of this runtime would send unconditional writes; nothing was run. */
export class ConditionalWritesUnsupportedError extends Error {
  override name = "ConditionalWritesUnsupportedError";
}

/** Thrown by the probe's request handler to stop the request before any network I/O. */
class Captured extends Error {}

/**
 * Builds a PutObject with `IfNoneMatch: "*"` and one with `IfMatch` through a client made by
 * `makeClient` (given a request handler that captures the request), and throws a
 * {@link ConditionalWritesUnsupportedError} naming the missing header if either is absent.
 */
export async function assertConditionalWrites(
  makeClient: (requestHandler: ProbeHandler) => S3Client = probeClient,
): Promise<void> {
  const missing: string[] = [];
  for (const [header, input] of [
    ["If-None-Match", { IfNoneMatch: "*" }],
    ["If-Match", { IfMatch: '"0123456789abcdef"' }],
  ] as const) {
    let headers: Record<string, string> = {};
    const client = makeClient({
      handle: async (request: { headers: Record<string, string> }) => {
        headers = request.headers;
        throw new Captured();
      },
    });
    try {
      // The client's own middleware (what `send` runs), called directly: a stubbed `send`
      // (tests mock S3Client's) must not hide what the serializer does.
      const command = new PutObjectCommand({ Bucket: "probe", Key: "probe", Body: "", ...input });
      const handler = command.resolveMiddleware(client.middlewareStack, client.config, {});
      await handler(command as unknown as Parameters<typeof handler>[0]);
    } catch (error) {
      if (!(error instanceof Captured)) throw error;
    } finally {
      client.destroy();
    }
    const sent = Object.entries(headers).find(
      ([name]) => name.toLowerCase() === header.toLowerCase(),
    );
    if (!sent) missing.push(header);
  }
  if (missing.length > 0) {
    throw new ConditionalWritesUnsupportedError(
      `The AWS SDK S3 client of this runtime drops the ${missing.join(" and ")} header${missing.length > 1 ? "s" : ""} of PutObject, so delivery claims and the alert state would be written unconditionally (emails could go out twice): deploy with a runtime whose @aws-sdk/client-s3 supports S3 conditional writes (2024 or later), or bundle @aws-sdk/client-s3. Nothing was run.`,
    );
  }
}

/** What the probe gives a client as its request handler. */
export interface ProbeHandler {
  handle(request: { headers: Record<string, string> }): Promise<never>;
}

function probeClient(requestHandler: ProbeHandler): S3Client {
  return new S3Client({
    region: "us-east-1",
    credentials: { accessKeyId: "probe", secretAccessKey: "probe" },
    requestHandler: requestHandler as unknown as S3Client["config"]["requestHandler"],
    maxAttempts: 1,
  });
}
