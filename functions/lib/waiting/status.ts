/**
 * Which periods are waiting for complete data, and which waited lately, from the run log's
 * `data_wait` lines (`check.ts`): for `opspulse alerts status`. Pure.
 */

/** One period's wait, as its latest `data_wait` line has it. */
export interface PeriodWait {
  readonly report: string;
  readonly periodKey: string;
  readonly state: "waiting" | "sent_complete" | "sent_incomplete";
  readonly check: number;
  readonly scheduledAt: string;
  readonly deadline: string;
  readonly at: string;
  /** While waiting: the tables still missing and when the next check is due. */
  readonly missing?: readonly string[];
  readonly nextCheckAt?: string;
  /** Once sent: how long it waited, for which tables. */
  readonly waitedMinutes?: number;
  readonly waitedFor?: readonly string[];
}

/** The latest wait of each (report, period) among `entries`, waiting ones first. */
export function periodWaits(entries: readonly Readonly<Record<string, unknown>>[]): PeriodWait[] {
  const latest = new Map<string, PeriodWait>();
  for (const entry of entries) {
    if (entry.type !== "data_wait") continue;
    const wait = toPeriodWait(entry);
    if (!wait) continue;
    const key = `${wait.report}\u0000${wait.periodKey}`;
    const seen = latest.get(key);
    // A later check wins; within one check (duplicate runs), a sent line wins over waiting.
    if (!seen || wait.check > seen.check || (wait.check === seen.check && wait.state !== "waiting"))
      latest.set(key, wait);
  }
  return [...latest.values()].sort(
    (a, b) =>
      Number(b.state === "waiting") - Number(a.state === "waiting") ||
      a.report.localeCompare(b.report) ||
      a.periodKey.localeCompare(b.periodKey),
  );
}

/** The lines of `opspulse alerts status` about waits (none: no line at all). */
export function describeWaits(waits: readonly PeriodWait[]): string[] {
  if (waits.length === 0) return [];
  const time = (iso: string | undefined) =>
    iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "?";
  const lines = ["Waiting for complete data (wait_for_complete_data):"];
  for (const w of waits) {
    const what = `${w.report} ${w.periodKey}`;
    if (w.state === "waiting") {
      lines.push(
        `  WAITING          ${what}: check ${w.check} at ${time(w.at)} found ${(w.missing ?? []).join(", ") || "data"} incomplete · next check ${time(w.nextCheckAt)} · sent anyway at ${time(w.deadline)}`,
      );
    } else {
      const how = w.state === "sent_complete" ? "complete" : "marked incomplete (deadline)";
      lines.push(
        `  ${"SENT AFTER WAIT".padEnd(16)} ${what}: sent ${how} at ${time(w.at)} after waiting ${w.waitedMinutes ?? "?"} min for ${(w.waitedFor ?? []).join(", ")} data (check ${w.check})`,
      );
    }
  }
  return lines;
}

function toPeriodWait(entry: Readonly<Record<string, unknown>>): PeriodWait | undefined {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const report = text(entry.report);
  const periodKey = text(entry.periodKey);
  const state = text(entry.state);
  const at = text(entry.at);
  if (!report || !periodKey || !at || typeof entry.check !== "number") return undefined;
  if (state !== "waiting" && state !== "sent_complete" && state !== "sent_incomplete") {
    return undefined;
  }
  const missing = Array.isArray(entry.missing)
    ? [...new Set(entry.missing.map((issue) => String((issue as { table?: unknown }).table)))]
    : undefined;
  return {
    report,
    periodKey,
    state,
    check: entry.check,
    scheduledAt: text(entry.scheduledAt) ?? "",
    deadline: text(entry.deadline) ?? "",
    at,
    ...(missing ? { missing } : {}),
    ...(text(entry.nextCheckAt) ? { nextCheckAt: text(entry.nextCheckAt) } : {}),
    ...(typeof entry.waitedMinutes === "number" ? { waitedMinutes: entry.waitedMinutes } : {}),
    ...(Array.isArray(entry.waitedFor) ? { waitedFor: entry.waitedFor.map(String) } : {}),
  };
}
