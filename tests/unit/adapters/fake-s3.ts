/**
 * A stateful stand-in for S3, behind aws-sdk-client-mock: one in-memory bucket that honours
 * conditional writes the way S3 does (If-None-Match: * → 412 when the key exists; If-Match
 * → 412 when the ETag changed, 404 when the object is gone), lists keys in byte order with
 * StartAfter and continuation tokens (with each object's size and ETag), copies objects and
 * deletes them in batches, and answers each call after a turn of the event loop
 * so that concurrent callers interleave. Each check-and-write happens within one turn,
 * which is the atomicity S3 guarantees for a conditional write.
 */
import { createHash } from "node:crypto";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

export interface FakeBucket {
  readonly client: S3Client;
  readonly objects: Map<string, { body: string; etag: string }>;
  readonly mock: ReturnType<typeof mockClient>;
  /** Keys under a prefix, sorted. */
  keys(prefix?: string): string[];
}

export function s3Error(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    message,
  });
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A fresh bucket; `pageSize` keeps listings short so that pagination is exercised. With
 * `everyClient`, every S3Client (also those the code under test creates) talks to it.
 */
export function fakeBucket(options: { pageSize?: number; everyClient?: boolean } = {}): FakeBucket {
  const pageSize = options.pageSize ?? 1000;
  const client = new S3Client({ region: "eu-west-1" });
  const mock = options.everyClient ? mockClient(S3Client) : mockClient(client);
  const objects = new Map<string, { body: string; etag: string }>();
  let version = 0;

  mock.on(PutObjectCommand).callsFake(async (input) => {
    await turn();
    const key = String(input.Key);
    const current = objects.get(key);
    if (input.IfNoneMatch === "*" && current) {
      throw s3Error(
        "PreconditionFailed",
        412,
        "At least one of the pre-conditions you specified did not hold",
      );
    }
    if (input.IfMatch !== undefined) {
      if (!current) throw s3Error("NoSuchKey", 404, "The specified key does not exist.");
      if (current.etag !== input.IfMatch) {
        throw s3Error(
          "PreconditionFailed",
          412,
          "At least one of the pre-conditions you specified did not hold",
        );
      }
    }
    const body = String(input.Body);
    version++;
    const etag = `"${createHash("md5").update(`${version}:${body}`).digest("hex")}"`;
    objects.set(key, { body, etag });
    return { ETag: etag };
  });
  mock.on(GetObjectCommand).callsFake(async (input) => {
    await turn();
    const object = objects.get(String(input.Key));
    if (!object) throw s3Error("NoSuchKey", 404, "The specified key does not exist.");
    return {
      ETag: object.etag,
      Body: { transformToString: async () => object.body },
    };
  });
  mock.on(DeleteObjectCommand).callsFake(async (input) => {
    await turn();
    objects.delete(String(input.Key));
    return {};
  });
  mock.on(DeleteObjectsCommand).callsFake(async (input) => {
    await turn();
    for (const { Key } of input.Delete?.Objects ?? []) objects.delete(String(Key));
    return {};
  });
  mock.on(CopyObjectCommand).callsFake(async (input) => {
    await turn();
    // CopySource is "<bucket>/<key>", URL-encoded; this fake holds one bucket.
    const source = decodeURI(String(input.CopySource)).replace(/^[^/]+\//, "");
    const object = objects.get(source);
    if (!object) throw s3Error("NoSuchKey", 404, "The specified key does not exist.");
    objects.set(String(input.Key), { ...object });
    return { CopyObjectResult: { ETag: object.etag } };
  });
  mock.on(ListObjectsV2Command).callsFake(async (input) => {
    await turn();
    const prefix = input.Prefix ?? "";
    const after = input.ContinuationToken ?? input.StartAfter ?? "";
    const matching = sortedKeys(objects, prefix).filter((key) => key > after);
    const page = matching.slice(0, pageSize);
    const truncated = matching.length > page.length;
    return {
      Contents: page.map((Key) => ({
        Key,
        Size: Buffer.byteLength(objects.get(Key)?.body ?? ""),
        ETag: objects.get(Key)?.etag,
      })),
      IsTruncated: truncated,
      ...(truncated ? { NextContinuationToken: page.at(-1) } : {}),
    };
  });

  return { client, objects, mock, keys: (prefix = "") => sortedKeys(objects, prefix) };
}

function sortedKeys(objects: Map<string, unknown>, prefix: string): string[] {
  // S3 lists in UTF-8 byte order; for the ASCII keys of these tests that is code-unit order.
  return [...objects.keys()].filter((key) => key.startsWith(prefix)).sort();
}
