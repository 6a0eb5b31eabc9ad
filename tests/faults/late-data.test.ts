/**
 * Fault: data arrives after the report was sent (a late upload of the day's orders).
 *
 * Expected: a plain re-run (a duplicate trigger) still sends nothing; `opspulse run
 * --no-email` stores a new snapshot revision with the late data and keeps the old one;
 * `--resend` sends the report again, marked "Correction" / "更正", under a delivery key of
 * its own revision, once — re-running afterwards sends nothing more.
 *
 * Through the CLI in-process (`main(argv)`), on a copy of the small lake.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLake } from "../../functions/lib/lake/writer.ts";
import { runCli } from "../unit/cli/commands/capture.ts";
import { countByList, createLocalWorld, type LocalWorld, outbox } from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

const DAY = "2026-03-02";
let world: LocalWorld;
let lake: string;
let out: string;

beforeAll(async () => {
  world = await createLocalWorld();
  // Managers read English and Chinese.
  writeFileSync(
    join(world.configDir, "recipients.yaml"),
    [
      "reports:",
      "  daily:",
      "    - { name: managers, locale: en, to: [ops-director@example.com] }",
      "    - { name: managers-zh, locale: zh-CN, to: [yunying-zongjian@example.com] }",
      "  weekly:",
      "    - { name: managers, locale: en, to: [ops-director@example.com] }",
      "  campaigns:",
      "    - { name: campaign-team, locale: en, to: [campaigns@example.com] }",
      "on_call:",
      "  to: [oncall@example.com]",
      "",
    ].join("\n"),
  );
  lake = await world.lakeCopy("late", () => {});
  out = world.newOut("late");
});
afterAll(() => world?.close());

const run = (...flags: string[]) =>
  runCli([
    "run",
    "daily",
    "--date",
    DAY,
    "--lake",
    lake,
    "--out",
    out,
    "--config",
    world.configDir,
    // A past day: delivered only when asked to.
    "--send",
    ...flags,
  ]);

/** The managers' emails in the outbox (on-call's are not this test's business). */
const managerEmails = () => outbox(out).filter((email) => email.list.startsWith("managers"));

/** GMV of each stored revision of the day, oldest first. */
function revisions(): { file: string; gmv: unknown }[] {
  const dir = join(out, "snapshots", "daily", DAY);
  return readdirSync(dir)
    .sort()
    .map((file) => ({
      file,
      gmv: (
        JSON.parse(readFileSync(join(dir, file), "utf8")) as {
          metrics: { gmv: { value: unknown } };
        }
      ).metrics.gmv.value,
    }));
}

describe("late data after the report was sent", () => {
  it("re-run: nothing twice; --no-email: a new revision; --resend: one marked correction per list", async () => {
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    expect(countByList(managerEmails())).toEqual({ managers: 1, "managers-zh": 1 });
    expect(revisions()).toEqual([{ file: "r001.json", gmv: 500 }]);

    // 700 more of the day's orders arrive late.
    await writeLake(
      lake,
      {
        orders: [
          {
            order_id: "late-1",
            user_id: "u3",
            order_time: new Date(`${DAY}T05:00:00Z`),
            updated_at: new Date(`${DAY}T05:00:00Z`),
            amount: "700.00",
            currency: "CNY",
            status: "paid",
          },
        ],
      },
      { fileStem: "late-{i}" },
    );

    const duplicate = await run();
    expect(duplicate.stdout).toMatch(/skipped already delivered/);
    expect(revisions()).toHaveLength(1);

    const stored = await run("--no-email");
    expect(stored.code, stored.stderr).toBe(0);
    expect(revisions()).toEqual([
      { file: "r001.json", gmv: 500 },
      { file: "r002.json", gmv: 1200 },
    ]);
    expect(managerEmails()).toHaveLength(2);

    const resent = await run("--resend", "--json");
    expect(resent.code, resent.stderr).toBe(0);
    const summary = JSON.parse(resent.stdout) as {
      snapshot: { revision: number };
      emails: { list: string; status: string; idempotencyKey: string; subject: string }[];
    };
    expect(summary.snapshot.revision).toBe(3);
    expect(summary.emails.map((e) => [e.list, e.status, e.idempotencyKey])).toEqual([
      ["managers", "sent", `report:daily:${DAY}:managers:rev3`],
      ["managers-zh", "sent", `report:daily:${DAY}:managers-zh:rev3`],
    ]);
    expect(countByList(managerEmails())).toEqual({ managers: 2, "managers-zh": 2 });
    const corrections = managerEmails().filter((email) => email.run !== managerEmails()[0]?.run);
    const en = corrections.find((email) => email.list === "managers");
    const zh = corrections.find((email) => email.list === "managers-zh");
    expect(en?.subject).toMatch(/^\[OpsPulse\] Correction: /);
    expect(en?.text).toContain("Correction: this report replaces the one sent earlier");
    expect(en?.text).toMatch(/1,200/);
    expect(zh?.subject).toMatch(/^\[OpsPulse\] 更正：/);
    // Every revision is kept.
    expect(revisions().map((r) => r.gmv)).toEqual([500, 1200, 1200]);

    // The correction went out once: a later trigger sends nothing.
    const after = await run();
    expect(after.stdout).toMatch(/skipped already delivered/);
    expect(managerEmails()).toHaveLength(4);

    recordFault({
      area: "Late data",
      fault: "orders of the day arrive after the report was sent",
      expected:
        "re-run sends nothing; --no-email adds a revision; --resend sends one marked correction per list",
      observed: `revisions GMV ${revisions()
        .map((r) => r.gmv)
        .join(
          " → ",
        )}; corrections "${en?.subject.slice(0, 30)}…", "${zh?.subject.slice(0, 16)}…" keyed :rev3; manager emails ${JSON.stringify(countByList(managerEmails()))} after a further re-run`,
    });
  });

  it("--resend with --no-email is refused in one line", async () => {
    const { code, stderr } = await run("--resend", "--no-email");
    expect(code).toBe(2);
    expect(stderr).toBe(
      "opspulse: --resend sends the report again, --no-email sends nothing: use one\n",
    );
  });
});
