/**
 * Campaign ROI snapshots as their own immutable history: the `campaigns` report stores,
 * besides its own snapshot of the day, one document per campaign and snapshot day, keyed
 * `<campaign id>/<YYYY-MM-DD>` (the key the dashboard reads). A re-run of the day writes the
 * next revision of each document and never rewrites one; every revision adds a line to the
 * store's JSON Lines history, whose metric rows are the campaign's, so a campaign's ROI curve
 * is one query, e.g. in DuckDB:
 *
 * ```sql
 * select period_key, revision, m.value as roi, m.threshold
 * from read_json_auto('out/snapshots/history/campaigns.jsonl'), unnest(metrics) as t(m)
 * where period_key like 'cmp_0014/%' and m.metric = 'campaign_roi'
 * order by period_key, revision
 * ```
 *
 * (The report's own snapshot of the day, keyed `<YYYY-MM-DD>`, holds every campaign as a
 * scope: `where m.scope = 'cmp_0014'` reads the same curve from it.)
 *
 * The documents are written by an `afterSnapshot` hook of the report use case, from the
 * campaigns module's snapshots (`details.campaigns`) and the run's evaluation of their
 * metrics against the targets, so they hold exactly what the report judged.
 */
import { campaignIdProblem } from "../contract/identifiers.ts";
import type { CampaignSnapshot } from "../kpi/campaigns.ts";
import type { EvaluatedMetric } from "../kpi/evaluate.ts";
import { countStatuses } from "../kpi/evaluate.ts";
import type { Period } from "../kpi/windows.ts";
import type { SnapshotDocument, SnapshotDraft, SnapshotStore } from "../ports.ts";
import { isCalendarDate } from "../query/query-file.ts";
import type { LeftOutCampaign } from "./modules/campaigns.ts";
import type { AfterSnapshotHook, AfterSnapshotResult } from "./run-hooks.ts";
import {
  type MetricSnapshot,
  metricSnapshot,
  SNAPSHOT_SCHEMA_VERSION,
  zonedKey,
} from "./snapshot.ts";

/** The report whose snapshot store holds the per-campaign documents. */
export const CAMPAIGN_SNAPSHOTS_REPORT = "campaigns";

/** A key that cannot be built from a campaign id or a day that breaks the contract. */
export class CampaignKeyError extends Error {
  override name = "CampaignKeyError";
}

/**
 * The period key of a campaign's snapshot on a day: `<campaign id>/<YYYY-MM-DD>`. The id
 * names a folder or an S3 key, so it is checked here whatever the caller checked before.
 */
export function campaignSnapshotKey(campaignId: string, date: string): string {
  const problem = campaignIdProblem(campaignId);
  if (problem) throw new CampaignKeyError(`cannot key a campaign snapshot: ${problem}`);
  if (!isCalendarDate(date)) {
    throw new CampaignKeyError(`cannot key a campaign snapshot: "${date}" is not a day`);
  }
  return `${campaignId}/${date}`;
}

/** What the per-campaign documents are made from. */
export interface CampaignSnapshotsInput {
  readonly runId: string;
  readonly createdAt: Date;
  readonly configVersion: string;
  /** The report day. */
  readonly period: Period;
  /**
   * The campaigns report's configured zone: a day of another zone keys its documents
   * `tz=<zone>/<campaign id>/<YYYY-MM-DD>` (see `zonedKey`); default: the period's own.
   */
  readonly configuredZone?: string;
  /** The campaigns module's snapshots of the day. */
  readonly snapshots: readonly CampaignSnapshot[];
  /** The run's evaluation of each campaign's metrics (campaign id → metrics). */
  readonly scoped: Readonly<Record<string, readonly EvaluatedMetric[]>>;
  /** The report snapshot the documents belong to (null in a run that stored none). */
  readonly reportSnapshot: {
    readonly report: string;
    readonly periodKey: string;
    readonly revision: number;
  } | null;
}

/** The fields of one campaign's document on a day besides its key and revision. */
export interface CampaignSnapshotFields {
  readonly schemaVersion: number;
  readonly runId: string;
  readonly createdAt: string;
  readonly configVersion: string;
  readonly period: Period;
  /** The campaign's metrics, judged against their targets. */
  readonly metrics: Readonly<Record<string, MetricSnapshot>>;
  /** None: the document is one campaign's. */
  readonly scoped: Readonly<Record<string, never>>;
  readonly statusCounts: ReturnType<typeof countStatuses>;
  readonly details: {
    /** Name, dates, cumulative counts, `final` (the day after the end) and `truncated`. */
    readonly campaign: Omit<CampaignSnapshot, "values">;
  };
  /** The report snapshot of the day these documents were written with. */
  readonly reportSnapshot: CampaignSnapshotsInput["reportSnapshot"];
}

