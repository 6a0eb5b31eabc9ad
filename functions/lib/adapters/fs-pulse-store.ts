/** The local {@link PulseStore}: `<out>/pulses/<day>.jsonl`, appended one line per pulse. */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fromJsonLines, type PulseStore, pulseDayKey, toJsonLines } from "../pulse/store.ts";

export function createFsPulseStore(options: { readonly dir: string }): PulseStore {
  const pathOf = (day: string) => join(options.dir, pulseDayKey(day));
  return {
    async append(record) {
      const path = pathOf(record.today);
      mkdirSync(dirname(path), { recursive: true });
      // One write of one line: appends of concurrent pulses do not interleave.
      appendFileSync(path, toJsonLines([record]));
    },
    async day(localDate) {
      const path = pathOf(localDate);
      return existsSync(path) ? fromJsonLines(readFileSync(path, "utf8")) : [];
    },
  };
}
