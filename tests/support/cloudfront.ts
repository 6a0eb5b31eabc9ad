/**
 * Checks a CloudFront signed URL as CloudFront does: the canned policy of its resource and
 * `Expires`, verified against the key group's public key (CloudFront's URL-safe base64).
 */
import { createVerify, type KeyObject } from "node:crypto";

export function cloudFrontSignatureValid(link: URL, publicKey: KeyObject): boolean {
  const policy = JSON.stringify({
    Statement: [
      {
        Resource: `${link.origin}${link.pathname}`,
        Condition: { DateLessThan: { "AWS:EpochTime": Number(link.searchParams.get("Expires")) } },
      },
    ],
  });
  const signature = (link.searchParams.get("Signature") ?? "")
    .replaceAll("-", "+")
    .replaceAll("_", "=")
    .replaceAll("~", "/");
  return createVerify("RSA-SHA1").update(policy).verify(publicKey, signature, "base64");
}
