import { describe, expect, it } from "vitest";
import { sparklineSvg } from "../../../functions/lib/charts/sparkline.ts";

const size = { width: 240, height: 52 };
const points = (values: (number | null)[]) =>
  values.map((value, i) => ({ label: `11-${String(i + 1).padStart(2, "0")}`, value }));

describe("sparklineSvg", () => {
  it("draws one line through the values, the first and last period, and the last point", () => {
    const svg = sparklineSvg(points([1, 2, 3, 2]), { ...size, lastColor: "#b91c1c" });
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg).toContain(">11-01</text>");
    expect(svg).toContain(">11-04</text>");
    expect(svg).toMatch(/<circle [^>]*r="3.25" fill="#b91c1c"/);
    // x spans the width, y the plot: the first value is at the bottom, the largest at the top.
    const line = /<polyline points="([^"]+)"/.exec(svg)?.[1]?.split(" ") ?? [];
    expect(line[0]).toBe("4.0,35.0");
    expect(line[2]).toBe("158.7,4.0");
    expect(line[3]).toBe("236.0,19.5");
  });

  it("breaks the line at a period without a value", () => {
    const svg = sparklineSvg(points([1, 2, null, 3, 4]), size);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  });

  it("draws the target when it is near the values, not when it would flatten them", () => {
    expect(sparklineSvg(points([10, 12, 11]), { ...size, target: 13 })).toContain(
      'stroke-dasharray="4 3"',
    );
    expect(sparklineSvg(points([10, 12, 11]), { ...size, target: 1000 })).not.toContain(
      "stroke-dasharray",
    );
  });

  it("copes with a flat line, one point and no values", () => {
    expect(sparklineSvg(points([5, 5, 5]), size)).not.toContain("NaN");
    expect(sparklineSvg(points([7]), size)).not.toContain("NaN");
    expect(sparklineSvg(points([null, null]), size)).not.toContain("<polyline");
  });

  it("escapes labels", () => {
    expect(sparklineSvg([{ label: "<a&b>", value: 1 }], size)).toContain("&lt;a&amp;b&gt;");
  });
});
