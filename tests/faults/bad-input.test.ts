/**
 * Fault: bad input from people — generated with fast-check (1 100 cases in all):
 *
 * - ad-hoc Lambda payloads (wrong types, impossible dates, unknown zones and locales,
 *   header and SQL injection in fields, extra keys, ranges backwards or too long, and valid
 *   ones), through the real handler over the embedded adapters;
 * - `opspulse run` arguments, in-process through `main(argv)` with `--check` (validate,
 *   run nothing), plus arbitrary token soup.
 *
 * Expected: each input is either rejected with one clear line (naming what is wrong) — and
 * then nothing runs and nothing is sent — or accepted and run correctly: the periods asked
 * for, one email per list and period at most, none for a dry run. Nothing crashes with a
 * stack trace. An independent oracle says which inputs are valid.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type AdhocResult, createAdhocRunHandler } from "../../functions/adhoc-run/index.ts";
import { createDuckDbEngine } from "../../functions/lib/adapters/duckdb.ts";
import type { OnCallDeps } from "../../functions/lib/alerts/on-call.ts";
import type { QueryEngine } from "../../functions/lib/ports.ts";
import { REPORT_KINDS } from "../../functions/lib/runtime/events.ts";
import { createObservability } from "../../functions/lib/runtime/observability.ts";
import { runCli } from "../unit/cli/commands/capture.ts";
import { lambdaContext } from "../unit/handlers/aws-world.ts";
import { clockAt, createLocalWorld, type LocalWorld, outboxLists } from "./support/local-world.ts";
import { recordFault } from "./support/record.ts";

/** Cases generated: 1 100 in all. */
const ADHOC_CASES = 400;
const CLI_CASES = 500;
const SOUP_CASES = 200;

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
});

let world: LocalWorld;
let engine: QueryEngine;
beforeAll(async () => {
  world = await createLocalWorld({
    recipients: [
      "reports:",
      "  daily:",
      "    - { name: managers, to: [ops-director@example.com] }",
      "  weekly:",
      "    - { name: managers, to: [ops-director@example.com] }",
      "  campaigns:",
      "    - { name: managers, to: [ops-director@example.com] }",
      "on_call:",
      "  to: [oncall@example.com]",
      "",
    ].join("\n"),
  });
  engine = await createDuckDbEngine({ lakeDir: world.lakeDir, threads: 1 });
});
afterAll(async () => {
  await engine?.close();
  world?.close();
});

// ---------------------------------------------------------------------------------------
// The oracle: which inputs are valid, written from the documented rules, not from the code.

const VALID_DATES = ["2026-03-01", "2026-03-02", "2026-03-03"];
const INVALID_DATES = [
  "2026-02-30",
  "2026-13-01",
  "2026-3-1",
  "yesterday",
  "",
  "2026-03-01T00:00:00Z",
  "2026-03-01' OR '1'='1",
  "2026-03-01\r\nBcc: someone@example.org",
];
/** Fixed offsets are zones too (`Intl` accepts them). */
const VALID_ZONES = ["Asia/Shanghai", "America/New_York", "UTC", "+08:00"];
/** The period-key prefix of a run in each valid zone (the config's zone has none). */
const ZONE_KEY_PREFIX: Readonly<Record<string, string>> = {
  "Asia/Shanghai": "",
  "America/New_York": "tz=America.New_York/",
  UTC: "tz=UTC/",
  "+08:00": "tz==2B08=3A00/",
};
const INVALID_ZONES = ["Mars/Olympus", "", "Asia/Shanghai'; DROP TABLE events; --", "GMT+25"];
const VALID_ADDRESSES = ["qa@example.com", "Ops.Lead+test@example.org"];
const INVALID_ADDRESSES = [
  "not-an-address",
  "qa@example.com\r\nBcc: all@example.org",
  "<script>@example.com",
  "qa@",
  "",
];
/** The reports the use case makes (the list is the product's; the rest is the oracle's). */
const REPORTS: readonly string[] = REPORT_KINDS;
/** The start of a range too long for one invocation (over 31 days and weeks). */
const TOO_EARLY = "2025-01-01";
const INVALID_REPORTS = ["monthly", "Daily", "", "daily; rm -rf /", "campaign"];

