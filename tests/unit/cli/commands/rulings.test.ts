/**
 * The contract's rulings as a new user meets them: an orders export whose refunds and
 * cancellations carry negative amounts (as many order systems record them) and an events
 * export with a user who signs up twice, 40 days apart, imported with `opspulse import`,
 * then `opspulse kpis --json` for 1 March 2026 (Shanghai), compared with numbers worked out
 * by hand from the contract.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./capture.ts";

const root = mkdtempSync(join(tmpdir(), "opspulse-"));
const config = mkdtempSync(join(root, "config-")); // the plan's defaults
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ORDERS = `order_id,user_id,order_time,updated_at,amount,currency,status
o1,u1,2026-03-01T02:00:00Z,2026-03-01T02:00:00Z,100.00,CNY,paid
o1,u1,2026-03-01T02:00:00Z,2026-03-01T04:00:00Z,-100.00,CNY,refunded
o2,u2,2026-03-01T03:00:00Z,2026-03-01T03:00:00Z,50.00,CNY,paid
o3,u2,2026-03-01T05:00:00Z,2026-03-01T05:00:00Z,30.00,CNY,paid
o4,u3,2026-03-01T06:00:00Z,2026-03-01T06:00:00Z,20.00,CNY,paid
o4,u3,2026-03-01T06:00:00Z,2026-03-01T06:30:00Z,-20.00,CNY,cancelled
o5,u3,2026-02-20T06:00:00Z,2026-02-20T06:00:00Z,15.00,CNY,paid
`;

const EVENTS = `event_id,event_time,user_id,event_type,channel
e1,2026-01-20T02:00:00Z,u1,signup,app
e2,2026-03-01T02:00:00Z,u1,signup,app
e3,2026-03-01T03:00:00Z,u2,signup,web
e4,2026-03-01T04:00:00Z,u3,page_view,app
`;

describe("opspulse import + kpis on refunds of any sign and a repeated signup", () => {
  it("imports negative refunds and gives the contract's orders, GMV, paying users, repurchase and new users", async () => {
    const lake = join(root, "lake");
    const orders = join(root, "orders.csv");
    const events = join(root, "events.csv");
    writeFileSync(orders, ORDERS);
    writeFileSync(events, EVENTS);
    const importedOrders = await runCli(["import", "orders", "--file", orders, "--lake", lake]);
    expect(importedOrders.stderr).toBe("");
    expect(importedOrders.code).toBe(0);
    expect((await runCli(["import", "events", "--file", events, "--lake", lake])).code).toBe(0);

    const { code, stdout, stderr } = await runCli([
      "kpis",
      "--period",
      "day",
      "--date",
      "2026-03-01",
      "--lake",
      lake,
      "--config",
      config,
      "--json",
      "--min-sample",
      "1",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const kpis = JSON.parse(stdout) as Record<string, number | null>;
    expect(kpis).toMatchObject({
      // o1 refunded (−100.00) and o4 cancelled (−20.00): only o2 and o3 are paid.
      orders: 2,
      gmv: 80,
      paying_users: 1, // u2
      // 90 days: u2 (o2, o3) repeats; u3 has o5 (o4 was cancelled); u1 none.
      repurchase_rate: 0.5,
      // u1 signed up first on 20 January: only u2 is new on 1 March.
      new_users: 1,
    });
  });

  it("refuses a paid record with a negative amount, or skips it with --skip-invalid", async () => {
    const lake = join(root, "lake-negative-paid");
    const file = join(root, "negative-paid.csv");
    writeFileSync(
      file,
      `order_id,user_id,order_time,updated_at,amount,currency,status
o9,u9,2026-03-01T02:00:00Z,2026-03-01T02:00:00Z,-5.00,CNY,paid
o8,u8,2026-03-01T02:00:00Z,2026-03-01T02:00:00Z,5.00,CNY,paid
`,
    );
    const refused = await runCli(["import", "orders", "--file", file, "--lake", lake]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "line 2, amount: a paid record's amount must not be negative (only refunded and cancelled records may carry a negative amount)",
    );
    const skipped = await runCli([
      "import",
      "orders",
      "--file",
      file,
      "--lake",
      lake,
      "--skip-invalid",
    ]);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/appended 1 orders rows/);
  });
});
