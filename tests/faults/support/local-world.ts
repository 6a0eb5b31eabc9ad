/**
 * The embedded world of the fault tests: a small Parquet lake (events every 20 minutes for
 * six weeks, one paid order a day; see `tests/e2e/alerts-fixture.ts`), a config in which
 * only GMV has a target and on-call is set, and fresh adapters per "process": real DuckDB,
 * the filesystem stores, the outbox mailer and the filesystem alert state.
 *
 * What a test counts afterwards is what reached people: the `.eml` files in the outbox and
 * the delivery records beside them.
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDuckDbEngine } from "../../../functions/lib/adapters/duckdb.ts";
import type { OnCallDeps } from "../../../functions/lib/alerts/on-call.ts";
import { loadAlertTemplate } from "../../../functions/lib/alerts/render.ts";
import { loadConfig } from "../../../functions/lib/config/load.ts";
import type { Clock, QueryEngine } from "../../../functions/lib/ports.ts";
import { QueryCatalog } from "../../../functions/lib/query/catalog.ts";
import { loadReportTemplates } from "../../../functions/lib/report/email/render.ts";
import { writeAlertConfig, writeAlertLake } from "../../e2e/alerts-fixture.ts";
import { localOnCallDeps } from "../../support/local-deps.ts";
import { leaves, parseEml } from "../../unit/report/eml.ts";

/** The scheduled run of day D: 08:00 in Shanghai the morning after (00:00 UTC). */
export function clockAt(iso: string): Clock {
  const at = new Date(iso);
  return { now: () => at };
}

export interface LocalWorld {
  readonly root: string;
  readonly lakeDir: string;
  readonly configDir: string;
  /** A fresh output folder under the world (stores, outbox, run log). */
  newOut(name: string): string;
  /**
   * Adapters as one process would open them on `outDir`: its own DuckDB engine unless
   * `engine` is given, its own stores and mailer.
   */
  open(
    outDir: string,
    options?: {
      clock?: Clock;
      engine?: QueryEngine;
      /** Another lake than the world's (a damaged copy, say). */
      lakeDir?: string;
      overrides?: Partial<OnCallDeps>;
    },
  ): Promise<{ deps: OnCallDeps; close(): Promise<void> }>;
  /** A copy of the world's lake, changed by `damage`, for one case. */
  lakeCopy(name: string, damage: (lakeDir: string) => Promise<void> | void): Promise<string>;
  close(): void;
}

/**
 * Builds the world in a fresh temp folder; `lake` may add or change files of the lake,
 * `settings` and `recipients` replace the config files of those names.
 */
export async function createLocalWorld(
  options: {
    alerts?: string;
    settings?: string;
    recipients?: string;
    lake?: (lakeDir: string) => Promise<void>;
  } = {},
): Promise<LocalWorld> {
  const root = mkdtempSync(join(tmpdir(), "opspulse-"));
  const lakeDir = join(root, "lake");
  const configDir = join(root, "config");
  await writeAlertLake(lakeDir);
  if (options.lake) await options.lake(lakeDir);
  writeAlertConfig(configDir, options.alerts ?? "reminder_every_hours: 36\n");
  if (options.settings) writeFileSync(join(configDir, "settings.yaml"), options.settings);
  if (options.recipients) writeFileSync(join(configDir, "recipients.yaml"), options.recipients);
  const config = loadConfig(configDir);
  const templates = loadReportTemplates();
  const alertTemplate = loadAlertTemplate();
  const catalog = new QueryCatalog();
  let outs = 0;
  return {
    root,
    lakeDir,
    configDir,
    newOut: (name) => join(root, `out-${name}-${outs++}`),
    async open(
      outDir,
      { clock = clockAt("2026-03-03T00:00:00Z"), engine, lakeDir: lake = lakeDir, overrides } = {},
    ) {
      const own = engine ? undefined : await createDuckDbEngine({ lakeDir: lake, threads: 1 });
      const deps: OnCallDeps = {
        ...localOnCallDeps(outDir, {
          engine: engine ?? (own as QueryEngine),
          catalog,
          clock,
          config,
          templates,
          alertTemplate,
        }),
        ...overrides,
      };
      return { deps, close: async () => own?.close() };
    },
    async lakeCopy(name, damage) {
      const copy = join(root, `lake-${name}`);
      cpSync(lakeDir, copy, { recursive: true });
      await damage(copy);
      return copy;
    },
    close: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** One email the outbox holds. */
export interface OutboxEmail {
  readonly run: string;
  /** The outbox list name: `managers`, `on-call`, `on-call.failure`… */
  readonly list: string;
  readonly subject: string;
  readonly to: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly html: string;
  readonly text: string;
  readonly raw: string;
}

/** Every email in `<outDir>/outbox`, parsed from the `.eml` bytes on disk. */
export function outbox(outDir: string): OutboxEmail[] {
  const dir = join(outDir, "outbox");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((run) =>
      readdirSync(join(dir, run))
        .filter((file) => file.endsWith(".eml"))
        .sort()
        .map((file) => {
          const raw = readFileSync(join(dir, run, file), "utf8");
          const message = parseEml(raw);
          const parts = leaves(message);
          return {
            run,
            list: file.replace(/\.eml$/, ""),
            subject: message.headers.subject ?? "",
            to: message.headers.to ?? "",
            headers: message.headers,
            html: parts.find((p) => p.contentType === "text/html")?.body ?? "",
            text: parts.find((p) => p.contentType === "text/plain")?.body ?? "",
            raw,
          };
        }),
    );
}

/** The list of every email in `<outDir>/outbox` (file names only: cheap to call often). */
export function outboxLists(outDir: string): string[] {
  const dir = join(outDir, "outbox");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((run) =>
    readdirSync(join(dir, run))
      .filter((file) => file.endsWith(".eml"))
      .map((file) => file.replace(/\.eml$/, "")),
  );
}

/** How many emails each outbox list holds, e.g. `{ managers: 1, "on-call": 1 }`. */
export function countByList(emails: readonly { list: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const email of [...emails].sort((a, b) => a.list.localeCompare(b.list))) {
    counts[email.list] = (counts[email.list] ?? 0) + 1;
  }
  return counts;
}

/** The delivery records in `<outDir>/deliveries`, by idempotency key. */
export function deliveryRecords(outDir: string): Record<string, Record<string, unknown>> {
  const dir = join(outDir, "deliveries");
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir)
      .filter((file) => file.endsWith(".json"))
      .map((file) => [
        decodeURIComponent(file.replace(/\.json$/, "")),
        JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, unknown>,
      ]),
  );
}

/** The run log lines of `<outDir>/runs/runs.jsonl`. */
export function runLog(outDir: string): Record<string, unknown>[] {
  const file = join(outDir, "runs", "runs.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