const DAY_MS = 86_400_000;

/** The ISO week key of a date, e.g. `2026-W10`: the week of its Thursday, numbered in that year. */
function isoWeekKey(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  const weekday = (day.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(day.getTime() + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The period keys a valid (report, dates) asks for, oldest first. */
function periodKeys(report: string, dates: readonly string[]): string[] {
  const keys = dates.map((date) => (report === "weekly" ? isoWeekKey(date) : date));
  return [...new Set(keys)];
}

/** Every date from `from` to `to`. */
function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS)
    dates.push(new Date(t).toISOString().slice(0, 10));
  return dates;
}

// ---------------------------------------------------------------------------------------
// Ad-hoc payloads.

const ABSENT = Symbol("absent");
const field = <T>(valid: readonly T[], invalid: readonly unknown[]) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...valid) },
    { weight: 2, arbitrary: fc.constantFrom(...invalid) },
    { weight: 1, arbitrary: fc.anything() },
  );
const optionalField = <T>(valid: readonly T[], invalid: readonly unknown[]) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant(ABSENT) },
    { weight: 3, arbitrary: field(valid, invalid) },
  );

const structuredPayload = fc
  .record({
    report: field(REPORTS, INVALID_REPORTS),
    date: fc.oneof(
      { weight: 4, arbitrary: field(VALID_DATES, INVALID_DATES) },
      { weight: 1, arbitrary: fc.constant(ABSENT) },
    ),
    range: fc.oneof(
      { weight: 6, arbitrary: fc.constant(ABSENT) },
      {
        weight: 2,
        arbitrary: fc.record({
          from: field(VALID_DATES, INVALID_DATES),
          to: field(VALID_DATES, INVALID_DATES),
        }),
      },
      // More periods than one invocation may run.
      { weight: 1, arbitrary: fc.constant({ from: TOO_EARLY, to: "2026-03-03" }) },
    ),
    // Mostly real runs: after its first delivery a period is skipped without a query, so
    // most accepted payloads cost little; every dry run computes the report.
    dryRun: fc.oneof(
      { weight: 5, arbitrary: fc.constant(ABSENT) },
      { weight: 1, arbitrary: fc.constant(true) },
      { weight: 2, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constantFrom("yes", 1, null) },
    ),
    to: optionalField(VALID_ADDRESSES, INVALID_ADDRESSES),
    locale: optionalField(["en", "zh-CN"], ["fr", "zh", "EN", ""]),
    timeZone: optionalField(VALID_ZONES, INVALID_ZONES),
    extra: fc.oneof(
      { weight: 9, arbitrary: fc.constant(ABSENT) },
      { weight: 1, arbitrary: fc.constantFrom("force", "__proto__", "constructor", "report ") },
    ),
  })
  .map((draft) => {
    const payload: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(draft)) {
      if (value === ABSENT) continue;
      if (key === "extra")
        Object.defineProperty(payload, String(value), {
          value: true,
          enumerable: true,
          configurable: true,
          writable: true,
        });
      else payload[key] = value;
    }
    return payload;
  });

const anyPayload = fc.oneof(
  { weight: 8, arbitrary: structuredPayload },
  { weight: 2, arbitrary: fc.anything() },
);

