/**
 * A run's deadline: the instant by which it must have stopped its work and said so, well
 * before the Lambda that runs it is killed. The edge (a handler) derives it from the time
 * the invocation has left; everything below takes it as a plain `Date`.
 */

/** Work was stopped because the run's deadline passed; nothing after it was attempted. */
export class DeadlineExceededError extends Error {
  override name = "DeadlineExceededError";
  readonly deadline: Date;
  constructor(message: string, deadline: Date, options?: { cause?: unknown }) {
    super(message, options);
    this.deadline = deadline;
  }
}

/** Whether `error` (or one of its causes) is a {@link DeadlineExceededError}. */
export function isDeadlineExceeded(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof DeadlineExceededError) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Milliseconds left before `deadline` at `nowMs` (negative once it has passed). */
export function msUntil(deadline: Date | undefined, nowMs: number): number {
  return deadline ? deadline.getTime() - nowMs : Number.POSITIVE_INFINITY;
}
