import { describe, expect, it } from "vitest";
import { dateRangeOptions } from "../../../functions/cli/commands/run.ts";
import { UserError } from "../../../functions/cli/errors.ts";

describe("dateRangeOptions", () => {
  it("returns the validated range, one day included", () => {
    expect(dateRangeOptions({ from: "2026-03-01", to: "2026-03-08" })).toEqual({
      from: "2026-03-01",
      to: "2026-03-08",
    });
    expect(dateRangeOptions({ from: "2026-03-01", to: "2026-03-01" })).toEqual({
      from: "2026-03-01",
      to: "2026-03-01",
    });
  });

  it("names the flag of a date that is not a date", () => {
    expect(() => dateRangeOptions({ from: "2026-02-30", to: "2026-03-08" })).toThrow(/^--from: /);
    expect(() => dateRangeOptions({ from: "2026-03-01", to: "03/08/2026" })).toThrow(/^--to: /);
  });

  it("refuses --to before --from with a UserError saying to swap them", () => {
    const call = () => dateRangeOptions({ from: "2026-03-08", to: "2026-03-01" });
    expect(call).toThrow(UserError);
    expect(call).toThrow("--to 2026-03-01 is before --from 2026-03-08: swap them");
  });
});