/** Why the documented rules reject `payload`, or null when they accept it. */
function adhocProblem(event: unknown): string | null {
  // Middy hands the handler an empty event when the invocation had none.
  const payload = event === undefined ? {} : event;
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return "(event)";
  const p = payload as Record<string, unknown>;
  const allowed = new Set(["report", "date", "range", "dryRun", "to", "locale", "timeZone"]);
  const extra = Object.keys(p).find((key) => !allowed.has(key));
  if (extra !== undefined) return "(event)";
  if (!REPORTS.includes(p.report as string)) return "report";
  if (p.dryRun !== undefined && typeof p.dryRun !== "boolean") return "dryRun";
  if (p.to !== undefined && !VALID_ADDRESSES.includes(p.to as string)) return "to";
  if (p.locale !== undefined && !["en", "zh-CN"].includes(p.locale as string)) return "locale";
  if (p.timeZone !== undefined && !VALID_ZONES.includes(p.timeZone as string)) return "timeZone";
  if (p.date !== undefined && !VALID_DATES.includes(p.date as string)) return "date";
  if (p.range !== undefined) {
    const range = p.range as Record<string, unknown> | null;
    if (typeof range !== "object" || range === null || Array.isArray(range)) return "range";
    if (Object.keys(range).some((key) => key !== "from" && key !== "to")) return "range";
    if (![...VALID_DATES, TOO_EARLY].includes(range.from as string)) return "range";
    if (!VALID_DATES.includes(range.to as string)) return "range";
  }
  if ((p.date === undefined) === (p.range === undefined)) return "date";
  const range = p.range as { from: string; to: string } | undefined;
  if (range && range.from > range.to) return "range";
  if (range?.from === TOO_EARLY) return "range"; // more periods than one invocation runs
  return null;
}

describe(`ad-hoc payloads (fast-check, ${ADHOC_CASES} cases)`, () => {
  it("rejects in one line and sends nothing, or runs exactly the periods asked for", async () => {
    const out = world.newOut("adhoc-fuzz");
    const clock = clockAt("2026-03-04T02:00:00Z");
    const { deps } = await world.open(out, { clock, engine });
    let opened = 0;
    const handler = createAdhocRunHandler({
      deps: async (): Promise<OnCallDeps> => {
        opened++;
        return deps;
      },
      observability: createObservability("opspulse-adhoc-run"),
    });
    const context = lambdaContext("opspulse-adhoc-run");
    /** Deliveries already made, by key: the second ask of a period sends nothing. */
    const delivered = new Set<string>();
    const tally = { rejected: 0, accepted: 0, runs: 0, emails: 0, dryRuns: 0 };

    await fc.assert(
      fc.asyncProperty(anyPayload, async (payload) => {
        const before = outboxLists(out).filter((list) => !list.startsWith("on-call")).length;
        const openedBefore = opened;
        const result = (await handler(payload, context)) as AdhocResult;
        const managerEmails =
          outboxLists(out).filter((list) => !list.startsWith("on-call")).length - before;
        const problem = adhocProblem(payload);

        if (problem !== null) {
          tally.rejected++;
          expect(result.ok, JSON.stringify(payload)).toBe(false);
          if (result.ok) return;
          expect(result.statusCode).toBe(400);
          expect(result.error).not.toMatch(/\n|\s+at \S+ \(/);
          // `Invalid ad-hoc payload: <path>: <what>; <path>: <what>. Expected …`
          const issues = /^Invalid ad-hoc payload: (.*)\. Expected \{/.exec(result.error)?.[1];
          const paths = (issues ?? "").split("; ").map((issue) => issue.split(": ")[0] ?? "");
          expect(
            paths.some((path) => path === problem || path.startsWith(`${problem}.`)),
            `${result.error} should name ${problem}`,
          ).toBe(true);
          expect(result.runs).toEqual([]);
          expect(opened).toBe(openedBefore);
          expect(managerEmails).toBe(0);
          return;
        }

        tally.accepted++;
        expect(result.ok, `${JSON.stringify(payload)}: ${result.ok ? "" : result.error}`).toBe(
          true,
        );
        if (!result.ok) return;
        const p = payload as {
          report: string;
          date?: string;
          range?: { from: string; to: string };
          dryRun?: boolean;
          to?: string;
          timeZone?: string;
        };
        const dates = p.date ? [p.date] : datesBetween(p.range!.from, p.range!.to);
        // A run in another zone than the report's configured one (Shanghai) is keyed apart.
        const zonePrefix = ZONE_KEY_PREFIX[p.timeZone ?? "Asia/Shanghai"] ?? "";
        expect(result.runs.map((run) => run.periodKey)).toEqual(
          periodKeys(p.report, dates).map((key) => `${zonePrefix}${key}`),
        );
        tally.runs += result.runs.length;
        let expectedEmails = 0;
        // One list per report in this config; `to` replaces it.
        const lists = 1;
        for (const run of result.runs) {
          if (p.dryRun) {
            tally.dryRuns++;
            expect(run.outcome).toBe("dry_run");
            continue;
          }
          // One delivery per (report, period, list or --to address), ever.
          const key = `${p.report}:${run.periodKey}:${p.to?.toLowerCase() ?? "lists"}`;
          const first = !delivered.has(key);
          expect(run.outcome, key).toBe(first ? "ok" : "skipped_already_delivered");
          expect(run.emails.filter((e) => e.status === "sent")).toHaveLength(first ? lists : 0);
          if (first) expectedEmails += lists;
          delivered.add(key);
        }
        expect(managerEmails).toBe(expectedEmails);
        tally.emails += managerEmails;
      }),
      { numRuns: ADHOC_CASES, seed: 20260302 },
    );

    expect(tally.rejected).toBeGreaterThan(200);
    expect(tally.accepted).toBeGreaterThan(25);
    recordFault({
      area: "Bad input",
      fault: `${ADHOC_CASES} generated ad-hoc payloads (wrong types, impossible dates, unknown zones, CRLF, SQL, extra keys)`,
      expected: "one-line 400 and nothing sent, or the periods asked for, sent once",
      observed: `${tally.rejected} rejected in one line (0 sent, deps never opened); ${tally.accepted} accepted → ${tally.runs} runs (${tally.dryRuns} dry), ${tally.emails} emails, none twice`,
    });
  });
});

// ---------------------------------------------------------------------------------------
// CLI arguments.

const optionalPair = (flag: string, valid: readonly string[], invalid: readonly string[]) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant<string[]>([]) },
    { weight: 3, arbitrary: fc.constantFrom(...valid).map((v) => [flag, v]) },
    { weight: 2, arbitrary: fc.constantFrom(...invalid).map((v) => [flag, v]) },
  );

