/**
 * The leaf parts of a MIME message with their bodies as bytes (base64 decoded), for checking
 * the inline images and attachments of a report email byte for byte.
 */
export interface RawPart {
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string;
  readonly bytes: Buffer;
}

export function rawParts(raw: string): RawPart[] {
  const text = raw.replaceAll("\r\n", "\n");
  const split = text.indexOf("\n\n");
  const headers: Record<string, string> = {};
  for (const line of text
    .slice(0, split)
    .replace(/\n[ \t]+/g, " ")
    .split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = text.slice(split + 2);
  const type = headers["content-type"] ?? "text/plain";
  const contentType = (type.split(";")[0] ?? "").trim().toLowerCase();
  if (contentType.startsWith("multipart/")) {
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1] ?? "";
    return body
      .split(`--${boundary}`)
      .slice(1)
      .filter((section) => !section.startsWith("--"))
      .flatMap((section) => rawParts(section.replace(/^\n/, "")));
  }
  const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  const bytes =
    encoding === "base64"
      ? Buffer.from(body.replace(/\s+/g, ""), "base64")
      : encoding === "quoted-printable"
        ? quotedPrintable(body)
        : Buffer.from(body);
  return [{ headers, contentType, bytes }];
}

function quotedPrintable(body: string): Buffer {
  const joined = body.replace(/=\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === "=" && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i] ?? ""));
  }
  return Buffer.from(bytes);
}
