/**
 * The S3 `ArtifactStore`: published files (the dashboard) as objects under a prefix of the
 * snapshots bucket, which blocks public access. People open them through pre-signed GET
 * URLs, which expire; nothing is ever made public.
 *
 * A URL signed with a Lambda role's temporary credentials stops working when those expire
 * (hours), whatever its own expiry says: the email's link is for the morning it arrives.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { ArtifactStore } from "../ports.ts";
import { errorMessage, errorName } from "./aws-errors.ts";

/** Where the artifacts go. */
export interface S3ArtifactStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix, e.g. `dashboard/` (default: the bucket root). */
  readonly prefix?: string;
}

/** An artifact could not be written; the message names the object. */
export class S3ArtifactError extends Error {
  override name = "S3ArtifactError";
}

/** SigV4 pre-signed URLs live at most 7 days. */
export const MAX_LINK_SECONDS = 7 * 24 * 3600;

/** Artifacts as private S3 objects with pre-signed links. */
export function createS3ArtifactStore(options: S3ArtifactStoreOptions): ArtifactStore {
  const { client, bucket } = options;
  const prefix = normalizePrefix(options.prefix ?? "");
  return {
    async put(key, body, contentType) {
      const objectKey = `${prefix}${key}`;
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: objectKey,
            Body: typeof body === "string" ? Buffer.from(body, "utf8") : body,
            ContentType: contentType,
            // A page regenerated after each run: a browser must not show yesterday's.
            CacheControl: "no-cache",
          }),
        );
      } catch (error) {
        throw new S3ArtifactError(
          `S3 PutObject s3://${bucket}/${objectKey} failed: ${errorName(error)}: ${errorMessage(error)}. Check that the role may write this prefix.`,
          { cause: error },
        );
      }
      return { location: `s3://${bucket}/${objectKey}` };
    },
    async link(key, expiresInSeconds) {
      // Loaded when a link is asked for: a run that links nothing does not need it.
      const { getSignedUrl } = await import("@aws-sdk/s3-request-presigner");
      return getSignedUrl(
        client,
        new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${key}` }),
        {
          expiresIn: Math.max(1, Math.min(MAX_LINK_SECONDS, Math.round(expiresInSeconds))),
        },
      );
    },
  };
}

function normalizePrefix(prefix: string): string {
  if (prefix === "" || prefix === "/") return "";
  const trimmed = prefix.replace(/^\/+/, "");
  return trimmed.endsWith("/") ? trimmed : `${trimmed}/`;
}
