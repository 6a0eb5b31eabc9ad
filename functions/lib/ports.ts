/**
 * The ports of opspulse: what the use cases need from the outside world. Adapters
 * (`functions/lib/adapters/`) implement them for the embedded runtime (DuckDB, local
 * folders, an outbox) and for AWS (Athena, S3, SES).
 */
import type { QueryFile, QueryParams } from "./query/query-file.ts";
import type { QueryResult } from "./query/result.ts";
import type { RollupStorage } from "./rollups/storage.ts";

export type { Cell, Row } from "./kpi/values.ts";
export type { QueryResult, QueryStats } from "./query/result.ts";

/** Runs the portable `.sql` files of `queries/` on an engine. */
export interface QueryEngine {
  readonly dialect: "duckdb" | "athena";
  /** Binds `params` to the query's declared parameters and runs it. */
  run(query: QueryFile, params: QueryParams): Promise<QueryResult>;
  /**
   * Where the engine keeps the rollup tables it builds (functions/lib/rollups/); absent
   * when rollups are off, and then queries read them inlined from the raw data.
   */
  readonly rollups?: RollupStorage;
  /**
   * The UTC date (`dt`) of the lake's first raw partition of events or orders; undefined
   * when the lake is empty. Comparisons use it: a comparison period whose window starts
   * before the lake's first day is "no full baseline". Absent: unknown (deltas as stored).
   */
  lakeFirstDay?(): Promise<string | undefined>;
  /**
   * The same engine for one run that must stop by `deadline`: a query still running then
   * is stopped (Athena: StopQueryExecution) and fails with the deadline as its cause, and
   * none is started after it. Absent: the engine cannot stop a query (DuckDB runs in the
   * process, which ends with the run).
   */
  withDeadline?(deadline: Date): QueryEngine;
  /**
   * First `dt` partition the engine can see, when it cannot see older ones (Athena: where
   * the tables' partition projection starts); a period reading before it would count zeros.
   */
  readonly visibleFrom?: string;
  /**
   * A report run is over: frees what the engine kept for the rest of it (DuckDB: the raw
   * partitions its rollup builds staged, read again by the gate and freshness). The next
   * run reads its raw files itself.
   */
  endRun?(): Promise<void>;
  close(): Promise<void>;
}

/** The time now, injected so that the core never reads the clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A stored KPI snapshot document (one per report, period and revision). */
export interface SnapshotDocument {
  readonly report: string;
  /**
   * Period key, e.g. `2026-03-01` (day) or `2026-W09` (week) or `<campaign>/2026-03-01`;
   * prefixed `tz=America.New_York/` in a zone other than the report's configured one.
   */
  readonly periodKey: string;
  readonly revision: number;
  readonly [field: string]: unknown;
}

/** A snapshot document before the store numbers it (`Omit` would drop the named fields). */
export interface SnapshotDraft {
  readonly report: string;
  readonly periodKey: string;
  readonly revision?: never;
  readonly [field: string]: unknown;
}

/**
 * Where snapshots live: one JSON document per (report, period, revision) plus an
 * append-only JSON Lines history that DuckDB or Athena can query.
 */
export interface SnapshotStore {
  /** Writes the next revision of (report, periodKey); never overwrites an earlier one. */
  put(doc: SnapshotDraft): Promise<SnapshotDocument>;
  /** The latest revision of (report, periodKey), or undefined. */
  latest(report: string, periodKey: string): Promise<SnapshotDocument | undefined>;
  /** Every revision of (report, periodKey), oldest first. */
  revisions(report: string, periodKey: string): Promise<SnapshotDocument[]>;
  /** The latest revision of each period of `report` in [fromKey, toKey], ordered by key. */
  history(report: string, fromKey: string, toKey: string): Promise<SnapshotDocument[]>;
}

/**
 * Files published for people to open, such as the dashboard: private, addressed by a key
 * (`dashboard/index.html`). A folder locally; the snapshots bucket in AWS, never public.
 */
export interface ArtifactStore {
  /** Writes `body` under `key`, replacing what was there; returns where it went. */
  put(
    key: string,
    body: Uint8Array | string,
    contentType: string,
  ): Promise<{ readonly location: string }>;
  /**
   * A link a person can open for about `expiresInSeconds`: a pre-signed URL in S3, a
   * `file:` URL locally; undefined when the store cannot make one.
   */
  link(key: string, expiresInSeconds: number): Promise<string | undefined>;
}