const runArguments = fc.record({
  report: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...REPORTS) },
    { weight: 1, arbitrary: fc.constantFrom(...INVALID_REPORTS.filter(Boolean)) },
  ),
  date: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...VALID_DATES) },
    { weight: 2, arbitrary: fc.constantFrom(...INVALID_DATES) },
  ),
  tz: optionalPair("--tz", VALID_ZONES, INVALID_ZONES.filter(Boolean)),
  locale: optionalPair("--locale", ["en", "zh-CN"], ["fr", "EN"]),
  to: optionalPair("--to", VALID_ADDRESSES, INVALID_ADDRESSES.filter(Boolean)),
  flags: fc.subarray(["--dry-run", "--resend", "--no-email", "--json"]),
});

/**
 * Arbitrary tokens (options that exist, options that do not, values of every kind), half
 * of the time after a valid start.
 */
const tokenSoup = fc.record({
  prefix: fc.constantFrom(
    [],
    ["daily", "--date", "2026-03-01"],
    ["weekly", "--date", "2026-03-02"],
  ),
  soup: fc.array(
    fc.oneof(
      fc.constantFrom(
        "daily",
        "weekly",
        "--date",
        "--tz",
        "--to",
        "--locale",
        "--dry-run",
        "--resend",
        "--force",
        "--no-email",
        "--json",
        "--bogus",
        "-x",
        "--",
        "--date=2026-03-01",
        "2026-03-01",
        "2026-02-30",
      ),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 6 },
  ),
});

