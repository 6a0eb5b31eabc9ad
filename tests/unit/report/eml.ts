/**
 * A small reader of the `.eml` files the outbox writes, for tests: headers (RFC 2047
 * words decoded), MIME structure, and decoded bodies (quoted-printable, base64). Written
 * here rather than taken from a parser library so that the test checks the bytes on disk
 * without trusting the same library that wrote them.
 */
export interface MimePart {
  readonly headers: Readonly<Record<string, string>>;
  /** `type/subtype`, lower case. */
  readonly contentType: string;
  readonly body: string;
  readonly parts: readonly MimePart[];
}

export function parseEml(raw: string): MimePart {
  const text = raw.replaceAll("\r\n", "\n");
  const split = text.indexOf("\n\n");
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? "" : text.slice(split + 2);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(
        line.slice(colon + 1).trim(),
      );
  }
  const contentTypeHeader = headers["content-type"] ?? "text/plain";
  const contentType = (contentTypeHeader.split(";")[0] ?? "").trim().toLowerCase();
  if (contentType.startsWith("multipart/")) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentTypeHeader)?.[1];
    if (!boundary) throw new Error(`multipart without boundary: ${contentTypeHeader}`);
    const sections = body.split(`--${boundary}`);
    const parts = sections
      .slice(1)
      .filter((section) => !section.startsWith("--"))
      .map((section) => parseEml(section.replace(/^\n/, "")));
    return { headers, contentType, body: "", parts };
  }
  const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  return { headers, contentType, body: decodeBody(body, encoding), parts: [] };
}

/** Every leaf part, depth first. */
export function leaves(part: MimePart): MimePart[] {
  return part.parts.length === 0 ? [part] : part.parts.flatMap(leaves);
}

function decodeBody(body: string, encoding: string): string {
  if (encoding === "base64")
    return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") return decodeQuotedPrintable(body);
  return body;
}

function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const char = joined[i] ?? "";
    if (char === "=" && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(char, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`). */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(
      /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g,
      (_, _charset: string, kind: string, data: string) =>
        kind.toUpperCase() === "B"
          ? Buffer.from(data, "base64").toString("utf8")
          : decodeQuotedPrintable(data.replaceAll("_", " ")),
    );
}
