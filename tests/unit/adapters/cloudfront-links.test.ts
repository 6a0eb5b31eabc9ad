/**
 * The dashboard's CloudFront signed links: a canned-policy signature CloudFront can verify
 * with the key group's public key, valid for the asked days (not the Lambda session's hours),
 * and the environment the stack sets read once, in full or not at all.
 */
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { withCloudFrontLinks } from "../../../functions/lib/adapters/cloudfront-links.ts";
import type { ArtifactStore } from "../../../functions/lib/ports.ts";
import {
  readDashboardLinkEnv,
  readSecretString,
} from "../../../functions/lib/runtime/dashboard-links.ts";
import { cloudFrontSignatureValid } from "../../support/cloudfront.ts";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();

const written: string[] = [];
const s3: ArtifactStore = {
  async put(key) {
    written.push(key);
    return { location: `s3://state.example.com/dashboard/${key}` };
  },
  link: async () => "https://s3.example.com/presigned-for-hours",
};

describe("CloudFront signed dashboard links", () => {
  it("sign a canned policy the public key verifies, valid for the asked seven days", async () => {
    let keyReads = 0;
    const store = withCloudFrontLinks(s3, {
      domain: "d111111abcdef8.cloudfront.net",
      pathPrefix: "dashboard/",
      keyPairId: "K2JCJMDEHXQW5F",
      privateKey: async () => {
        keyReads++;
        return pem;
      },
      now: () => new Date("2026-03-09T00:05:00Z"),
    });
    await store.put("pages/run 1.zh-CN.html", "<html>", "text/html");
    expect(written).toEqual(["pages/run 1.zh-CN.html"]);

    const link = new URL((await store.link("pages/run 1.zh-CN.html", 7 * 86_400)) ?? "");
    expect(`${link.origin}${link.pathname}`).toBe(
      "https://d111111abcdef8.cloudfront.net/dashboard/pages/run%201.zh-CN.html",
    );
    const expires = Number(link.searchParams.get("Expires"));
    expect(expires).toBe(Date.parse("2026-03-16T00:05:00Z") / 1000);
    expect(link.searchParams.get("Key-Pair-Id")).toBe("K2JCJMDEHXQW5F");
    expect(cloudFrontSignatureValid(link, publicKey)).toBe(true);
    // The key is read from the secret once per container.
    await store.link("index.html", 60);
    expect(keyReads).toBe(1);
  });

  it("say what to fix when the secret holds no usable key", async () => {
    const store = withCloudFrontLinks(s3, {
      domain: "d111111abcdef8.cloudfront.net",
      pathPrefix: "dashboard/",
      keyPairId: "K2JCJMDEHXQW5F",
      privateKey: async () => "not a key",
      now: () => new Date("2026-03-09T00:05:00Z"),
    });
    await expect(store.link("index.html", 60)).rejects.toThrow(
      /store the PEM private key of the distribution's key pair in the secret/,
    );
  });
});

describe("the dashboard link environment", () => {
  it("is absent without a distribution, and complete with one", () => {
    expect(readDashboardLinkEnv({})).toBeUndefined();
    expect(
      readDashboardLinkEnv({
        OPSPULSE_DASHBOARD_DOMAIN: "d111111abcdef8.cloudfront.net",
        OPSPULSE_DASHBOARD_KEY_PAIR_ID: "K2JCJMDEHXQW5F",
        OPSPULSE_DASHBOARD_KEY_SECRET: "opspulse/dashboard-signing-key",
        OPSPULSE_DASHBOARD_LINK_DAYS: "14",
      }),
    ).toEqual({
      domain: "d111111abcdef8.cloudfront.net",
      keyPairId: "K2JCJMDEHXQW5F",
      keySecret: "opspulse/dashboard-signing-key",
      linkSeconds: 14 * 86_400,
    });
  });

  it("names the missing variable of a half configuration, and a wrong number of days", () => {
    expect(() =>
      readDashboardLinkEnv({ OPSPULSE_DASHBOARD_DOMAIN: "d111111abcdef8.cloudfront.net" }),
    ).toThrow(/^OPSPULSE_DASHBOARD_KEY_PAIR_ID is not set/);
    expect(() =>
      readDashboardLinkEnv({
        OPSPULSE_DASHBOARD_DOMAIN: "d111111abcdef8.cloudfront.net",
        OPSPULSE_DASHBOARD_KEY_PAIR_ID: "K2JCJMDEHXQW5F",
        OPSPULSE_DASHBOARD_KEY_SECRET: "s",
        OPSPULSE_DASHBOARD_LINK_DAYS: "a week",
      }),
    ).toThrow(/OPSPULSE_DASHBOARD_LINK_DAYS must be a whole number of days/);
  });

  it("reads the key through the Lambda extension with the session token", async () => {
    const calls: { url: string; token: string | null }[] = [];
    const fake = (async (url: string, init?: RequestInit) => {
      calls.push({
        url,
        token: new Headers(init?.headers).get("X-Aws-Parameters-Secrets-Token"),
      });
      return new Response(JSON.stringify({ SecretString: pem }), { status: 200 });
    }) as typeof fetch;
    expect(await readSecretString("opspulse/dashboard key", "session-token", fake)).toBe(pem);
    expect(calls).toEqual([
      {
        url: "http://localhost:2773/secretsmanager/get?secretId=opspulse%2Fdashboard%20key",
        token: "session-token",
      },
    ]);
    const denied = (async () => new Response("{}", { status: 403 })) as typeof fetch;
    await expect(readSecretString("s", "t", denied)).rejects.toThrow(/answered 403 for s/);
  });
});