/** One email, fully rendered; the mailer only transports it. */
export interface OutgoingEmail {
  /** Stable key of this delivery, e.g. `report:daily:2026-03-01:managers`. */
  readonly idempotencyKey: string;
  /** Name of the recipient list, e.g. `managers` or `on-call`. */
  readonly listName: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly attachments?: readonly {
    readonly filename: string;
    readonly contentType: string;
    readonly content: Uint8Array;
    /** Set for inline images referenced as `cid:` in the HTML. */
    readonly cid?: string;
  }[];
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SentEmail {
  readonly messageId: string;
  /** Where a person can look at it (outbox path, or SES message id). */
  readonly location: string;
}

/** A recipient the mail service no longer delivers to, after a bounce or a complaint. */
export interface SuppressedRecipient {
  readonly address: string;
  /** Why: `BOUNCE` or `COMPLAINT` (SES's reasons). */
  readonly reason: string;
  /** When the service last recorded it (ISO 8601). */
  readonly since: string;
}

/** Sends rendered emails (outbox folder locally, SES in AWS). */
export interface Mailer {
  send(email: OutgoingEmail, context: { readonly runId: string }): Promise<SentEmail>;
  /**
   * Which of `addresses` the service suppresses (SES: the account's suppression list, fed
   * by the bounces and complaints of earlier sends); absent when it keeps no such list.
   */
  suppressed?(addresses: readonly string[]): Promise<readonly SuppressedRecipient[]>;
}

/**
 * A record that one delivery happened, so that it happens once: first a claim
 * (`state: "sending"`, owned by `runId` until `leaseUntil`), then the delivery
 * (`state: "delivered"`, with the message id). A chat post can also end `unknown` (it timed
 * out, and is not re-sent) or `rejected` (the platform refused its payload); both are final.
 * See `functions/lib/delivery/claims.ts`.
 */
export interface DeliveryRecord {
  readonly idempotencyKey: string;
  /** The run that owns the claim (and made the delivery). */
  readonly runId: string;
  /** When the claim, or the delivery, was recorded (ISO 8601). */
  readonly deliveredAt: string;
  readonly state?: "sending" | "delivered" | "unknown" | "rejected";
  /** Until when the claim holds (ISO 8601): the owning run's deadline. */
  readonly leaseUntil?: string;
  readonly messageId?: string;
  readonly [field: string]: unknown;
}

/**
 * Remembers deliveries, for any channel (email lists, on-call, chat contact points).
 * `claim` is create-if-absent (S3 `If-None-Match: *`, `O_EXCL` locally): of many concurrent
 * claims of one key exactly one returns true. Use it through `claimDelivery`
 * (functions/lib/delivery/claims.ts), which adds leases and takeovers.
 */
export interface DeliveryLog {
  claim(record: DeliveryRecord): Promise<boolean>;
  /**
   * Replaces `previous` — a claim past its lease, or whose owner is gone — with `record`,
   * only if the stored record is still exactly `previous` (S3 `If-Match` on its ETag;
   * locally an exclusive marker per replaced claim): of many concurrent takeovers of one
   * claim exactly one returns true.
   */
  takeOver(record: DeliveryRecord, previous: DeliveryRecord): Promise<boolean>;
  /**
   * Whether the process that made a claim is known to be gone, so that its claim can be
   * taken over before its lease ends. The local store records the claimant's process id
   * and host; a store that cannot tell (S3) leaves this out.
   */
  ownerGone?(record: DeliveryRecord): Promise<boolean>;
  get(idempotencyKey: string): Promise<DeliveryRecord | undefined>;
  /** Records the outcome of a claimed delivery (message id, or failure to retry). */
  complete(record: DeliveryRecord): Promise<void>;
  /** Gives up a claim whose send failed, so that a later run can retry it. */
  release(idempotencyKey: string): Promise<void>;
}

/** Appends one JSON line per run. */
export interface RunLog {
  append(entry: Readonly<Record<string, unknown>>): Promise<void>;
  /**
   * The entries appended since `from` at least (a store may return some older ones too), in
   * order; for status commands (`opspulse alerts status`), never for a run's decisions.
   */
  since?(from: Date): Promise<Record<string, unknown>[]>;
}

/** Alert state per (metric, scope), with optimistic concurrency. */
export interface AlertStateStore {
  load(): Promise<{ readonly state: unknown; readonly version: string | undefined }>;
  /** Saves when the stored version is still `expectedVersion`; returns false on a conflict. */
  save(state: unknown, expectedVersion: string | undefined): Promise<boolean>;
}
