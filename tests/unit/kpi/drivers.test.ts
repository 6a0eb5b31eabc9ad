import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ElementChange,
  findDrivers,
  jsDivergence,
  scoreDimension,
} from "../../../functions/lib/kpi/drivers.ts";

const el = (
  dimension: string,
  element: string,
  forecast: number,
  actual: number,
): ElementChange => ({
  dimension,
  element,
  forecast,
  actual,
});

// DAU fell from a forecast of 1 000 to 700: the app channel lost 300 users, web and ads
// moved by 10; new users lost 10 and returning users 290.
const dauDrop = [
  el("channel", "app", 500, 200),
  el("channel", "web", 300, 290),
  el("channel", "ads", 200, 210),
  el("user_type", "new", 100, 90),
  el("user_type", "returning", 900, 610),
];

describe("Adtributor explanatory power and surprise (hand-computed)", () => {
  it("gives each element its share of the change and its Jensen–Shannon surprise", () => {
    const channel = scoreDimension(
      { kind: "additive", actual: 700, forecast: 1000 },
      dauDrop.filter((e) => e.dimension === "channel"),
    );
    const app = channel.find((d) => d.element === "app");
    // EP = (200 − 500) / (700 − 1000) = 1; own change 200 / 500 − 1 = −60 %.
    expect(app?.share).toBe(1);
    expect(app?.relative).toBeCloseTo(-0.6, 12);
    // p = 500 / 1000, q = 200 / 700: JS = 0.021347737…
    expect(app?.surprise).toBeCloseTo(0.0213477375, 9);
    const web = channel.find((d) => d.element === "web");
    expect(web?.share).toBeCloseTo(10 / 300, 12);
    expect(web?.surprise).toBeCloseTo(0.0066236089, 9);
    const ads = channel.find((d) => d.element === "ads");
    expect(ads?.share).toBeCloseTo(-10 / 300, 12);
  });

  it("picks the most surprising dimension's explaining set first", () => {
    const drivers = findDrivers({ kind: "additive", actual: 700, forecast: 1000 }, dauDrop);
    expect(drivers.map((d) => `${d.dimension}=${d.element}`)).toEqual([
      "channel=app",
      "user_type=returning",
    ]);
  });

  it("scales a dimension's forecasts to the metric's forecast, so contributions add up to the change", () => {
    // Element medians add up to 900, the band's median is 1 000: each forecast × 10/9.
    const scored = scoreDimension({ kind: "additive", actual: 950, forecast: 1000 }, [
      el("channel", "app", 450, 400),
      el("channel", "web", 450, 550),
    ]);
    expect(scored.map((d) => d.forecast)).toEqual([500, 500]);
    expect(scored.map((d) => d.share)).toEqual([2, -1]); // (400 − 500) / −50, (550 − 500) / −50
  });

  it("uses the derived-measure rule for a ratio (AOV = GMV / orders): a mix shift", () => {
    // app: 100 → 50 orders at an unchanged AOV of 100; web: 100 orders at 200, unchanged.
    // AOV rises from 30 000 / 200 = 150 to 25 000 / 150 = 166.67, all of it from app's fall.
    const ratio = (element: string, gmv: [number, number], orders: [number, number]) => ({
      dimension: "order_channel",
      element,
      forecast: gmv[0],
      actual: gmv[1],
      forecastDenominator: orders[0],
      actualDenominator: orders[1],
    });
    const scored = scoreDimension({ kind: "ratio", actual: 166.67, forecast: 150 }, [
      ratio("app", [10_000, 5_000], [100, 50]),
      ratio("web", [20_000, 20_000], [100, 100]),
    ]);
    const [app, web] = scored;
    expect(app?.share).toBeCloseTo(1, 12);
    expect(app?.relative).toBe(0); // its own AOV did not move
    expect(app?.surprise).toBeCloseTo(0.0242548515, 9);
    expect(web?.share).toBeCloseTo(0, 12);
    expect(web?.surprise).toBeCloseTo(0.0129947656, 9);
  });

  it("lets overlapping distinct counts explain more than the change (the overlap caveat)", () => {
    // 100 users who were on app and web both vanish: each channel lost 100 of a drop of 100.
    const scored = scoreDimension({ kind: "distinct", actual: 900, forecast: 1000 }, [
      el("channel", "app", 600, 500),
      el("channel", "web", 500, 400),
    ]);
    expect(scored.map((d) => d.share)).toEqual([1, 1]);
  });

  it("finds no drivers when nothing changed", () => {
    expect(
      findDrivers({ kind: "additive", actual: 10, forecast: 10 }, [el("c", "a", 10, 10)]),
    ).toEqual([]);
  });

  it("has a Jensen–Shannon divergence of 0 for equal shares and 0.5 for a share that vanished", () => {
    expect(jsDivergence(0.3, 0.3)).toBe(0);
    expect(jsDivergence(0.5, 0)).toBeCloseTo(0.25, 12);
    expect(jsDivergence(1, 0)).toBeCloseTo(0.5, 12);
  });
});

describe("property: the contributions of an additive metric's elements add up to its change", () => {
  it("holds for any partition of the metric and any forecast", () => {
    const element = fc.record({
      forecast: fc.integer({ min: 0, max: 10_000 }),
      actual: fc.integer({ min: 0, max: 10_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(element, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 100_000 }),
        (elements, metricForecast) => {
          const actual = elements.reduce((s, e) => s + e.actual, 0);
          const forecastSum = elements.reduce((s, e) => s + e.forecast, 0);
          fc.pre(forecastSum > 0 && actual !== metricForecast);
          const scored = scoreDimension(
            { kind: "additive", actual, forecast: metricForecast },
            elements.map((e, i) => el("d", `e${i}`, e.forecast, e.actual)),
          );
          const contributions = scored.reduce((s, d) => s + (d.actual - d.forecast), 0);
          expect(contributions).toBeCloseTo(actual - metricForecast, 6);
          expect(scored.reduce((s, d) => s + d.share, 0)).toBeCloseTo(1, 9);
        },
      ),
      { numRuns: 300 },
    );
  });
});
