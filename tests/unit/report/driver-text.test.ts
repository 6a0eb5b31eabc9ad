/**
 * A driver's line in emails, alerts and the dashboard: its own change and its share of the
 * metric's change — or, when it moved more than the whole change because other elements
 * moved the other way, that, in words: "191 % of the rise" reads as an error to a manager.
 */
import { describe, expect, it } from "vitest";
import type { Driver } from "../../../functions/lib/kpi/drivers.ts";
import { driverText } from "../../../functions/lib/report/email/i18n.ts";
import { valueFormatter } from "../../../functions/lib/report/value-format.ts";

const driver = (share: number, actual = 150, forecast = 100): Driver => ({
  dimension: "order_channel",
  element: "web",
  actual,
  forecast,
  relative: actual / forecast - 1,
  share,
  surprise: 0.1,
});

describe("driverText", () => {
  it("gives the share of the rise when the element explains part of it", () => {
    expect(driverText(driver(0.78), "en", valueFormatter("en", "CNY"))).toBe(
      "web order channel: +50.0% and 78.0% of the rise",
    );
    expect(driverText(driver(1), "en", valueFormatter("en", "CNY"))).toBe(
      "web order channel: +50.0% and 100.0% of the rise",
    );
  });

  it("says 'more than the whole rise' instead of a share above 100 %, in English and Chinese", () => {
    expect(driverText(driver(1.912), "en", valueFormatter("en", "CNY"))).toBe(
      "web order channel: +50.0%, more than the whole rise (others moved the other way)",
    );
    expect(driverText(driver(1.3, 50, 100), "en", valueFormatter("en", "CNY"))).toBe(
      "web order channel: -50.0%, more than the whole drop (others moved the other way)",
    );
    expect(driverText(driver(2.117), "zh-CN", valueFormatter("zh-CN", "CNY"))).toBe(
      "下单渠道 web：+50.0%，超过全部增幅（其余反向变动）",
    );
  });
});
