/**
 * Where pulse results are kept: one JSON Lines file per local day of the report zone
 * (`pulses/<day>.jsonl`, one line per pulse), so that the daily report can list yesterday's
 * stalls and replay can test stall rules over history. A folder locally
 * (`adapters/fs-pulse-store.ts`), the state bucket in AWS (`adapters/s3-pulse-store.ts`).
 */
import type { PulseResult } from "../kpi/pulse.ts";

/** One stored pulse: the result and what it sent. */
export interface PulseRecord extends PulseResult {
  readonly runId: string;
  /** Alert notifications of the pulse (keys and kinds); empty when nothing was sent. */
  readonly notifications: readonly { readonly key: string; readonly kind: string }[];
}

/** The pulse results of each local day. */
export interface PulseStore {
  /** Adds one pulse to its day's file. */
  append(record: PulseRecord): Promise<void>;
  /** The pulses of a local day, in the order stored. */
  day(localDate: string): Promise<readonly PulseRecord[]>;
}

/** The stored pulses of a day as JSON Lines text (and back). */
export function toJsonLines(records: readonly PulseRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join("");
}

export function fromJsonLines(text: string): PulseRecord[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as PulseRecord);
}

/** The object key of a day's pulses. */
export function pulseDayKey(localDate: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(localDate)) {
    throw new Error(`pulse day must be YYYY-MM-DD, got "${localDate}"`);
  }
  return `pulses/${localDate}.jsonl`;
}

/**
 * The stalls a day's pulses raised (first pulse of each), for the daily report's
 * "yesterday's stalls": table, scope, when it was first seen and when it resolved.
 */
export function stallsOfDay(records: readonly PulseRecord[]): {
  readonly table: string;
  readonly scope: string;
  readonly from: string;
  readonly to: string | null;
}[] {
  const open = new Map<string, { table: string; scope: string; from: string; to: string | null }>();
  const done: { table: string; scope: string; from: string; to: string | null }[] = [];
  for (const record of [...records].sort((a, b) => (a.at < b.at ? -1 : 1))) {
    for (const f of record.findings) {
      if (f.rule !== "stall") continue;
      const key = `${f.table}/${f.scope}`;
      const episode = open.get(key);
      if (f.status === "breach" && !episode) {
        open.set(key, { table: f.table, scope: f.scope, from: record.at, to: null });
      } else if (f.status === "met" && episode) {
        done.push({ ...episode, to: record.at });
        open.delete(key);
      }
    }
  }
  return [...done, ...open.values()].sort((a, b) => (a.from < b.from ? -1 : 1));
}
