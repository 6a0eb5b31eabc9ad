/**
 * Loads and validates the `config/` folder (YAML), once, at startup or at `cdk synth`.
 *
 * A bad file fails with one line per problem naming the file, the path inside it and what
 * was expected, e.g. `config/targets.yaml: targets.retention_d1.target: expected a number
 * between 0 and 1 (line 4)`. The result is a resolved {@link OpsConfig}: every metric's
 * target (registry default unless overridden), the KPI settings, schedules, recipients,
 * and a version (hash of the files) that snapshots record. A Lambda bundle reads each file's
 * data as compiled at bundling (`yaml/compiled.ts`): the same data, version and checks.
 */

import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type * as z from "zod";
import { type AlertSettings, toAlertSettings } from "../alerts/config.ts";
import type { ContactPointConfig } from "../chat/config.ts";
import type { ChatCommandsConfig } from "../chatops/access.ts";
import type { AnomalySettings } from "../kpi/anomaly.ts";
import type { ResolvedTarget } from "../kpi/evaluate.ts";
import type { Owner } from "../kpi/owners.ts";
import { isMetricId, type Locale, METRICS, type MetricDef, metric } from "../kpi/registry.ts";
import type { KpiSettings } from "../report/modules.ts";
import { DEFAULT_WAIT_POLICY, parseDuration, type WaitPolicy } from "../waiting/policy.ts";
import { MAX_YAML_ALIAS_COUNT, readCompiledYaml } from "../yaml/compiled.ts";
import { toAnomalySettings } from "./anomalies.ts";
import { type PulseConfig, toPulseConfig } from "./pulse.ts";
import {
  CONFIG_FILES,
  REPORT_NAMES,
  type RecipientsFile,
  type ReportName,
  type SchedulesFile,
  type SettingsFile,
  type TargetsFile,
} from "./schema.ts";

/** When and where a report runs. */
export interface Schedule {
  /** Five-field cron, local to `timeZone`. */
  readonly cron: string;
  readonly timeZone: string;
  readonly enabled: boolean;
  /** Hold the scheduled run while its data is incomplete (see `waiting/policy.ts`). */
  readonly waitForCompleteData?: WaitPolicy;
}

/** A named list of recipients and the language they read. */
export interface RecipientList {
  readonly name: string;
  readonly locale: Locale;
  readonly to: readonly string[];
  /** Chat contact points (by name) that get this audience's messages too. */
  readonly chat?: readonly string[];
}

/** The validated, resolved configuration of a deployment. */
export interface OpsConfig {
  /** The folder it was read from (for messages). */
  readonly dir: string;
  /** Hash of the config files, recorded in every snapshot (`cfg-` + 12 hex digits). */
  readonly version: string;
  readonly kpi: KpiSettings;
  /** The target of every metric that has one, by metric id. */
  readonly targets: Readonly<Record<string, ResolvedTarget>>;
  /** The report time zone (local days and ISO weeks). */
  readonly timeZone: string;
  readonly schedules: Readonly<Record<ReportName, Schedule>>;
  /** The From address of every email. */
  readonly sender: string;
  readonly recipients: Readonly<Record<ReportName, readonly RecipientList[]>>;
  readonly onCall?: Omit<RecipientList, "name">;
  /** Each owner team's list for its alert digest (`owners` of recipients.yaml). */
  readonly owners?: Readonly<Partial<Record<Owner, Omit<RecipientList, "name">>>>;
  /** On-call alert rules and the data-completeness gate (`alerts.yaml`). */
  readonly alerts?: AlertSettings;
  /** The intra-day pulse (`pulse.yaml`). */
  readonly pulse?: PulseConfig;
  /** Baseline bands and the holiday/promotion calendar (`anomalies.yaml`). */
  readonly anomalies?: AnomalySettings;
  /** Who may run chat commands (`chat_commands` of recipients.yaml). */
  readonly chatCommands?: ChatCommandsConfig;
  /** Chat and incident webhooks (`recipients.yaml` contact_points), by reference only. */
  readonly contactPoints?: readonly ContactPointConfig[];
}

