/**
 * `opspulse alerts status` and `opspulse alerts replay` (also `opspulse replay`): what the
 * on-call alerts stand at, and what the alert rules would have sent over stored history.
 */

import type { Command } from "commander";
import { type ReplayReport, replayStoredAlerts } from "../../lib/alerts/replay.ts";
import { activeSilences } from "../../lib/kpi/alert-acks.ts";
import {
  type AlertNotification,
  type AlertRecord,
  parseAlertState,
  type StoredSilence,
  WHOLE_BUSINESS,
} from "../../lib/kpi/alerts.ts";
import { metric } from "../../lib/kpi/registry.ts";
import { targetFigures } from "../../lib/notify/target-figures.ts";
import type { Clock, Mailer, RunLog } from "../../lib/ports.ts";
import { valueFormatter } from "../../lib/report/email/i18n.ts";
import { configuredRecipients, describeSuppressed } from "../../lib/runtime/mail-feedback.ts";
import { describeWaits, periodWaits } from "../../lib/waiting/status.ts";
import { UserError } from "../errors.ts";
import { registerAlertAcks } from "./alert-acks.ts";
import { replayPulseCommand } from "./pulse.ts";
import {
  dateRangeOptions,
  type FolderOptions,
  openReportRuntime,
  reportArgument,
  timeZoneOption,
  withFolders,
} from "./run.ts";

interface ReplayOptions extends FolderOptions {
  readonly from: string;
  readonly to: string;
  readonly tz?: string;
  readonly json?: boolean;
}

/** Periods a replay may cover in one go (about three years of days). */
const MAX_REPLAY_DAYS = 1100;

export function registerAlerts(program: Command): void {
  const alerts = program
    .command("alerts")
    .description("on-call alerts: the current state, and a replay of the rules over history");

  withFolders(
    alerts
      .command("status")
      .description(
        "list open alerts (breaching, data incomplete, metric errors) and the state's version",
      ),
  )
    .option("--all", "list every (report, metric, scope), not only those that need attention")
    .option("--json", "print the stored state as JSON")
    .action(async (opts: FolderOptions & { readonly all?: boolean; readonly json?: boolean }) => {
      const runtime = await openReportRuntime(opts);
      try {
        const { state: stored, version } = await runtime.deps.alertState.load();
        const state = parseAlertState(stored);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ version: version ?? null, state }, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `${describeStatus(Object.values(state.records), version, opts.all, activeSilences(state, new Date()))}\n`,
        );
        // Periods held for late data, and those sent after a wait, over the last two days.
        const waits = await waitLines(runtime.deps);
        if (waits.length > 0) process.stdout.write(`${waits.join("\n")}\n`);
        // Bounces and complaints: recipients SES now drops silently (SES mailer only).
        const feedback = await suppressedLines(runtime.deps);
        if (feedback.length > 0) process.stdout.write(`${feedback.join("\n")}\n`);
      } finally {
        await runtime.close();
      }
    });

  registerAlertAcks(alerts);

  // `opspulse replay` too: the name the issue and the README use.
  for (const parent of [alerts, program]) registerReplay(parent);
}

/** How far back `alerts status` looks for waits: a wait lasts hours, not days. */
const WAIT_LOOKBACK_MS = 2 * 86_400_000;

async function waitLines(deps: {
  readonly runLog: RunLog;
  readonly clock: Clock;
}): Promise<string[]> {
  if (!deps.runLog.since) return [];
  const from = new Date(deps.clock.now().getTime() - WAIT_LOOKBACK_MS);
  const entries = await deps.runLog.since(from);
  return describeWaits(
    periodWaits(entries.filter((e) => String(e.at ?? "") >= from.toISOString())),
  );
}

async function suppressedLines(deps: {
  readonly mailer: Mailer;
  readonly config: Parameters<typeof configuredRecipients>[0];
}): Promise<string[]> {
  if (!deps.mailer.suppressed) return [];
  try {
    return describeSuppressed(await deps.mailer.suppressed(configuredRecipients(deps.config)));
  } catch (error) {
    return [`Could not read SES's suppression list: ${(error as Error).message.split("\n")[0]}`];
  }
}

