/**
 * The S3 {@link PulseStore}: `<prefix>pulses/<day>.jsonl` in the state bucket. S3 has no
 * append, so a pulse reads the day's object and writes it back with one more line under
 * `If-Match` (`If-None-Match: *` for the day's first), again on a 412: two pulses at once
 * both land, neither overwrites the other.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { fromJsonLines, type PulseStore, pulseDayKey, toJsonLines } from "../pulse/store.ts";

export interface S3PulseStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix?: string;
  /** Attempts against concurrent writers (default 10). */
  readonly attempts?: number;
}

export function createS3PulseStore(options: S3PulseStoreOptions): PulseStore {
  const { client, bucket } = options;
  const keyOf = (day: string) => `${options.prefix ?? ""}${pulseDayKey(day)}`;
  const read = async (key: string) => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { text: (await out.Body?.transformToString("utf-8")) ?? "", etag: out.ETag };
    } catch (error) {
      if ((error as { name?: string }).name === "NoSuchKey") return { text: "", etag: undefined };
      throw error;
    }
  };
  return {
    async append(record) {
      const key = keyOf(record.today);
      const attempts = options.attempts ?? 10;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        const current = await read(key);
        try {
          await client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: current.text + toJsonLines([record]),
              ContentType: "application/x-ndjson",
              ...(current.etag ? { IfMatch: current.etag } : { IfNoneMatch: "*" }),
            }),
          );
          return;
        } catch (error) {
          const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
            ?.httpStatusCode;
          if (status !== 412 && status !== 409) throw error;
        }
      }
      throw new Error(
        `s3://${bucket}/${key} changed under this pulse ${attempts} times in a row: too many pulses at once; the next pulse stores its own result`,
      );
    },
    async day(localDate) {
      return fromJsonLines((await read(keyOf(localDate))).text);
    },
  };
}