/** The config is invalid; `problems` holds one line per problem. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super(problems.join("\n"), options);
    this.problems = problems;
  }
}

/** One config file's text, or undefined when the file is absent (defaults apply). */
export interface ConfigSource {
  readonly file: string;
  readonly text: string | undefined;
  /**
   * The data `text` parses to, compiled at bundling (`yaml/compiled.ts`): the Lambda bundles
   * read it instead of parsing the YAML (they carry no parser).
   */
  readonly compiled?: { readonly data: unknown };
}

/**
 * Reads and validates the config folder; throws {@link ConfigError} listing every problem.
 * Absent files take their defaults: enough to compute KPIs (`opspulse kpis`, the bench),
 * not to deliver them; a deployment loads with {@link loadDeploymentConfig}.
 */
export function loadConfig(dir: string): OpsConfig {
  return parseConfig(readSources(dir), dir);
}

/**
 * Loads a deployment's config folder: valid, and saying who gets what
 * ({@link deploymentProblems}). `opspulse validate`, `opspulse run`, the Lambdas and
 * `cdk synth` load with it, so a folder that names no audience never runs "ok" sending
 * nothing.
 */
export function loadDeploymentConfig(dir: string): OpsConfig {
  const sources = readSources(dir);
  const config = parseConfig(sources, dir);
  const problems = deploymentProblems(config, sources);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function readSources(dir: string): ConfigSource[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError([
      `${dir}: no such config folder: pass --config DIR with targets.yaml, settings.yaml, schedules.yaml, recipients.yaml`,
    ]);
  }
  return Object.values(CONFIG_FILES).map(({ file }) => {
    const path = join(dir, file);
    if (!existsSync(path)) return { file, text: undefined };
    const text = readFileSync(path, "utf8");
    const compiled = readCompiledYaml(path, text);
    return compiled ? { file, text, compiled } : { file, text };
  });
}

/**
 * What a deployment's folder must say besides being valid: who gets each scheduled report
 * (at least one recipient list per enabled schedule) and who is on call. Without them a
 * run would compute, store and send nothing, and call that "ok". {@link parseConfig}
 * leaves them optional (tests and `opspulse kpis` need no audience).
 */
export function deploymentProblems(config: OpsConfig, sources: readonly ConfigSource[]): string[] {
  const file = CONFIG_FILES.recipients.file;
  const path = join(config.dir, file);
  if (sources.find((s) => s.file === file)?.text === undefined) {
    return [
      `${path}: missing: a deployment names its recipient lists (reports.daily, reports.weekly, reports.campaigns) and on_call in ${file}; copy config/${file} from the repository and set your addresses`,
    ];
  }
  const problems: string[] = [];
  for (const report of REPORT_NAMES) {
    if (!config.schedules[report].enabled || config.recipients[report].length > 0) continue;
    problems.push(
      `${path}: reports.${report}: expected at least one recipient list for the scheduled ${report} report (or set schedules.${report}.enabled: false in schedules.yaml)`,
    );
  }
  if (!config.onCall) {
    problems.push(
      `${path}: on_call: expected the on-call audience (to: [addresses]) that gets data alerts and failure notices`,
    );
  }
  return problems;
}

/** The configuration with every file absent: the plan's defaults, no recipients. */
export function defaultConfig(): OpsConfig {
  return parseConfig(
    Object.values(CONFIG_FILES).map(({ file }) => ({ file, text: undefined })),
    "(defaults)",
  );
}

/**
 * Validates config file texts (as read from `dir`, for messages) and resolves them.
 * Files missing from `sources` are treated as absent.
 */
