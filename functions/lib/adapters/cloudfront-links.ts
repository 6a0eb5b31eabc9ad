/**
 * Dashboard links that last as long as the configured days: CloudFront signed URLs (canned
 * policy, RSA-SHA1, the key pair's public key in the distribution's key group) instead of S3
 * pre-signed URLs, which die with the Lambda role's session after a few hours. The private
 * key lives in Secrets Manager; the distribution reads the private bucket through origin
 * access control (infra/constructs/dashboard-distribution.ts).
 *
 * {@link withCloudFrontLinks} keeps the store's writes and replaces its links.
 */
import { createSign } from "node:crypto";
import type { ArtifactStore } from "../ports.ts";

/** Where the pages are served and how links are signed. */
export interface CloudFrontLinkOptions {
  /** The distribution's domain, e.g. `d111111abcdef8.cloudfront.net`. */
  readonly domain: string;
  /** The path the store's keys are served under, e.g. `dashboard/`. */
  readonly pathPrefix: string;
  /** The id of the key group's public key. */
  readonly keyPairId: string;
  /** The PEM private key (read from Secrets Manager on first use). */
  readonly privateKey: () => Promise<string>;
  /** Now, for the expiry. */
  readonly now: () => Date;
}

/** The link could not be signed; the message says what is wrong. */
export class CloudFrontLinkError extends Error {
  override name = "CloudFrontLinkError";
}

/** `store` with its links replaced by CloudFront signed URLs valid for the asked seconds. */
export function withCloudFrontLinks(
  store: ArtifactStore,
  options: CloudFrontLinkOptions,
): ArtifactStore {
  let key: Promise<string> | undefined;
  const prefix = options.pathPrefix.replace(/^\/+/, "");
  return {
    put: (objectKey, body, contentType) => store.put(objectKey, body, contentType),
    async link(objectKey, expiresInSeconds) {
      key ??= options.privateKey().catch((error: unknown) => {
        key = undefined;
        throw error;
      });
      const path = `${prefix}${objectKey}`.split("/").map(encodeURIComponent).join("/");
      const expires = Math.floor(options.now().getTime() / 1000) + Math.ceil(expiresInSeconds);
      return signedUrl(`https://${options.domain}/${path}`, expires, options.keyPairId, await key);
    },
  };
}

/** A CloudFront signed URL of `url` with a canned policy expiring at `expires` (epoch s). */
export function signedUrl(url: string, expires: number, keyPairId: string, pem: string): string {
  const policy = JSON.stringify({
    Statement: [{ Resource: url, Condition: { DateLessThan: { "AWS:EpochTime": expires } } }],
  });
  let signature: string;
  try {
    signature = createSign("RSA-SHA1").update(policy).sign(pem, "base64");
  } catch (error) {
    throw new CloudFrontLinkError(
      `The dashboard's signing key cannot sign (${(error as Error).message}): store the PEM private key of the distribution's key pair in the secret.`,
      { cause: error },
    );
  }
  // CloudFront's URL-safe base64.
  const safe = signature.replaceAll("+", "-").replaceAll("=", "_").replaceAll("/", "~");
  return `${url}?Expires=${expires}&Signature=${safe}&Key-Pair-Id=${encodeURIComponent(keyPairId)}`;
}
