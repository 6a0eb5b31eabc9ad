/**
 * The newest file arrival of a raw table's partitions ({@link LakeArrivals}): a file's
 * modification time in the local lake, an object's `LastModified` on S3. A pulse measures
 * "minutes since the newest file arrived" with it, beside the newest record's own time:
 * ingestion that stops while events keep their times shows here, live only (a replay
 * cannot know when files arrived, so it judges by event time).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { LakeArrivals } from "../pulse/compute.ts";

/** Arrivals in a local lake folder (`<lake>/<table>/dt=<date>/…`). */
export function createFsLakeArrivals(options: { readonly lakeDir: string }): LakeArrivals {
  return {
    async newestArrival(table, dts, atOrBefore) {
      let newest: Date | null = null;
      for (const dt of dts) {
        const dir = join(options.lakeDir, table, `dt=${dt}`);
        if (!existsSync(dir)) continue;
        for (const name of readdirSync(dir)) {
          if (name.startsWith("_") || name.startsWith(".")) continue;
          const modified = statSync(join(dir, name)).mtime;
          if (modified <= atOrBefore && (!newest || modified > newest)) newest = modified;
        }
      }
      return newest;
    },
  };
}

/** Arrivals under `s3://bucket/<prefix><table>/dt=<date>/`. */
export function createS3LakeArrivals(options: {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix?: string;
}): LakeArrivals {
  return {
    async newestArrival(table, dts, atOrBefore) {
      let newest: Date | null = null;
      for (const dt of dts) {
        let token: string | undefined;
        do {
          const page = await options.client.send(
            new ListObjectsV2Command({
              Bucket: options.bucket,
              Prefix: `${options.prefix ?? ""}${table}/dt=${dt}/`,
              ...(token ? { ContinuationToken: token } : {}),
            }),
          );
          for (const object of page.Contents ?? []) {
            const modified = object.LastModified;
            if (modified && modified <= atOrBefore && (!newest || modified > newest)) {
              newest = modified;
            }
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      }
      return newest;
    },
  };
}