/** A campaign's document as written (the store gives it its revision). */
export type CampaignSnapshotDraft = SnapshotDraft & CampaignSnapshotFields;

/** A campaign's document as stored. */
export type StoredCampaignSnapshot = SnapshotDocument & CampaignSnapshotFields;

/** The documents of a day: one per campaign snapshot, in campaign id order. */
export function campaignSnapshotDrafts(input: CampaignSnapshotsInput): CampaignSnapshotDraft[] {
  return input.snapshots.map((snapshot) => {
    const evaluated = input.scoped[snapshot.campaignId] ?? [];
    const { values: _values, ...campaign } = snapshot;
    return {
      report: CAMPAIGN_SNAPSHOTS_REPORT,
      periodKey: zonedKey(
        campaignSnapshotKey(snapshot.campaignId, snapshot.snapshotDate),
        input.period.timeZone,
        input.configuredZone ?? input.period.timeZone,
      ),
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      runId: input.runId,
      createdAt: input.createdAt.toISOString(),
      configVersion: input.configVersion,
      period: input.period,
      metrics: Object.fromEntries(
        evaluated.map((m) => [m.def.id, metricSnapshot(m.value, m.evaluation)]),
      ),
      scoped: {},
      statusCounts: countStatuses(evaluated.map((m) => m.evaluation)),
      details: { campaign },
      reportSnapshot: input.reportSnapshot,
    };
  });
}

/**
 * The `afterSnapshot` hook that stores one document per campaign snapshot of the run (none
 * in a dry run, none when the run computed no campaign snapshot).
 */
export function createCampaignSnapshotsHook(store: SnapshotStore): AfterSnapshotHook {
  return {
    name: "campaign-snapshots",
    async run(context) {
      const snapshots = context.computed.details.campaigns as
        | readonly CampaignSnapshot[]
        | undefined;
      const leftOut = leftOutResult(
        context.computed.details.campaigns_left_out as readonly LeftOutCampaign[] | undefined,
      );
      // A test send to one address stores nothing new (it shows the latest revisions).
      if (context.dryRun || context.request.to || !snapshots || snapshots.length === 0)
        return leftOut;
      const drafts = campaignSnapshotDrafts({
        runId: context.runId,
        createdAt: context.now,
        configVersion: context.config.version,
        period: context.period,
        configuredZone: context.config.schedules[CAMPAIGN_SNAPSHOTS_REPORT].timeZone,
        snapshots,
        scoped: context.scoped,
        reportSnapshot: context.snapshot
          ? {
              report: context.snapshot.report,
              periodKey: context.snapshot.periodKey,
              revision: context.snapshot.revision,
            }
          : null,
      });
      for (const draft of drafts) await store.put(draft);
      return leftOut;
    },
  };
}

/**
 * What the run says about campaigns left out for an id that breaks the contract: a notice
 * heading the emails and a warning in the run log, naming the ids (JSON-quoted: an id may
 * hold anything) and the fix. The run itself goes on for the other campaigns.
 */
function leftOutResult(
  leftOut: readonly LeftOutCampaign[] | undefined,
): AfterSnapshotResult | undefined {
  if (!leftOut || leftOut.length === 0) return undefined;
  const shown = leftOut.slice(0, 5).map((c) => JSON.stringify(c.id.slice(0, 80)));
  const ids = `${shown.join(", ")}${leftOut.length > shown.length ? ` and ${leftOut.length - shown.length} more` : ""}`;
  const fix = "fix the campaigns file and import it again (opspulse import campaigns)";
  return {
    notices: [
      {
        level: "warning",
        text: {
          en: `${leftOut.length} campaign${leftOut.length === 1 ? "" : "s"} left out: id ${ids} is not a campaign id (letters, digits, _ and -, at most 64); ${fix}.`,
          "zh-CN": `已略过 ${leftOut.length} 个活动：活动 ID ${ids} 不合规（仅限字母、数字、_ 和 -，最多 64 个字符）；请修正活动文件后重新导入（opspulse import campaigns）。`,
        },
      },
    ],
    warnings: leftOut.map((c) => `campaign left out: ${c.problem}; ${fix}`),
  };
}