export function parseConfig(sources: readonly ConfigSource[], dir: string): OpsConfig {
  const problems: string[] = [];
  const read = <S extends z.ZodType>(file: string, schema: S): ParsedFile<z.output<S>> => {
    const source = sources.find((s) => s.file === file);
    const parsed = source?.compiled
      ? validate(join(dir, file), source.compiled.data ?? {}, schema, () => undefined)
      : parseFile(join(dir, file), source?.text, schema);
    problems.push(...parsed.problems);
    return parsed;
  };

  const targetsFile = read(CONFIG_FILES.targets.file, CONFIG_FILES.targets.schema);
  const targetsPath = join(dir, CONFIG_FILES.targets.file);
  problems.push(...checkTargets(targetsPath, targetsFile.raw, targetsFile.lineOf));
  const settings = read(CONFIG_FILES.settings.file, CONFIG_FILES.settings.schema).data;
  const schedules = read(CONFIG_FILES.schedules.file, CONFIG_FILES.schedules.schema).data;
  const recipients = read(CONFIG_FILES.recipients.file, CONFIG_FILES.recipients.schema).data;
  const alerts = read(CONFIG_FILES.alerts.file, CONFIG_FILES.alerts.schema).data;
  const anomalies = read(CONFIG_FILES.anomalies.file, CONFIG_FILES.anomalies.schema).data;
  const pulse = read(CONFIG_FILES.pulse.file, CONFIG_FILES.pulse.schema).data;
  const targets = targetsFile.data;
  if (
    problems.length > 0 ||
    !targets ||
    !settings ||
    !schedules ||
    !recipients ||
    !alerts ||
    !anomalies ||
    !pulse
  ) {
    throw new ConfigError(problems);
  }
  const resolvedTargets = resolveTargets(targets, settings);
  return {
    dir,
    version: configVersion(sources),
    kpi: toKpiSettings(settings, targets),
    targets: resolvedTargets,
    timeZone: schedules.time_zone,
    schedules: toSchedules(schedules),
    sender: recipients.sender,
    recipients: toRecipients(recipients),
    ...(recipients.on_call ? { onCall: recipients.on_call } : {}),
    ...(Object.keys(recipients.owners).length > 0 ? { owners: recipients.owners } : {}),
    chatCommands: recipients.chat_commands,
    alerts: toAlertSettings(alerts, resolvedTargets.data_freshness_minutes?.value),
    anomalies: toAnomalySettings(anomalies),
    pulse: toPulseConfig(pulse),
    ...(recipients.contact_points.length > 0 ? { contactPoints: recipients.contact_points } : {}),
  };
}

/** Hash of the known config files (name and bytes; absent files count as absent). */
export function configVersion(sources: readonly ConfigSource[]): string {
  const hash = createHash("sha256");
  for (const { file } of Object.values(CONFIG_FILES)) {
    const text = sources.find((s) => s.file === file)?.text;
    hash.update(`${file}\0${text === undefined ? "\u0001absent" : text}\0`);
  }
  return `cfg-${hash.digest("hex").slice(0, 12)}`;
}

/** The first line of a YAML error without its " at line L, column C:" suffix. */
function yamlReason(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
}

interface ParsedFile<T> {
  readonly data?: T;
  /** The file as plain data (before validation), or undefined when absent or not YAML. */
  readonly raw?: unknown;
  readonly problems: readonly string[];
  /** The line of the deepest node of a path that exists in the file. */
  readonly lineOf: (segments: readonly PropertyKey[]) => number | undefined;
}

function parseFile<S extends z.ZodType>(
  path: string,
  text: string | undefined,
  schema: S,
): ParsedFile<z.output<S>> {
  const lineCounter = text === undefined ? undefined : new LineCounter();
  const document =
    text === undefined ? undefined : parseDocument(text, { lineCounter, prettyErrors: true });
  const lineOf = (segments: readonly PropertyKey[]): number | undefined => {
    if (!document) return undefined;
    for (let length = segments.length; length > 0; length--) {
      const node = document.getIn(segments.slice(0, length) as unknown[], true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node?.range && lineCounter) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  if (document && document.errors.length > 0) {
    return {
      lineOf,
      problems: document.errors.map((error) => {
        const position = error.linePos?.[0];
        const where = position ? `line ${position.line}, column ${position.col}` : "(file)";
        return `${path}: ${where}: invalid YAML: ${yamlReason(error.message)}`;
      }),
    };
  }
  let raw: unknown;
  try {
    raw = document?.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT }) ?? {};
  } catch (error) {
    // yaml refuses a document whose aliases expand past the limit (an "alias bomb").
    return {
      lineOf,
      problems: [
        `${path}: (file): invalid YAML: ${yamlReason(error instanceof Error ? error.message : String(error))} (more than ${MAX_YAML_ALIAS_COUNT} alias expansions); write the values out instead of nesting aliases`,
      ],
    };
  }
  return validate(path, raw, schema, lineOf);
}

