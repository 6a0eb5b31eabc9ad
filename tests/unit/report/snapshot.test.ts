import { describe, expect, it } from "vitest";
import { periodContaining, sameZone } from "../../../functions/lib/kpi/windows.ts";
import {
  isZonedKey,
  reportPeriodKey,
  unzonedKey,
  zonedKey,
} from "../../../functions/lib/report/snapshot.ts";

describe("zonedKey", () => {
  it("keeps the key of the configured zone, by any spelling of the zone", () => {
    for (const zone of ["Asia/Shanghai", "asia/shanghai", "PRC"]) {
      expect(zonedKey("2026-03-01", zone, "Asia/Shanghai")).toBe("2026-03-01");
    }
    expect(sameZone("US/Eastern", "America/New_York")).toBe(true);
    expect(sameZone("America/Chicago", "America/New_York")).toBe(false);
  });

  it("puts any other zone first, as one key segment", () => {
    expect(zonedKey("2026-W09", "America/New_York", "Asia/Shanghai")).toBe(
      "tz=America.New_York/2026-W09",
    );
    expect(zonedKey("cmp_0014/2026-03-01", "Etc/GMT+5", "Asia/Shanghai")).toBe(
      "tz=Etc.GMT=2B5/cmp_0014/2026-03-01",
    );
    expect(zonedKey("2026-03-01", "Etc/GMT-5", "Asia/Shanghai")).toBe("tz=Etc.GMT-5/2026-03-01");
    expect(reportPeriodKey(periodContaining("day", "2026-03-01", "UTC"), "Asia/Shanghai")).toBe(
      "tz=UTC/2026-03-01",
    );
  });

  it("is undone by unzonedKey, and sorts after every plain period key", () => {
    const key = zonedKey("2026-03-01", "America/New_York", "Asia/Shanghai");
    expect(isZonedKey(key)).toBe(true);
    expect(isZonedKey("2026-03-01")).toBe(false);
    expect(unzonedKey(key)).toBe("2026-03-01");
    expect(unzonedKey("cmp_1/2026-03-01")).toBe("cmp_1/2026-03-01");
    expect(key > "9999-W99").toBe(true);
  });
});
