import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, describe, expect, it } from "vitest";
import {
  ArtifactKeyError,
  createFsArtifactStore,
} from "../../../functions/lib/adapters/fs-artifacts.ts";
import {
  createS3ArtifactStore,
  S3ArtifactError,
} from "../../../functions/lib/adapters/s3-artifacts.ts";
import { s3Error } from "./fake-s3.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("createFsArtifactStore", () => {
  const store = createFsArtifactStore({ dir: join(root, "dashboard") });

  it("writes files under its folder, replacing them whole, and links them as file: URLs", async () => {
    const first = await store.put("pages/run-1.html", "<p>one</p>", "text/html");
    await store.put("pages/run-1.html", new TextEncoder().encode("<p>two</p>"), "text/html");
    expect(first.location).toBe(join(root, "dashboard", "pages", "run-1.html"));
    expect(readFileSync(first.location, "utf8")).toBe("<p>two</p>");
    const link = await store.link("pages/run-1.html", 60);
    expect(fileURLToPath(link ?? "")).toBe(first.location);
  });

  it("refuses keys that would leave the folder", async () => {
    for (const key of ["../escape.html", "/etc/passwd", "a//b", ".hidden"]) {
      await expect(store.put(key, "x", "text/plain"), key).rejects.toThrow(ArtifactKeyError);
    }
  });
});

describe("createS3ArtifactStore", () => {
  const client = new S3Client({
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example-secret" },
  });
  const s3 = mockClient(client);
  const store = createS3ArtifactStore({ client, bucket: "state-bucket", prefix: "dashboard" });

  it("puts private objects under the prefix with their content type, never cached stale", async () => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({});
    const { location } = await store.put("index.html", "<p>hi</p>", "text/html; charset=utf-8");
    expect(location).toBe("s3://state-bucket/dashboard/index.html");
    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      Bucket: "state-bucket",
      Key: "dashboard/index.html",
      ContentType: "text/html; charset=utf-8",
      CacheControl: "no-cache",
    });
    expect(input?.ACL).toBeUndefined(); // the bucket's policy keeps it private
    expect(Buffer.from(input?.Body as Uint8Array).toString("utf8")).toBe("<p>hi</p>");
  });

  it("links an object by a pre-signed GET URL that expires (at most 7 days)", async () => {
    const url = new URL((await store.link("pages/run 1.html", 3600)) ?? "");
    expect(url.hostname).toBe("state-bucket.s3.eu-west-1.amazonaws.com");
    expect(url.pathname).toBe("/dashboard/pages/run%201.html");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("3600");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(/^AKIAEXAMPLE\//);
    const capped = new URL((await store.link("index.html", 30 * 24 * 3600)) ?? "");
    expect(capped.searchParams.get("X-Amz-Expires")).toBe(String(7 * 24 * 3600));
  });

  it("names the object and the fix when a write fails", async () => {
    s3.reset();
    s3.on(PutObjectCommand).rejects(s3Error("AccessDenied", 403, "Access Denied"));
    const failure = store.put("index.html", "x", "text/html");
    await expect(failure).rejects.toThrow(S3ArtifactError);
    await expect(store.put("index.html", "x", "text/html")).rejects.toThrow(
      /s3:\/\/state-bucket\/dashboard\/index\.html failed: AccessDenied/,
    );
  });
});