/** Checks a file's data against its schema: one problem per issue, with its line when known. */
function validate<S extends z.ZodType>(
  path: string,
  raw: unknown,
  schema: S,
  lineOf: ParsedFile<z.output<S>>["lineOf"],
): ParsedFile<z.output<S>> {
  const result = schema.safeParse(raw);
  if (result.success) return { data: result.data, raw, problems: [], lineOf };
  const problems: string[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const segments = [...issue.path, key];
        problems.push(problem(path, segments, `unknown key "${key}"`, lineOf(segments)));
      }
      continue;
    }
    problems.push(problem(path, issue.path, describeIssue(issue), lineOf(issue.path)));
  }
  return { raw, problems, lineOf };
}

function problem(
  path: string,
  segments: readonly PropertyKey[],
  message: string,
  line?: number,
): string {
  const where =
    segments.length > 0
      ? segments
          .map((segment, i) =>
            typeof segment === "number" ? `[${segment}]` : `${i > 0 ? "." : ""}${String(segment)}`,
          )
          .join("")
      : "(root)";
  return `${path}: ${where}: ${message}${line ? ` (line ${line})` : ""}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.message.startsWith("expected")) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? `expected ${article(issue.expected)}, but it is missing`
        : `expected ${article(issue.expected)}, got ${describeValue(issue.input)}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return `expected ${issue.origin === "array" ? "at least" : "a value ≥"} ${String(issue.minimum)}${issue.origin === "array" ? " items" : ""}`;
    case "too_big":
      return `expected ${issue.origin === "array" ? "at most" : "a value ≤"} ${String(issue.maximum)}${issue.origin === "array" ? " items" : ""}`;
    default:
      return issue.message;
  }
}

