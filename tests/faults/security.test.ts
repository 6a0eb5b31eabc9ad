/**
 * Security posture of the repository: no real email addresses, AWS account ids, access
 * keys or secrets in any tracked file. Addresses may use only the names reserved for
 * documentation (RFC 2606: example.com/.org/.net and the .example, .test, .invalid and
 * .localhost top-level domains); account ids only the documentation placeholders.
 *
 * The scanner is tested on planted samples first (built at run time, so that they are not
 * in the repository themselves), so that a scan that finds nothing means something.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { recordFault } from "./support/record.ts";

const REPO = resolve(import.meta.dirname, "../..");

const EMAIL = /[A-Za-z0-9._%+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})/g;
const RESERVED_DOMAIN =
  /(^|\.)example\.(com|org|net)$|\.(example|test|invalid|localhost)$|^(example|test|invalid|localhost)$/i;
const ACCESS_KEY = /\b(AKIA|ASIA|AIDA|AROA)[0-9A-Z]{16}\b/g;
/** A 40-character secret on a line that talks about a secret. */
const SECRET = /secret[^\n]{0,40}?[=:]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi;
/** A 12-digit account id in an ARN, or assigned to something called account. */
const ACCOUNT =
  /arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):|account(?:id)?["']?\s*[:=]\s*["']?(\d{12})\b/gi;
/** Placeholders the AWS documentation uses. */
const PLACEHOLDER_ACCOUNTS = new Set(["000000000000", "111111111111", "123456789012"]);

/** What a text leaks, one line per finding. */
function findings(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(EMAIL)) {
    if (!RESERVED_DOMAIN.test(match[1] ?? "")) found.push(`email address ${match[0]}`);
  }
  for (const match of text.matchAll(ACCESS_KEY)) found.push(`AWS access key ${match[0]}`);
  for (const match of text.matchAll(SECRET)) found.push(`secret ${match[1]?.slice(0, 6)}…`);
  for (const match of text.matchAll(ACCOUNT)) {
    const id = match[1] ?? match[2] ?? "";
    if (!PLACEHOLDER_ACCOUNTS.has(id)) found.push(`AWS account id ${id}`);
  }
  return found;
}

/** The tracked files (`git ls-files`), or every file outside ignored folders without git. */
function trackedFiles(): string[] {
  try {
    return execFileSync("git", ["ls-files", "-z"], { cwd: REPO, encoding: "utf8" })
      .split("\0")
      .filter(Boolean);
  } catch {
    const skip = new Set(["node_modules", ".git", "out", "cdk.out", "coverage"]);
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        if (skip.has(name)) return [];
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : [relative(REPO, path)];
      });
    return walk(REPO);
  }
}

describe("no secrets, account ids or real addresses in the repository", () => {
  it("the scanner finds planted leaks", () => {
    const planted = [
      `to: [${["jane.doe", "corp-mail.com"].join("@")}]`,
      `aws_access_key_id = ${["AKIA", "Z7QX2M4N6P8R0T1V"].join("")}`,
      `aws_secret_access_key = ${"wJalrXUtnFEMI/K7MDENG/bPxRfiCY".concat("1234567890")}`,
      `arn:aws:iam::${"4096".repeat(3)}:role/deployer`,
      `account: "${"5".repeat(6)}${"7".repeat(6)}"`,
    ];
    expect(planted.map((line) => findings(line).length)).toEqual([1, 1, 1, 1, 1]);
    // And lets the documentation's names through.
    const allowed = [
      "to: [ops-director@example.com, qa@example.org, a@b.example, x@opspulse.invalid]",
      "arn:aws:lambda:eu-west-1:000000000000:function:opspulse",
      "configVersion: cfg-000000000000",
    ];
    expect(allowed.flatMap(findings)).toEqual([]);
  });

  it("every tracked text file is clean", () => {
    const files = trackedFiles().filter(
      (file) => !/\.(png|jpe?g|gif|ico|woff2?|ttf|otf|pdf|parquet|zip|gz)$/i.test(file),
    );
    expect(files.length).toBeGreaterThan(100);
    const leaks: string[] = [];
    let scanned = 0;
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(join(REPO, file), "utf8");
      } catch {
        continue; // listed but deleted in this working tree
      }
      if (text.includes("\u0000")) continue; // binary
      scanned++;
      for (const finding of findings(text)) leaks.push(`${file}: ${finding}`);
    }
    expect(leaks).toEqual([]);
    recordFault({
      area: "Security",
      fault: "real addresses, AWS account ids, access keys, secrets in tracked files",
      expected: "none (example.com/.org and documentation placeholders only)",
      observed: `${scanned} tracked text files scanned, ${leaks.length} findings; the scanner finds 5 of 5 planted leaks`,
    });
  });
});
