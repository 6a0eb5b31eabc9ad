/**
 * `opspulse alerts ack|unack|silence|unsilence`: acknowledge or silence an alert without
 * editing files. Each writes the alert state store (the local out/ folder, or S3 in AWS)
 * with its compare-and-swap, records who (`--by`, else the OS user) and when, and is listed
 * by `opspulse alerts status`. An ack ends when the alert resolves; a silence at `--until`.
 */
import { userInfo } from "node:os";
import type { Command } from "commander";
import { changeAlertState } from "../../lib/alerts/acks.ts";
import {
  AlertCommandError,
  type AlertTarget,
  ackAlert,
  parseAlertTarget,
  silenceAlert,
  unackAlert,
  unsilenceAlert,
} from "../../lib/kpi/alert-acks.ts";
import { isMetricId } from "../../lib/kpi/registry.ts";
import { isPulseMetric } from "../../lib/pulse/alerts.ts";
import { UserError } from "../errors.ts";
import { type FolderOptions, openReportRuntime, withFolders } from "./run.ts";

interface AckOptions extends FolderOptions {
  readonly by?: string;
}

interface SilenceOptions extends AckOptions {
  readonly until: string;
  readonly reason: string;
}

/** Adds the ack and silence subcommands to `opspulse alerts`. */
export function registerAlertAcks(alerts: Command): void {
  withFolders(
    alerts
      .command("ack")
      .description(
        "acknowledge an open alert: no reminders until it resolves, unless it worsens past reack_factor",
      )
      .argument("<metric[/scope]>", "metric id, and a campaign id for a campaign's metric"),
  )
    .option("--by <name>", "who acknowledges (default: the OS user)")
    .action(async (what: string, opts: AckOptions) => {
      const target = targetArgument(what);
      const by = actor(opts.by);
      const { result } = await withState(opts, (state) => {
        const acked = ackAlert(state, target, { by, at: new Date() });
        return { state: acked.state, result: acked.acked };
      });
      say(`Acknowledged ${what} by ${by} (${result.join(", ")}).`);
    });

  withFolders(
    alerts
      .command("unack")
      .description("withdraw an acknowledgement: reminders go out again")
      .argument("<metric[/scope]>", "metric id, and a campaign id for a campaign's metric"),
  ).action(async (what: string, opts: FolderOptions) => {
    const target = targetArgument(what);
    const { result } = await withState(opts, (state) => {
      const unacked = unackAlert(state, target);
      return { state: unacked.state, result: unacked.unacked };
    });
    say(`Withdrew the acknowledgement of ${what} (${result.join(", ")}).`);
  });

  withFolders(
    alerts
      .command("silence")
      .description("mute a metric's alerts (optionally one campaign's) until a time")
      .argument("<metric[/scope]>", "metric id or *, and optionally a campaign id")
      .requiredOption("--until <time>", "when the silence ends, e.g. 2026-12-01T09:00:00+08:00")
      .requiredOption("--reason <text>", "why (shown by alerts status)"),
  )
    .option("--by <name>", "who silences (default: the OS user)")
    .action(async (what: string, opts: SilenceOptions) => {
      const target = targetArgument(what, true);
      const until = instantOption(opts.until);
      const by = actor(opts.by);
      await withState(opts, (state) => ({
        state: silenceAlert(state, target, { until, reason: opts.reason }, { by, at: new Date() }),
        result: undefined,
      }));
      say(`Silenced ${what} until ${until.toISOString()} by ${by}: ${opts.reason}`);
    });

  withFolders(
    alerts
      .command("unsilence")
      .description("lift a silence set with alerts silence")
      .argument("<metric[/scope]>", "as given to alerts silence"),
  ).action(async (what: string, opts: FolderOptions) => {
    const target = targetArgument(what, true);
    await withState(opts, (state) => ({ state: unsilenceAlert(state, target), result: undefined }));
    say(`Lifted the silence of ${what}.`);
  });
}

async function withState<T>(
  folders: FolderOptions,
  change: Parameters<typeof changeAlertState<T>>[1],
): Promise<{ readonly result: T }> {
  const runtime = await openReportRuntime(folders);
  try {
    return await changeAlertState(runtime.deps.alertState, change);
  } catch (error) {
    if (error instanceof AlertCommandError) throw new UserError(error.message);
    throw error;
  } finally {
    await runtime.close();
  }
}

function targetArgument(text: string, wildcard = false): AlertTarget {
  let target: AlertTarget;
  try {
    target = parseAlertTarget(text);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  if (
    !(
      isMetricId(target.metric) ||
      isPulseMetric(target.metric) ||
      (wildcard && target.metric === "*")
    )
  ) {
    throw new UserError(
      `"${target.metric}" is not a metric id: see functions/lib/kpi/registry.ts or "opspulse alerts status"`,
    );
  }
  return target;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function instantOption(text: string): Date {
  const at = new Date(text);
  if (!ISO_INSTANT.test(text) || Number.isNaN(at.getTime())) {
    throw new UserError(
      `--until ${text} is not a time with a zone: give e.g. 2026-12-01T09:00:00+08:00`,
    );
  }
  return at;
}

/** `--by`, else the OS user running the command. */
function actor(by: string | undefined): string {
  const name = by?.trim() || userInfo().username;
  if (!name) throw new UserError("who is this? pass --by NAME");
  return name;
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}