function article(type: string): string {
  if (type === "object") return "a mapping";
  if (type === "array") return "a list";
  if (type === "int") return "a whole number";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Checks metric ids and each target's range against the registry (unit and basis). Runs on
 * the raw file, so that these problems are reported together with the schema's.
 */
function checkTargets(
  path: string,
  raw: unknown,
  lineOf: ParsedFile<TargetsFile>["lineOf"],
): string[] {
  const targets = isRecord(raw) ? raw.targets : undefined;
  if (!isRecord(targets)) return [];
  const problems: string[] = [];
  for (const [id, override] of Object.entries(targets)) {
    if (!isMetricId(id)) {
      const guess = closestMetricId(id);
      problems.push(
        problem(
          path,
          ["targets", id],
          `unknown metric "${id}"${guess ? ` (did you mean ${guess}?)` : ""}: metric ids are listed in functions/lib/kpi/registry.ts`,
          lineOf(["targets", id]),
        ),
      );
      continue;
    }
    const target = isRecord(override) ? override.target : undefined;
    if (typeof target !== "number") continue;
    const expected = targetRangeProblem(metric(id), target);
    if (expected) {
      const segments = ["targets", id, "target"];
      problems.push(problem(path, segments, expected, lineOf(segments)));
    }
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What a target of `def` must look like, when `value` is not that; undefined when fine. */
export function targetRangeProblem(def: MetricDef, value: number): string | undefined {
  if (!Number.isFinite(value)) return "expected a finite number";
  if (def.targetBasis === "yoy_growth") {
    return value > -1 ? undefined : "expected a growth rate above -1, e.g. 0.3 for +30 % a year";
  }
  if (def.unit === "percent") {
    return value >= 0 && value <= 1 ? undefined : "expected a number between 0 and 1";
  }
  return value >= 0 ? undefined : "expected a number ≥ 0";
}

/** Every metric's target: config override, else registry default (ltv_30: multiple × baseline). */
function resolveTargets(file: TargetsFile, settings: SettingsFile): Record<string, ResolvedTarget> {
  const targets: Record<string, ResolvedTarget> = {};
  for (const def of METRICS) {
    const override = file.targets[def.id];
    const value = override?.target !== undefined ? override.target : defaultTargetOf(def, settings);
    if (value === null || value === undefined) continue;
    targets[def.id] = {
      value,
      basis: def.targetBasis,
      warningBand: override?.warning_band ?? file.default_warning_band,
      minSample: override?.min_sample ?? settings.kpi.min_sample,
    };
  }
  return targets;
}

function defaultTargetOf(def: MetricDef, settings: SettingsFile): number | undefined {
  if (def.id === "ltv_30" && settings.kpi.ltv_30_baseline !== null) {
    return settings.kpi.ltv_30_baseline * settings.kpi.ltv_30_target_multiple;
  }
  return def.defaultTarget;
}

function toKpiSettings(settings: SettingsFile, targets: TargetsFile): KpiSettings {
  const { kpi } = settings;
  const cutoffs = kpi.rfm_cutoffs;
  const metricMinSamples = Object.fromEntries(
    Object.entries(targets.targets).flatMap(([id, override]) =>
      override.min_sample !== undefined ? [[id, override.min_sample]] : [],
    ),
  );
  return {
    minSample: kpi.min_sample,
    ...(Object.keys(metricMinSamples).length > 0 ? { metricMinSamples } : {}),
    privateDomainChannels: kpi.private_domain_channels,
    currency: kpi.currency,
    teamMonthlyCost: kpi.team_monthly_cost,
    opsHeadcount: kpi.ops_headcount,
    ...(cutoffs
      ? {
          rfmCutoffs: {
            ...(cutoffs.recency_days !== undefined ? { recencyDays: cutoffs.recency_days } : {}),
            ...(cutoffs.frequency !== undefined ? { frequency: cutoffs.frequency } : {}),
            ...(cutoffs.monetary !== undefined ? { monetary: cutoffs.monetary } : {}),
          },
        }
      : {}),
  };
}

function toSchedules(file: SchedulesFile): Record<ReportName, Schedule> {
  const schedules = {} as Record<ReportName, Schedule>;
  for (const report of REPORT_NAMES) {
    const schedule = file.schedules[report];
    schedules[report] = {
      cron: schedule.cron,
      timeZone: schedule.time_zone ?? file.time_zone,
      enabled: schedule.enabled,
      ...waitPolicyOf(schedule.wait_for_complete_data),
    };
  }
  return schedules;
}

function waitPolicyOf(wait: SchedulesFile["schedules"][ReportName]["wait_for_complete_data"]): {
  waitForCompleteData?: WaitPolicy;
} {
  if (wait === undefined || wait === false) return {};
  if (wait === true) return { waitForCompleteData: DEFAULT_WAIT_POLICY };
  return {
    waitForCompleteData: {
      intervalMs: parseDuration(wait.recheck_every),
      deadlineMs: parseDuration(wait.deadline),
    },
  };
}

function toRecipients(file: RecipientsFile): Record<ReportName, RecipientList[]> {
  const lists = {} as Record<ReportName, RecipientList[]>;
  for (const report of REPORT_NAMES) lists[report] = file.reports[report];
  return lists;
}

function closestMetricId(id: string): string | undefined {
  let best: { id: string; distance: number } | undefined;
  for (const def of METRICS) {
    const distance = editDistance(id, def.id);
    if (!best || distance < best.distance) best = { id: def.id, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(id.length / 3)) ? best.id : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
