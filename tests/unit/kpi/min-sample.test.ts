/**
 * A metric's own `min_sample` (targets.yaml) replaces the global one (settings.yaml) for
 * that metric, lower or higher: the module computes the ratio with it, and evaluation
 * judges it with it. Here the D30 cohort has 99 users, below the global 100.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../functions/lib/config/load.ts";
import { evaluate } from "../../../functions/lib/kpi/evaluate.ts";
import { metric } from "../../../functions/lib/kpi/registry.ts";
import { userKpis } from "../../../functions/lib/kpi/user-kpis.ts";
import { periodContaining } from "../../../functions/lib/kpi/windows.ts";
import { USER_KPI_COUNTS } from "../../support/user-kpi-counts.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The repository's config with extra lines in targets.yaml's `targets:` mapping. */
function configWith(name: string, targets: string) {
  const dir = join(root, name);
  cpSync(join(import.meta.dirname, "../../../config"), dir, { recursive: true });
  writeFileSync(join(dir, "targets.yaml"), `default_warning_band: 0.1\ntargets:\n${targets}`);
  return loadConfig(dir);
}

function judgeD30(config: ReturnType<typeof loadConfig>) {
  const values = userKpis(
    USER_KPI_COUNTS,
    periodContaining("day", "2026-03-31", "Asia/Shanghai"),
    config.kpi,
  );
  const value = values.retention_d30;
  if (!value) throw new Error("no retention_d30");
  return {
    value: value.value,
    status: evaluate({
      metric: metric("retention_d30"),
      value,
      ...(config.targets.retention_d30 ? { target: config.targets.retention_d30 } : {}),
    }).status,
  };
}

describe("per-metric min_sample", () => {
  it("below the global one turns insufficient data into a value", () => {
    const global = configWith("global", "  retention_d30:\n    target: 0.25\n");
    expect(judgeD30(global)).toEqual({ value: null, status: "insufficient_data" });

    const lower = configWith("lower", "  retention_d30:\n    target: 0.25\n    min_sample: 50\n");
    expect(lower.kpi.minSample).toBe(100);
    expect(judgeD30(lower)).toEqual({ value: 30 / 99, status: "met" });
  });

  it("above the global one turns a value into insufficient data, for that metric only", () => {
    const higher = configWith("higher", "  retention_d1:\n    min_sample: 500\n");
    const values = userKpis(
      USER_KPI_COUNTS,
      periodContaining("day", "2026-03-31", "Asia/Shanghai"),
      higher.kpi,
    );
    expect(values.retention_d1).toMatchObject({ value: null, reason: "insufficient_sample" });
    expect(values.retention_d7?.value).toBe(60 / 150);
  });
});
