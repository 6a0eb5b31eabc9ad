import { LambdaClient } from "@aws-sdk/client-lambda";
import type { Command } from "commander";
import { describeStatusCounts } from "../../lib/report/status-counts.ts";
import {
  InvokeInputError,
  invokeAdhocRange,
  parseAdhocPayload,
  resolveFunctionName,
} from "../../lib/runtime/invoke.ts";
import { UserError } from "../errors.ts";

interface InvokeOptions {
  date?: string;
  from?: string;
  to?: string;
  dryRun?: boolean;
  sendTo?: string;
  locale?: string;
  tz?: string;
  function?: string;
  outputs: string;
  json?: boolean;
}

/**
 * `opspulse invoke daily --date D`: runs a report in AWS through the ad-hoc Lambda and
 * prints its summary. Credentials and region come from the standard AWS environment.
 */
export function registerInvoke(program: Command): void {
  program
    .command("invoke")
    .description("run a report in AWS through the deployed ad-hoc Lambda and print its summary")
    .argument("<report>", "daily or weekly")
    .option("--date <YYYY-MM-DD>", "any day of the period")
    .option("--from <YYYY-MM-DD>", "first day of a range (with --to)")
    .option("--to <YYYY-MM-DD>", "last day of a range (with --from)")
    .option("--dry-run", "render and store nothing, send nothing")
    .option("--send-to <address>", "send only to this address (for testing)")
    .option("--locale <locale>", "en or zh-CN")
    .option("--tz <zone>", "report time zone, e.g. Asia/Shanghai")
    .option(
      "--function <name>",
      "the ad-hoc function (default: $OPSPULSE_ADHOC_FUNCTION or the stack output)",
    )
    .option("--outputs <file>", "cdk deploy --outputs-file JSON", "cdk-outputs.json")
    .option("--json", "print the raw result as JSON")
    .action(async (report: string, opts: InvokeOptions) => {
      let payload: ReturnType<typeof parseAdhocPayload>;
      let functionName: string;
      try {
        if (opts.from !== undefined && opts.to === undefined) {
          throw new InvokeInputError("--from needs --to: give the last day of the range too");
        }
        payload = parseAdhocPayload({
          report,
          ...(opts.date ? { date: opts.date } : {}),
          ...(opts.from && opts.to ? { range: { from: opts.from, to: opts.to } } : {}),
          ...(opts.dryRun ? { dryRun: true } : {}),
          ...(opts.sendTo ? { to: opts.sendTo } : {}),
          ...(opts.locale ? { locale: opts.locale } : {}),
          ...(opts.tz ? { timeZone: opts.tz } : {}),
        });
        functionName = resolveFunctionName(
          opts.function ?? process.env.OPSPULSE_ADHOC_FUNCTION,
          opts.outputs,
        );
      } catch (error) {
        if (error instanceof InvokeInputError) throw new UserError(error.message);
        throw error;
      }
      process.stderr.write(`invoking ${functionName} …\n`);
      // A long range comes back in parts: each invocation stops before its deadline and
      // leaves the rest of the range to the next one.
      const result = await invokeAdhocRange(new LambdaClient({}), functionName, payload, (part) => {
        if (part.ok && part.next?.range) {
          process.stderr.write(`continuing from ${part.next.range.from} in a new invocation …\n`);
        }
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        for (const run of result.runs) {
          const counts = describeStatusCounts(run.statusCounts);
          process.stdout.write(
            `${run.report} ${run.periodKey}: ${run.outcome}${counts ? ` · ${counts}` : ""}\n`,
          );
          for (const email of run.emails) {
            process.stdout.write(`  ${email.list.padEnd(12)} ${email.status}\n`);
          }
        }
        if (!result.ok) process.stdout.write(`error: ${result.error}\n`);
      }
      if (!result.ok) process.exitCode = result.statusCode === 400 ? 2 : 1;
    });
}
