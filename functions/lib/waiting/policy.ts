/**
 * The send policy "wait for complete data" (`wait_for_complete_data` of schedules.yaml):
 * a scheduled run that finds its period's data incomplete holds the report, checks again
 * every `interval`, and sends whatever it has once `deadline` after the scheduled time has
 * passed. Pure: durations, the deadline and when the next check is due.
 */

/** How long to wait for complete data, and how often to look. */
export interface WaitPolicy {
  /** Time between two checks, in milliseconds. */
  readonly intervalMs: number;
  /** How long after the scheduled time the report goes out anyway, in milliseconds. */
  readonly deadlineMs: number;
}

/** Re-check every 15 minutes, send anyway 2 hours after the scheduled time. */
export const DEFAULT_WAIT_POLICY: WaitPolicy = {
  intervalMs: 15 * 60_000,
  deadlineMs: 2 * 3_600_000,
};

/** A duration is not written as `10s`, `15m` or `2h`. */
export class InvalidDurationError extends Error {
  override name = "InvalidDurationError";
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d{1,5})(s|m|h)$/;

/** `10s`, `15m`, `2h` → milliseconds; anything else (0 included) throws a one-line error. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  const amount = match ? Number(match[1]) : 0;
  if (!match || amount === 0) {
    throw new InvalidDurationError(
      `"${text}" is not a duration: write a whole number and s, m or h, e.g. 10s, 15m, 2h`,
    );
  }
  return amount * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Milliseconds as people read them: `15 min`, `2 h`, `1 h 10 min`, `10 s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s`;
  const minutes = Math.round(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${minutes} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** When the report goes out whatever the data: the scheduled time plus the policy's deadline. */
export function waitDeadline(scheduledAt: Date, policy: WaitPolicy): Date {
  return new Date(scheduledAt.getTime() + policy.deadlineMs);
}

/**
 * When check `check + 1` is due after check `check` (1 is the scheduled run itself) found
 * the data incomplete: `interval` after the scheduled time per check, never after the
 * deadline (the last check is at the deadline), and never before `now` (a late run).
 * Deterministic in the check number, so that duplicate runs of one check agree.
 */
export function nextCheckAt(scheduledAt: Date, check: number, policy: WaitPolicy, now: Date): Date {
  const planned = scheduledAt.getTime() + check * policy.intervalMs;
  const deadline = waitDeadline(scheduledAt, policy).getTime();
  return new Date(Math.max(Math.min(planned, deadline), now.getTime()));
}

/** Whether a check at `now` is the last one: the deadline has come. */
export function isPastDeadline(scheduledAt: Date, policy: WaitPolicy, now: Date): boolean {
  return now.getTime() >= waitDeadline(scheduledAt, policy).getTime();
}