describe(`opspulse run arguments (fast-check, ${CLI_CASES + SOUP_CASES} cases, in-process with --check)`, () => {
  const folders = () => [
    "--lake",
    world.lakeDir,
    "--out",
    world.newOut("cli-fuzz"),
    "--config",
    world.configDir,
  ];

  /** A rejection: one line (commander may add its usage hint), no stack trace. */
  function expectOneLineRejection(code: number, stdout: string, stderr: string, argv: string[]) {
    expect(code, argv.join(" ")).toBe(2);
    expect(stdout).toBe("");
    const lines = stderr.trimEnd().split("\n");
    expect(lines[0], argv.join(" ")).toMatch(/^(opspulse: |error: )\S/);
    expect(lines.slice(1).every((line) => line === "(run with --help for usage)")).toBe(true);
    expect(stderr).not.toMatch(/^\s+at /m);
  }

  it("well-formed arguments: rejected naming the option, or the right period, and nothing run", async () => {
    const tally = { rejected: 0, accepted: 0 };
    await fc.assert(
      fc.asyncProperty(runArguments, async (args) => {
        const argv = [
          "run",
          args.report,
          "--date",
          args.date,
          ...args.tz,
          ...args.locale,
          ...args.to,
          ...args.flags,
          // The dates are about parsing, not about the days this lake holds.
          "--allow-incomplete",
          "--check",
          ...folders(),
        ];
        const { code, stdout, stderr } = await runCli(argv);
        const tz = args.tz[1];
        const to = args.to[1];
        // Choices are checked while parsing, the rest in the order the command reads them.
        const problem =
          args.locale[1] !== undefined && !["en", "zh-CN"].includes(args.locale[1])
            ? "--locale"
            : !REPORTS.includes(args.report)
              ? "report"
              : !VALID_DATES.includes(args.date)
                ? "--date"
                : tz !== undefined && !VALID_ZONES.includes(tz)
                  ? "--tz"
                  : to !== undefined && !VALID_ADDRESSES.includes(to)
                    ? "--to"
                    : args.flags.includes("--resend") && args.flags.includes("--no-email")
                      ? "--resend"
                      : null;
        if (problem !== null) {
          tally.rejected++;
          expectOneLineRejection(code, stdout, stderr, argv);
          expect(stderr.toLowerCase()).toContain(problem.replace(/^--/, "").toLowerCase());
          return;
        }
        tally.accepted++;
        expect(code, `${argv.join(" ")}\n${stderr}`).toBe(0);
        const zone = tz ?? "Asia/Shanghai";
        // A run in another zone than the configured one has a key of its own.
        const key = `${ZONE_KEY_PREFIX[zone] ?? ""}${periodKeys(args.report, [args.date])[0]}`;
        expect(stdout).toBe(
          `${args.report} report ${key} (${zone}): ${stdout.slice(stdout.indexOf("UTC "))}`,
        );
        expect(stdout).toMatch(/; nothing was run\n$/);
        // One list per report in this config; --to replaces it.
        expect(stdout).toContain(to ? "lists direct;" : "lists managers;");
      }),
      { numRuns: CLI_CASES, seed: 20260303 },
    );
    expect(tally.rejected).toBeGreaterThan(100);
    expect(tally.accepted).toBeGreaterThan(50);
    recordFault({
      area: "Bad input",
      fault: `${CLI_CASES} generated \`opspulse run\` argument sets (bad dates, zones, addresses, locales, conflicting flags)`,
      expected: "one-line error naming the option, or the right period; nothing run",
      observed: `${tally.rejected} rejected in one line naming the option; ${tally.accepted} accepted with the oracle's period key; 0 stack traces`,
    });
  });

  it("arbitrary token soup: never a stack trace, never a run", async () => {
    const outcomes = { ok: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(tokenSoup, async (tokens) => {
        const argv = ["run", ...tokens.prefix, ...tokens.soup, "--check", ...folders()];
        const { code, stdout, stderr } = await runCli(argv);
        if (code === 0) {
          outcomes.ok++;
          expect(stdout).toMatch(/; nothing was run\n$/);
          return;
        }
        outcomes.rejected++;
        expectOneLineRejection(code, stdout, stderr, argv);
      }),
      { numRuns: SOUP_CASES, seed: 20260304 },
    );
    recordFault({
      area: "Bad input",
      fault: `${SOUP_CASES} arbitrary token lists after \`opspulse run\``,
      expected: "a one-line usage error or a checked run; never a stack trace",
      observed: `${outcomes.rejected} one-line errors (exit 2), ${outcomes.ok} checked; 0 stack traces, 0 runs`,
    });
  });
});
