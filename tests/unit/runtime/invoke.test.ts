import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../../functions/cli/main.ts";
import {
  InvokeFailedError,
  InvokeInputError,
  invokeAdhoc,
  invokeAdhocRange,
  parseAdhocPayload,
  resolveFunctionName,
} from "../../../functions/lib/runtime/invoke.ts";

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());

// The SDK types the payload as a blob adapter; the bytes are what the client reads.
const encode = (value: unknown) =>
  new TextEncoder().encode(JSON.stringify(value)) as unknown as InvokeCommandOutput["Payload"];
const okResult = {
  ok: true,
  statusCode: 200,
  runs: [
    {
      runId: "r1",
      report: "daily",
      periodKey: "2026-03-01",
      outcome: "ok",
      statusCounts: { met: 3, breach: 1, warning: 0, data_incomplete: 2 },
      emails: [{ list: "managers", status: "sent", to: ["boss@example.com"] }],
    },
  ],
};

describe("invokeAdhoc", () => {
  it("sends the validated payload synchronously and returns the function's result", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(okResult) });
    const payload = parseAdhocPayload({ report: "daily", date: "2026-03-01", dryRun: true });
    const result = await invokeAdhoc(new LambdaClient({}), "opspulse-adhoc", payload);
    expect(result).toEqual(okResult);
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input?.FunctionName).toBe("opspulse-adhoc");
    expect(input?.InvocationType).toBe("RequestResponse");
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({
      report: "daily",
      date: "2026-03-01",
      dryRun: true,
    });
  });

  it("turns a function error into one line with Lambda's message", async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: "Unhandled",
      Payload: encode({ errorMessage: "Task timed out after 900.00 seconds\nstack…" }),
    });
    const payload = parseAdhocPayload({ report: "weekly", date: "2026-03-02" });
    await expect(invokeAdhoc(new LambdaClient({}), "fn", payload)).rejects.toThrow(
      new InvokeFailedError("fn failed (Unhandled): Task timed out after 900.00 seconds"),
    );
  });

  it("refuses an answer that is not an ad-hoc result", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ hello: 1 }) });
    const payload = parseAdhocPayload({ report: "daily", date: "2026-03-01" });
    await expect(invokeAdhoc(new LambdaClient({}), "fn", payload)).rejects.toThrow(/no statusCode/);
  });
});

describe("parseAdhocPayload and resolveFunctionName", () => {
  it("rejects a bad payload before anything is called", () => {
    expect(() => parseAdhocPayload({ report: "daily", date: "2026-02-30" })).toThrow(
      InvokeInputError,
    );
    expect(() => parseAdhocPayload({ report: "hourly", date: "2026-02-01" })).toThrow(/report/);
  });

  it("takes the function name from the stack outputs file", () => {
    const dir = mkdtempSync(join(tmpdir(), "opspulse-"));
    const file = join(dir, "cdk-outputs.json");
    writeFileSync(file, JSON.stringify({ Opspulse: { AdhocRunFunctionName: "opspulse-adhoc-1" } }));
    expect(resolveFunctionName(undefined, file)).toBe("opspulse-adhoc-1");
    expect(resolveFunctionName("explicit", file)).toBe("explicit");
    writeFileSync(file, JSON.stringify({ Opspulse: { Other: "x" } }));
    expect(() => resolveFunctionName(undefined, file)).toThrow(/no AdhocRunFunctionName output/);
    expect(() => resolveFunctionName(undefined, join(dir, "missing.json"))).toThrow(
      /pass --function NAME/,
    );
  });
});

describe("opspulse invoke", () => {
  it("prints the summary of each run and exits 0", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(okResult) });
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof write;
    const stderr = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof stderr;
    try {
      const code = await main(["invoke", "daily", "--date", "2026-03-01", "--function", "fn"]);
      expect(code).toBe(0);
    } finally {
      process.stdout.write = write;
      process.stderr.write = stderr;
    }
    // The counts line of `opspulse run` (describeStatusCounts): worst first, no zeros.
    expect(out.join("")).toContain("daily 2026-03-01: ok · 1 breach · 2 data incomplete · 3 met");
    expect(out.join("")).toContain("managers");
  });

  it("exits 2 with one line on a bad date, without calling AWS", async () => {
    const errors: string[] = [];
    const stderr = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => errors.push(String(chunk)) > 0) as typeof stderr;
    try {
      const code = await main(["invoke", "daily", "--date", "yesterday", "--function", "fn"]);
      expect(code).toBe(2);
    } finally {
      process.stderr.write = stderr;
      process.exitCode = undefined;
    }
    expect(errors.join("")).toMatch(/^opspulse: invalid request: date: expected a date YYYY-MM-DD/);
    expect(errors.join("").trim().split("\n")).toHaveLength(1);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});

describe("invokeAdhocRange", () => {
  it("follows `next` until the function has run every period, in order", async () => {
    const run = (periodKey: string) => ({ ...okResult.runs[0], periodKey });
    const answers = [
      {
        ok: true,
        statusCode: 200,
        runs: [run("2026-03-01")],
        next: { report: "daily", range: { from: "2026-03-02", to: "2026-03-03" }, dryRun: false },
      },
      {
        ok: true,
        statusCode: 200,
        runs: [run("2026-03-02")],
        next: { report: "daily", range: { from: "2026-03-03", to: "2026-03-03" }, dryRun: false },
      },
      { ok: true, statusCode: 200, runs: [run("2026-03-03")] },
    ];
    let call = 0;
    lambda
      .on(InvokeCommand)
      .callsFake(async () => ({ StatusCode: 200, Payload: encode(answers[call++]) }));
    const payload = parseAdhocPayload({
      report: "daily",
      range: { from: "2026-03-01", to: "2026-03-03" },
    });

    const result = await invokeAdhocRange(new LambdaClient({}), "fn", payload);

    expect(result.ok).toBe(true);
    expect(result.runs.map((r) => r.periodKey)).toEqual(["2026-03-01", "2026-03-02", "2026-03-03"]);
    const sent = lambda
      .commandCalls(InvokeCommand)
      .map((c) => JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)));
    expect(sent.map((p) => p.range)).toEqual([
      { from: "2026-03-01", to: "2026-03-03" },
      { from: "2026-03-02", to: "2026-03-03" },
      { from: "2026-03-03", to: "2026-03-03" },
    ]);
  });

  it("stops at a failed part and returns the runs so far", async () => {
    const answers = [
      {
        ...okResult,
        next: { report: "daily", range: { from: "2026-03-02", to: "2026-03-03" }, dryRun: false },
      },
      {
        ok: false,
        statusCode: 500,
        error: "Query user_kpis failed",
        runs: [{ ...okResult.runs[0], periodKey: "2026-03-02", outcome: "failed" }],
      },
    ];
    let call = 0;
    lambda
      .on(InvokeCommand)
      .callsFake(async () => ({ StatusCode: 200, Payload: encode(answers[call++]) }));
    const payload = parseAdhocPayload({
      report: "daily",
      range: { from: "2026-03-01", to: "2026-03-03" },
    });
    const result = await invokeAdhocRange(new LambdaClient({}), "fn", payload);
    expect(result).toMatchObject({ ok: false, statusCode: 500 });
    expect(result.runs.map((r) => r.periodKey)).toEqual(["2026-03-01", "2026-03-02"]);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
  });
});
