/**
 * "Yesterday's stalls" in the daily report: an `afterSnapshot` hook of the report use case
 * that reads the pulses stored for the report's day (`pulses/<day>.jsonl`) and adds one
 * notice listing the stalls they raised, when and for how long, to every email of a daily
 * run. A day without pulses or stalls adds nothing.
 */
import type { Locale } from "../kpi/registry.ts";
import type { ReportNotice } from "../report/email/model.ts";
import type { AfterSnapshotHook } from "../report/run-hooks.ts";
import { type PulseStore, stallsOfDay } from "./store.ts";

/** `10:45` of an instant in the zone. */
function localClock(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(iso));
}

/** The notice of a day's stalls, or undefined when there were none. */
export function stallsNotice(
  stalls: ReturnType<typeof stallsOfDay>,
  timeZone: string,
): ReportNotice | undefined {
  if (stalls.length === 0) return undefined;
  const what = (locale: Locale) =>
    stalls
      .map((s) => {
        const table = locale === "en" ? s.table : s.table === "events" ? "事件" : "订单";
        const scope =
          s.scope === "all"
            ? ""
            : ` (${s.scope.replace("channel:", locale === "en" ? "channel " : "渠道 ")})`;
        const to = s.to ? localClock(s.to, timeZone) : locale === "en" ? "end of day" : "日终";
        return `${table}${scope} ${localClock(s.from, timeZone)}–${to}`;
      })
      .join("; ");
  return {
    level: "warning",
    text: {
      en: `Stalls seen by the pulse: ${what("en")}.`,
      "zh-CN": `脉搏检测到的数据中断：${what("zh-CN")}。`,
    },
  };
}

/** The hook: the daily report's day's stalls as a notice. */
export function createYesterdayStallsHook(pulses: PulseStore): AfterSnapshotHook {
  return {
    name: "pulse-stalls",
    async run(context) {
      if (context.period.kind !== "day") return undefined;
      const notice = stallsNotice(
        stallsOfDay(await pulses.day(context.period.start)),
        context.period.timeZone,
      );
      return notice ? { notices: [notice] } : undefined;
    },
  };
}
