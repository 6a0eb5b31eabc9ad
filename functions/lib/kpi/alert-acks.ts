/**
 * Acknowledging and silencing alerts without editing files (`opspulse alerts ack|unack|
 * silence|unsilence`): pure changes of the stored alert state, which the caller saves with
 * the state store's compare-and-swap.
 *
 * An ack belongs to an open breach episode and ends with it (the alert resolves); while it
 * holds, the episode sends no reminders unless it worsens (see `reackFactor`). A silence
 * mutes a metric (optionally one scope) until its `until`, and ends by itself then.
 */
import { type AlertState, type Silence, type StoredSilence, WHOLE_BUSINESS } from "./alerts.ts";
import { targetDistance } from "./attention.ts";

/** What a command is about: `gmv`, `participants/spring-sale`. */
export interface AlertTarget {
  readonly metric: string;
  /** A scope (campaign id); absent: the whole business (ack) or every scope (silence). */
  readonly scope?: string;
}

/** Who did it, and when. */
export interface Actor {
  readonly by: string;
  readonly at: Date;
}

/** The command cannot apply to the state as it is (nothing open to ack, nothing to lift). */
export class AlertCommandError extends Error {
  override name = "AlertCommandError";
}

/** Parses `metric` or `metric/scope`. */
export function parseAlertTarget(text: string): AlertTarget {
  const [metric, ...rest] = text.trim().split("/");
  const scope = rest.join("/");
  if (!metric)
    throw new AlertCommandError(
      `"${text}" names no metric: use <metric>[/<scope>], e.g. gmv or participants/spring-sale`,
    );
  return scope ? { metric, scope } : { metric };
}

function describe(target: AlertTarget): string {
  return target.scope ? `${target.metric}/${target.scope}` : target.metric;
}

/** Record ids whose open episode matches the target, in every report. */
function openRecords(state: AlertState, target: AlertTarget): string[] {
  const scope = target.scope ?? WHOLE_BUSINESS;
  return Object.entries(state.records)
    .filter(([, r]) => r.metric === target.metric && r.scope === scope && r.episode)
    .map(([id]) => id)
    .sort();
}

/**
 * Acknowledges the open breach of the target in every report that has one, recording who,
 * when and how far from the target it was then. Acking again replaces the ack.
 */
export function ackAlert(
  state: AlertState,
  target: AlertTarget,
  actor: Actor,
): { readonly state: AlertState; readonly acked: readonly string[] } {
  const ids = openRecords(state, target);
  if (ids.length === 0) {
    throw new AlertCommandError(
      `No open alert for ${describe(target)}: "opspulse alerts status" lists the open ones.`,
    );
  }
  const records = { ...state.records };
  for (const id of ids) {
    const record = records[id];
    if (!record?.episode) continue;
    const distance = targetDistance(record.lastMeasured ?? record.lastValue, record.lastTarget);
    records[id] = {
      ...record,
      episode: { ...record.episode, ack: { by: actor.by, at: actor.at.toISOString(), distance } },
    };
  }
  return { state: { ...state, records }, acked: ids };
}

/** Withdraws the acks of the target's open breaches: reminders go out again. */
export function unackAlert(
  state: AlertState,
  target: AlertTarget,
): { readonly state: AlertState; readonly unacked: readonly string[] } {
  const ids = openRecords(state, target).filter((id) => state.records[id]?.episode?.ack);
  if (ids.length === 0) {
    throw new AlertCommandError(`No acknowledged alert for ${describe(target)}.`);
  }
  const records = { ...state.records };
  for (const id of ids) {
    const record = records[id];
    if (!record?.episode) continue;
    const { ack: _withdrawn, ...episode } = record.episode;
    records[id] = { ...record, episode };
  }
  return { state: { ...state, records }, unacked: ids };
}

/** Mutes the target until `until` (replacing a silence of the same target). */
export function silenceAlert(
  state: AlertState,
  target: AlertTarget,
  options: { readonly until: Date; readonly reason: string },
  actor: Actor,
): AlertState {
  if (!(options.until.getTime() > actor.at.getTime())) {
    throw new AlertCommandError(
      `--until ${options.until.toISOString()} is not in the future: give a later time, e.g. 2026-12-01T09:00:00+08:00`,
    );
  }
  const silence: StoredSilence = {
    metric: target.metric,
    ...(target.scope ? { scope: target.scope } : {}),
    until: options.until.toISOString(),
    reason: options.reason,
    by: actor.by,
    at: actor.at.toISOString(),
  };
  const others = (state.silences ?? []).filter((s) => !sameTarget(s, target));
  return { ...state, silences: [...others, silence] };
}

/** Lifts the target's silence. */
export function unsilenceAlert(state: AlertState, target: AlertTarget): AlertState {
  const silences = state.silences ?? [];
  const kept = silences.filter((s) => !sameTarget(s, target));
  if (kept.length === silences.length) {
    throw new AlertCommandError(`No silence of ${describe(target)} to lift.`);
  }
  return { ...state, silences: kept };
}

/** The silences of the state still in force at `at`. */
export function activeSilences(state: AlertState, at: Date): StoredSilence[] {
  return (state.silences ?? []).filter((s) => Date.parse(s.until) > at.getTime());
}

/** The state's silences as the state machine's rules take them. */
export function silenceRules(state: AlertState, at: Date): Silence[] {
  return activeSilences(state, at).map((s) => ({
    metric: s.metric,
    ...(s.scope ? { scope: s.scope } : {}),
    until: new Date(s.until),
    ...(s.reason ? { reason: s.reason } : {}),
  }));
}

function sameTarget(silence: StoredSilence, target: AlertTarget): boolean {
  return silence.metric === target.metric && (silence.scope ?? "") === (target.scope ?? "");
}
