/**
 * `opspulse run --wait`: the flags (durations, combinations) and a real wait in-process —
 * 1-second checks and a 2-second deadline on a lake whose orders never land: one progress
 * line per check, the report sent once at the deadline marked incomplete, one waiting notice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitPolicyOption } from "../../../../functions/cli/commands/run-wait.ts";
import { lateOrdersLake } from "../../../faults/support/late-orders.ts";
import {
  countByList,
  createLocalWorld,
  type LocalWorld,
  outbox,
} from "../../../faults/support/local-world.ts";
import { runCli } from "./capture.ts";

let world: LocalWorld;
beforeAll(async () => {
  world = await createLocalWorld();
});
afterAll(() => world?.close());

describe("--wait options", () => {
  const configured = { intervalMs: 5 * 60_000, deadlineMs: 3_600_000 };

  it("takes the flags over the config over the defaults", () => {
    expect(waitPolicyOption({ email: true }, configured)).toBeUndefined();
    expect(waitPolicyOption({ wait: true, email: true }, undefined)).toEqual({
      intervalMs: 15 * 60_000,
      deadlineMs: 2 * 3_600_000,
    });
    expect(waitPolicyOption({ wait: true, email: true }, configured)).toEqual(configured);
    expect(
      waitPolicyOption(
        { wait: true, email: true, waitInterval: "10s", waitDeadline: "2h" },
        configured,
      ),
    ).toEqual({ intervalMs: 10_000, deadlineMs: 7_200_000 });
  });

  it("refuses what cannot work, in one line naming the fix", () => {
    expect(() =>
      waitPolicyOption({ wait: true, email: true, waitInterval: "15 minutes" }, undefined),
    ).toThrow(
      '--wait-interval: "15 minutes" is not a duration: write a whole number and s, m or h, e.g. 10s, 15m, 2h',
    );
    expect(() => waitPolicyOption({ email: true, waitDeadline: "2h" }, undefined)).toThrow(
      "--wait-interval and --wait-deadline go with --wait: add --wait",
    );
    expect(() => waitPolicyOption({ wait: true, dryRun: true, email: true }, undefined)).toThrow(
      "--wait holds a run until it can deliver, --dry-run delivers nothing: use one",
    );
    expect(() =>
      waitPolicyOption(
        { wait: true, email: true, waitInterval: "1h", waitDeadline: "10m" },
        undefined,
      ),
    ).toThrow("--wait-deadline 10 min is shorter than the interval 1 h");
  });
});

describe("opspulse run --wait", () => {
  it("prints a line per check and sends at the deadline when the data never lands", async () => {
    const lake = await lateOrdersLake(world, "cli-wait", "2026-03-02");
    const out = world.newOut("cli-wait");
    const result = await runCli([
      "run",
      "daily",
      "--date",
      "2026-03-02",
      "--lake",
      lake.lakeDir,
      "--out",
      out,
      "--config",
      world.configDir,
      "--send",
      "--wait",
      "--wait-interval",
      "1s",
      "--wait-deadline",
      "2s",
    ]);
    expect(result.stderr).toMatch(
      /^check 1 at \d\d:\d\d: waiting for data: orders: partition dt=2026-03-02 is missing/m,
    );
    expect(result.stderr).toMatch(
      /^check \d at \d\d:\d\d: deadline reached, sending marked incomplete\.$/m,
    );
    const checks = result.stderr.split("\n").filter((line) => line.startsWith("check "));
    expect(checks.length).toBeGreaterThanOrEqual(2);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/daily report 2026-03-02 .*: ok/);
    const emails = countByList(outbox(out));
    expect(emails).toMatchObject({ managers: 1, "on-call.waiting": 1 });

    // alerts status lists the period that waited.
    const status = await runCli([
      "alerts",
      "status",
      "--lake",
      lake.lakeDir,
      "--out",
      out,
      "--config",
      world.configDir,
    ]);
    expect(status.stdout).toMatch(
      /^ {2}SENT AFTER WAIT {2}daily 2026-03-02: sent marked incomplete \(deadline\) at .* after waiting \d+ min for orders data \(check \d\)$/m,
    );
  }, 60_000);

  it("refuses --wait on a period that would only be previewed, naming --send", async () => {
    const result = await runCli([
      "run",
      "daily",
      "--date",
      "2026-03-02",
      "--lake",
      world.lakeDir,
      "--out",
      world.newOut("cli-preview"),
      "--config",
      world.configDir,
      "--wait",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /--wait holds a run that delivers, but daily 2026-03-02 is not the latest period due .*add --send to deliver it/,
    );
  }, 60_000);
});