function registerReplay(parent: Command): void {
  withFolders(
    parent
      .command("replay")
      .description(
        "replay the alert rules over stored snapshots with the current targets: what would have fired, when and how often (sends and saves nothing)",
      )
      .argument("[report]", "daily, weekly, campaigns, or pulse", "daily")
      .requiredOption("--from <date>", "first day, YYYY-MM-DD")
      .requiredOption("--to <date>", "last day, YYYY-MM-DD"),
  )
    .option("--tz <zone>", "IANA time zone of the periods (default: the schedule's in config)")
    .option("--json", "print the replay as JSON")
    .option("--every <minutes>", "pulse replays: minutes between pulses (15, 20, 30, 60)")
    .action(async (reportName: string, opts: ReplayOptions & { every?: string }) => {
      // `opspulse replay pulse`: the pulse's stall and pace rules over the lake's history.
      if (reportName === "pulse") return replayPulseCommand(opts);
      const report = reportArgument(reportName);
      const { from, to } = dateRangeOptions(opts);
      const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
      if (days > MAX_REPLAY_DAYS) {
        throw new UserError(
          `--from ${from} --to ${to} spans more than ${MAX_REPLAY_DAYS} days: shorten it`,
        );
      }
      const timeZone = timeZoneOption(opts.tz);
      const runtime = await openReportRuntime(opts);
      try {
        const replay = await replayStoredAlerts(runtime.deps.snapshots, runtime.deps.config, {
          report,
          from,
          to,
          ...(timeZone ? { timeZone } : {}),
        });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...replay, state: undefined }, null, 2)}\n`);
          return;
        }
        const lines = describeReplay(
          replay,
          runtime.deps.config.version,
          runtime.deps.config.kpi.currency,
        );
        process.stdout.write(`${lines.join("\n")}\n`);
      } finally {
        await runtime.close();
      }
    });
}

/** The human form of a replay: one line per alert, then the counts per metric. */
export function describeReplay(
  replay: ReplayReport,
  configVersion: string,
  currency: string,
): string[] {
  const format = valueFormatter("en", currency);
  const lines = [
    `Replay of the ${replay.report} alert rules over ${replay.fromKey} … ${replay.toKey}: ${replay.periods.length} periods with a snapshot` +
      (replay.missing.length > 0
        ? `, ${replay.missing.length} without (${abbreviate(replay.missing)}; store them with "opspulse backfill ${replay.report} --no-email")`
        : ""),
    `Targets and alert rules of config ${configVersion}. Nothing was sent or saved; the data-completeness gate is not replayed.`,
    "",
  ];
  if (replay.fired.length === 0) {
    lines.push("No alert would have fired.");
  } else {
    lines.push(
      `${"When (run time, UTC)".padEnd(22)}${"Period".padEnd(12)}${"Alert".padEnd(17)}What`,
    );
    for (const n of replay.fired) {
      const when = `${n.at.slice(0, 16).replace("T", " ")}`;
      lines.push(
        `${when.padEnd(22)}${n.periodKey.padEnd(12)}${kindLabel(n).padEnd(17)}${describeNotification(n, format)}`,
      );
    }
  }
  const subjects = Object.keys({ ...replay.breachedPeriods, ...replay.counts }).sort();
  if (subjects.length > 0) {
    lines.push("", "How often:");
    for (const subject of subjects) {
      const counts = replay.counts[subject] ?? {};
      const kinds = Object.entries(counts).map(([kind, count]) => `${count} ${kind}`);
      const breached = replay.breachedPeriods[subject];
      lines.push(
        `  ${subject}: ${breached !== undefined ? `breached ${breached} of ${replay.periods.length} periods · ` : ""}${kinds.length > 0 ? kinds.join(", ") : "no alert"}`,
      );
    }
  }
  if (replay.suppressed.length > 0) {
    lines.push("", `${replay.suppressed.length} alert(s) muted by silences.`);
  }
  lines.push("", ...describeVolume(replay));
  return lines;
}

/** Messages per audience and per person: one message per run and audience. */
export function describeVolume(replay: ReplayReport): string[] {
  const { volume } = replay;
  const lines = [
    `Messages (one per run and audience) over ${volume.periods} periods: ${volume.accounted} of ${volume.notifications} alerts accounted for (${volume.off} with severity off).`,
  ];
  for (const a of volume.audiences) {
    const items = Object.entries(a.items)
      .map(([kind, count]) => `${count} ${kind}`)
      .join(", ");
    lines.push(
      `  ${a.audience.padEnd(30)} ${String(a.messages).padStart(3)} messages · ${a.perPeriod.toFixed(2)}/period · at most ${a.maxPerRun}/run · ${a.recipients} recipient(s) · ${items}`,
    );
  }
  const people = Object.entries(volume.perPerson).sort((a, b) => b[1] - a[1]);
  if (people.length > 0) {
    lines.push(
      "Per person:",
      ...people.map(
        ([address, count]) =>
          `  ${address.padEnd(30)} ${count} messages · ${(count / Math.max(1, volume.periods)).toFixed(2)}/period`,
      ),
    );
  }
  return lines;
}

function kindLabel(n: AlertNotification): string {
  return n.kind === "reminder"
    ? `reminder ${n.reminder ?? ""}`.trim()
    : n.kind.replaceAll("_", " ");
}

function describeNotification(
  n: AlertNotification,
  format: ReturnType<typeof valueFormatter>,
): string {
  if (n.kind === "data_incomplete") return n.table;
  const def = metric(n.metric);
  const name = n.scope === WHOLE_BUSINESS ? def.id : `${def.id} [${n.scope}]`;
  if (n.kind === "error") return `${name}: ${n.error ?? "error"}`;
  const shown = targetFigures(def, format, n.measured ?? n.value, n.target);
  return `${name} ${shown.measured} vs ${shown.comparator} ${shown.target}${n.since ? ` (since ${n.since})` : ""}`;
}

/** The human form of the alert state. */
export function describeStatus(
  records: readonly AlertRecord[],
  version: string | undefined,
  all = false,
  silences: readonly StoredSilence[] = [],
): string {
  if (version === undefined) return "No alert state yet: no report has been judged for on-call.";
  const order = { breaching: 0, error: 1, data_incomplete: 2, ok: 3 } as const;
  const shown = records
    .filter((r) => all || r.state !== "ok" || r.streak)
    .sort(
      (a, b) =>
        order[a.state] - order[b.state] ||
        a.report.localeCompare(b.report) ||
        a.metric.localeCompare(b.metric) ||
        a.scope.localeCompare(b.scope),
    );
  const lines = [
    `Alert state version ${version}: ${records.length} (report, metric, scope) records.`,
  ];
  if (shown.length === 0) lines.push("Nothing needs attention: every judged metric is ok.");
  for (const r of shown) {
    const what = `${r.report} ${r.metric}${r.scope === WHOLE_BUSINESS ? "" : ` [${r.scope}]`}`;
    const details = [
      r.episode ? `breached since ${r.episode.start}` : "",
      r.episode && !r.episode.notified ? "start alert not sent yet (silenced)" : "",
      r.episode?.ack
        ? `acked by ${r.episode.ack.by} at ${r.episode.ack.at.slice(0, 16).replace("T", " ")} UTC`
        : "",
      r.episode?.reminders ? `${r.episode.reminders} reminder(s)` : "",
      r.episode?.lastNotifiedAt
        ? `last alert ${r.episode.lastNotifiedAt.slice(0, 16).replace("T", " ")} UTC`
        : "",
      !r.episode && r.streak
        ? `${r.streak.length} breached period(s) since ${r.streak.start}, not yet alerted`
        : "",
      r.errorSince ? `failing since ${r.errorSince}` : "",
      `last period ${r.lastPeriod}`,
    ].filter(Boolean);
    lines.push(
      `  ${r.state.replaceAll("_", " ").toUpperCase().padEnd(16)} ${what}: ${details.join(" · ")}`,
    );
  }
  for (const s of silences) {
    lines.push(
      `  ${"SILENCED".padEnd(16)} ${s.metric}${s.scope ? `/${s.scope}` : ""} until ${s.until.slice(0, 16).replace("T", " ")} UTC by ${s.by}${s.reason ? `: ${s.reason}` : ""}`,
    );
  }
  return lines.join("\n");
}

function abbreviate(keys: readonly string[]): string {
  return keys.length <= 4 ? keys.join(", ") : `${keys.slice(0, 3).join(", ")} … ${keys.at(-1)}`;
}
