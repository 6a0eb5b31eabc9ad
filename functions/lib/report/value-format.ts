/**
 * The number, money and date formats of one locale and currency, shared by the emails, the
 * dashboard, the alerts and the chat cards. Apart from the email strings so that a chat
 * function formats a value without carrying the email's texts.
 */
import type { Locale, Unit } from "../kpi/registry.ts";

/** The words of the units, per locale. */
export const UNIT_WORDS: Readonly<
  Record<
    Locale,
    { readonly minutes: string; readonly percentPoints: string; readonly times: string }
  >
> = {
  en: { minutes: "min", percentPoints: "pp", times: "×" },
  "zh-CN": { minutes: "分钟", percentPoints: "个百分点", times: "倍" },
};

/** Formats values of each unit for one locale and currency. */
export interface ValueFormatter {
  value(unit: Unit, value: number | null): string;
  /** A plain number (detail tables), with up to 2 decimals. */
  number(value: number): string;
  /** A signed share, e.g. `+4.1%`. */
  signedPercent(share: number): string;
  /** A signed difference in the unit, e.g. `+2.1 pp` for percent, `+12` for counts. */
  signedChange(unit: Unit, change: number): string;
  /** A calendar date `YYYY-MM-DD`, long form (`Sunday, 1 March 2026`). */
  longDate(date: string): string;
  /** A calendar date, short form without weekday (`1 Mar 2026`). */
  shortDate(date: string): string;
}

export const EMPTY_VALUE = "—";

/** The formatter of `locale`, with money in `currency`. */
export function valueFormatter(locale: Locale, currency: string): ValueFormatter {
  const units = UNIT_WORDS[locale];
  const count = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  const ratio = new Intl.NumberFormat(locale, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const percent = new Intl.NumberFormat(locale, {
    style: "percent",
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  const signedPercent = new Intl.NumberFormat(locale, {
    style: "percent",
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    signDisplay: "exceptZero",
  });
  const points = new Intl.NumberFormat(locale, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    signDisplay: "exceptZero",
  });
  const signedCount = new Intl.NumberFormat(locale, {
    maximumFractionDigits: 2,
    signDisplay: "exceptZero",
  });
  const money = new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const signedMoney = new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
    signDisplay: "exceptZero",
  });
  const dateLong = new Intl.DateTimeFormat(locale, {
    timeZone: "UTC",
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
  });
  const dateShort = new Intl.DateTimeFormat(locale, {
    timeZone: "UTC",
    year: "numeric",
    month: "short",
    day: "numeric",
  });
  const asDate = (date: string) => new Date(`${date}T00:00:00Z`);
  return {
    value(unit, value) {
      if (value === null || !Number.isFinite(value)) return EMPTY_VALUE;
      switch (unit) {
        case "count":
          return count.format(value);
        case "percent":
          return percent.format(value);
        case "money":
          return money.format(value);
        case "ratio":
          return `${ratio.format(value)}${units.times}`;
        case "minutes":
          return `${count.format(value)} ${units.minutes}`;
      }
    },
    number: (value) => decimal.format(value),
    signedPercent: (share) => signedPercent.format(share),
    signedChange(unit, change) {
      switch (unit) {
        case "percent":
          return `${points.format(change * 100)} ${units.percentPoints}`;
        case "money":
          return signedMoney.format(change);
        case "minutes":
          return `${signedCount.format(change)} ${units.minutes}`;
        default:
          return signedCount.format(change);
      }
    },
    longDate: (date) => dateLong.format(asDate(date)),
    shortDate: (date) => dateShort.format(asDate(date)),
  };
}
