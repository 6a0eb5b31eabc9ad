/**
 * `opspulse invoke`: runs a report in an AWS account by invoking the ad-hoc Lambda
 * synchronously, and returns its summary. The payload is validated here with the same
 * schema as the handler's, so a mistake is reported before anything is called.
 */
import { readFileSync } from "node:fs";
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { AdhocResult } from "../../adhoc-run/index.ts";
import { type AdhocPayload, adhocPayloadSchema, describeIssues } from "./events.ts";

/** The stack output that names the ad-hoc function (see infra/opspulse-stack.ts). */
export const ADHOC_FUNCTION_OUTPUT = "AdhocRunFunctionName";

/** A problem the person can fix (payload, function name); one line. */
export class InvokeInputError extends Error {
  override name = "InvokeInputError";
}

/** The Lambda answered with an error, or not with an ad-hoc result. */
export class InvokeFailedError extends Error {
  override name = "InvokeFailedError";
}

/** Validates an ad-hoc payload with the handler's own schema. */
export function parseAdhocPayload(input: unknown): AdhocPayload {
  const parsed = adhocPayloadSchema.safeParse(input);
  if (!parsed.success)
    throw new InvokeInputError(`invalid request: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * The ad-hoc function's name: the explicit one, else the `AdhocRunFunctionName` output in a
 * `cdk deploy --outputs-file` JSON file.
 */
export function resolveFunctionName(explicit: string | undefined, outputsFile: string): string {
  if (explicit) return explicit;
  let outputs: unknown;
  try {
    outputs = JSON.parse(readFileSync(outputsFile, "utf8"));
  } catch {
    throw new InvokeInputError(
      `no function name: pass --function NAME, set OPSPULSE_ADHOC_FUNCTION, or deploy with "cdk deploy --outputs-file ${outputsFile}"`,
    );
  }
  for (const stackOutputs of Object.values(outputs as Record<string, Record<string, unknown>>)) {
    const name = stackOutputs?.[ADHOC_FUNCTION_OUTPUT];
    if (typeof name === "string" && name) return name;
  }
  throw new InvokeInputError(
    `${outputsFile} has no ${ADHOC_FUNCTION_OUTPUT} output: pass --function NAME or redeploy the stack`,
  );
}

/** Invokes the ad-hoc function with a validated payload and returns its result. */
export async function invokeAdhoc(
  client: LambdaClient,
  functionName: string,
  payload: AdhocPayload,
): Promise<AdhocResult> {
  const response = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: "RequestResponse",
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );
  const text = response.Payload ? new TextDecoder().decode(response.Payload) : "";
  if (response.FunctionError) {
    let reason = text;
    try {
      const body = JSON.parse(text) as { errorMessage?: string };
      reason = body.errorMessage ?? text;
    } catch {}
    throw new InvokeFailedError(
      `${functionName} failed (${response.FunctionError}): ${reason.split("\n")[0]}`,
    );
  }
  let result: unknown;
  try {
    result = JSON.parse(text);
  } catch {
    throw new InvokeFailedError(`${functionName} did not answer with JSON: ${text.slice(0, 200)}`);
  }
  if (!result || typeof result !== "object" || !("statusCode" in result)) {
    throw new InvokeFailedError(
      `${functionName} is not the opspulse ad-hoc function (its answer has no statusCode)`,
    );
  }
  return result as AdhocResult;
}

/** Most invocations one `opspulse invoke` makes for a range (31 periods, at least one each). */
const MAX_CONTINUATIONS = 31;

/**
 * Invokes the ad-hoc function, then again with its `next` payload for as long as it leaves
 * periods for another invocation (each stops before its own deadline); returns every run,
 * in order, as one result. `onPart` hears of each invocation's result as it arrives.
 */
export async function invokeAdhocRange(
  client: LambdaClient,
  functionName: string,
  payload: AdhocPayload,
  onPart: (result: AdhocResult) => void = () => {},
): Promise<AdhocResult> {
  const runs: AdhocResult["runs"][number][] = [];
  let request: AdhocPayload | undefined = payload;
  for (let invocation = 0; request && invocation < MAX_CONTINUATIONS; invocation++) {
    const result = await invokeAdhoc(client, functionName, request);
    onPart(result);
    runs.push(...result.runs);
    if (!result.ok) return { ...result, runs };
    request = result.next;
  }
  if (request) {
    throw new InvokeFailedError(
      `${functionName} still had periods left after ${MAX_CONTINUATIONS} invocations (from ${request.range?.from}): run the rest with --from ${request.range?.from}`,
    );
  }
  return { ok: true, statusCode: 200, runs };
}
