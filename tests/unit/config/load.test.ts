import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  type ConfigSource,
  defaultConfig,
  loadConfig,
  parseConfig,
} from "../../../functions/lib/config/load.ts";
import { METRICS } from "../../../functions/lib/kpi/registry.ts";

const REPO_CONFIG = join(import.meta.dirname, "../../../config");

/** The problems of a config made of these files (the others absent). */
function problemsOf(files: Record<string, string>): readonly string[] {
  const sources: ConfigSource[] = Object.entries(files).map(([file, text]) => ({ file, text }));
  try {
    parseConfig(sources, "config");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("the repository's config", () => {
  it("is valid and resolves a target for every metric with a plan target", () => {
    const config = loadConfig(REPO_CONFIG);
    for (const def of METRICS.filter((m) => m.defaultTarget !== undefined)) {
      expect(config.targets[def.id], def.id).toBeDefined();
    }
    expect(config.timeZone).toBe("Asia/Shanghai");
    expect(config.schedules.daily).toEqual({
      cron: "0 8 * * *",
      timeZone: "Asia/Shanghai",
      enabled: true,
    });
    expect(config.schedules.weekly.cron).toBe("30 8 * * 1");
    expect(config.recipients.daily.map((list) => list.locale)).toContain("zh-CN");
    expect(config.version).toMatch(/^cfg-[0-9a-f]{12}$/);
  });

  it("names only example.com addresses", () => {
    for (const file of readdirSync(REPO_CONFIG)) {
      const text = readFileSync(join(REPO_CONFIG, file), "utf8");
      for (const [address] of text.matchAll(/[\w.+-]+@[\w.-]+/g)) {
        expect(address, `${file}: ${address}`).toMatch(/@example\.com$/);
      }
    }
  });
});

describe("defaults", () => {
  it("takes the plan's targets from the registry when no file overrides them", () => {
    const config = defaultConfig();
    expect(config.targets.retention_d1).toEqual({
      value: 0.55,
      basis: "value",
      warningBand: 0.1,
      minSample: 100,
    });
    expect(config.targets.new_users?.basis).toBe("yoy_growth");
    expect(config.targets.content_published_video?.basis).toBe("monthly_prorated");
    expect(config.targets.dau).toBeUndefined();
    expect(config.targets.ltv_30).toBeUndefined(); // no baseline configured
    expect(config.schedules.campaigns.timeZone).toBe("Asia/Shanghai");
    expect(config.recipients.daily).toEqual([]);
    expect(config.kpi.minSample).toBe(100);
  });

  it("applies overrides, the default band, min samples and the LTV baseline", () => {
    const config = parseConfig(
      [
        {
          file: "targets.yaml",
          text: "default_warning_band: 0.2\ntargets:\n  retention_d1: { target: 0.5, min_sample: 30 }\n  stickiness: { warning_band: 0.05 }\n  repurchase_rate: { target: null }\n",
        },
        { file: "settings.yaml", text: "kpi:\n  min_sample: 50\n  ltv_30_baseline: 40\n" },
      ],
      "config",
    );
    expect(config.targets.retention_d1).toEqual({
      value: 0.5,
      basis: "value",
      warningBand: 0.2,
      minSample: 30,
    });
    expect(config.targets.stickiness).toEqual({
      value: 0.3,
      basis: "value",
      warningBand: 0.05,
      minSample: 50,
    });
    expect(config.targets.repurchase_rate).toBeUndefined();
    expect(config.targets.ltv_30?.value).toBe(60);
    expect(config.kpi.minSample).toBe(50);
  });

  it("versions the config by the files' content", () => {
    const a = parseConfig([{ file: "targets.yaml", text: "targets: {}\n" }], "config");
    const b = parseConfig([{ file: "targets.yaml", text: "targets: {}\n# note\n" }], "config");
    const c = parseConfig([{ file: "targets.yaml", text: "targets: {}\n" }], "elsewhere");
    expect(a.version).not.toBe(b.version);
    expect(a.version).toBe(c.version);
  });
});

describe("errors name the file, the path in it and what was expected", () => {
  it("rejects a percentage target written as a whole number", () => {
    expect(problemsOf({ "targets.yaml": "targets:\n  retention_d1:\n    target: 55\n" })).toEqual([
      "config/targets.yaml: targets.retention_d1.target: expected a number between 0 and 1 (line 3)",
    ]);
  });

  it("suggests the metric id meant", () => {
    const [problem] = problemsOf({
      "targets.yaml": "targets:\n  retention_d9:\n    target: 0.1\n",
    });
    expect(problem).toMatch(
      /^config\/targets\.yaml: targets\.retention_d9: unknown metric "retention_d9" \(did you mean retention_d1\?\)/,
    );
  });

  it("rejects unknown keys (strict schemas) and wrong types", () => {
    const problems = problemsOf({
      "targets.yaml": "targets:\n  gmv:\n    targt: 1\n  aov:\n    target: high\n",
    });
    expect(problems).toContain(
      'config/targets.yaml: targets.gmv.targt: unknown key "targt" (line 3)',
    );
    expect(problems).toContain(
      "config/targets.yaml: targets.aov.target: expected a number (or null for no target) (line 5)",
    );
  });

  it("checks the range of a target by unit and basis", () => {
    expect(
      problemsOf({
        "targets.yaml":
          "targets:\n  new_users: { target: -1.5 }\n  avg_reach: { target: -3 }\n  viral_k: { target: 2 }\n",
      }),
    ).toEqual([
      "config/targets.yaml: targets.new_users.target: expected a growth rate above -1, e.g. 0.3 for +30 % a year (line 2)",
      "config/targets.yaml: targets.avg_reach.target: expected a number ≥ 0 (line 3)",
    ]);
  });

  it("reports invalid YAML with its position", () => {
    const [problem] = problemsOf({ "settings.yaml": "kpi: [1, 2\n" });
    expect(problem).toMatch(/^config\/settings\.yaml: line \d+, column \d+: invalid YAML: /);
  });

  it("checks schedules: cron fields and time zones", () => {
    expect(
      problemsOf({
        "schedules.yaml":
          "time_zone: Mars/Olympus\nschedules:\n  daily: { cron: '0 25 * * *' }\n  weekly: { cron: '30 8 * * 1', time_zone: Europe/Paris }\n",
      }),
    ).toEqual([
      "config/schedules.yaml: time_zone: expected an IANA time zone such as Asia/Shanghai (line 1)",
      'config/schedules.yaml: schedules.daily.cron: expected a 5-field cron "minute hour day-of-month month day-of-week", e.g. "30 8 * * 1" (line 3)',
    ]);
    const config = parseConfig(
      [
        {
          file: "schedules.yaml",
          text: "schedules:\n  weekly: { cron: '*/15 8-9 * * 1-5', time_zone: Europe/Paris }\n",
        },
      ],
      "config",
    );
    expect(config.schedules.weekly).toEqual({
      cron: "*/15 8-9 * * 1-5",
      timeZone: "Europe/Paris",
      enabled: true,
    });
    expect(config.schedules.daily.cron).toBe("0 8 * * *");
  });

  it("checks recipient lists: names, locales, addresses, duplicates", () => {
    const problems = problemsOf({
      "recipients.yaml": [
        "sender: not an address",
        "reports:",
        "  daily:",
        "    - name: managers",
        "      locale: fr",
        "      to: [boss@example.com, nobody]",
        "    - name: managers",
        "      to: [a@example.com]",
        "",
      ].join("\n"),
    });
    expect(problems).toEqual([
      "config/recipients.yaml: sender: expected an email address such as reports@example.com (line 1)",
      'config/recipients.yaml: reports.daily[0].locale: expected "en" or "zh-CN" (line 5)',
      "config/recipients.yaml: reports.daily[0].to[1]: expected an email address such as reports@example.com (line 6)",
      'config/recipients.yaml: reports.daily[1].name: expected a unique list name, "managers" appears twice (line 7)',
    ]);
  });

  it("refuses a list of more than 50 addresses, SES's limit for one message", () => {
    const addresses = (n: number) =>
      Array.from({ length: n }, (_, i) => `ops-${i}@example.com`).join(", ");
    const recipients = (n: number) =>
      ["reports:", "  daily:", "    - name: everyone", `      to: [${addresses(n)}]`, ""].join(
        "\n",
      );
    expect(problemsOf({ "recipients.yaml": recipients(50) })).toEqual([]);
    expect(problemsOf({ "recipients.yaml": recipients(51) })).toEqual([
      "config/recipients.yaml: reports.daily[0].to: expected at most 50 addresses (SES sends one message to at most 50 recipients): split the list in two (line 4)",
    ]);
  });

  it("reports every file's problems at once", () => {
    const problems = problemsOf({
      "targets.yaml": "targets:\n  dau: { target: -1 }\n",
      "settings.yaml": "kpi:\n  currency: yuan\n",
    });
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "config/targets.yaml",
      "config/settings.yaml",
    ]);
  });

  it("names a missing config folder", () => {
    expect(() => loadConfig(join(tmpdir(), "opspulse-no-such-config"))).toThrow(
      /no such config folder/,
    );
  });

  it("reads a folder from disk", () => {
    const dir = mkdtempSync(join(tmpdir(), "opspulse-"));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "targets.yaml"), "targets:\n  stickiness:\n    target: 3\n");
    expect(() => loadConfig(dir)).toThrow(
      `${join(dir, "targets.yaml")}: targets.stickiness.target: expected a number between 0 and 1 (line 3)`,
    );
  });
});
