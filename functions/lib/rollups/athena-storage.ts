/**
 * Rollups in the S3 lake, written by Athena: `s3://<lake>/rollups/<name>/local_date=…/`
 * holds one local day's Parquet files and its `_manifest.json` (Athena skips files whose
 * name starts with `_`). The Glue tables over them use partition projection on
 * `local_date` (infra/constructs/catalog.ts), so a written day is readable at once.
 *
 * A build is one `UNLOAD (<build query>) TO <staging> WITH (partitioned_by = local_date)`
 * into a prefix of its own (UNLOAD wants an empty target and writes at most 100 partitions,
 * hence {@link RollupStorage.maxDaysPerBuild}); then, day by day, the old manifest goes
 * first (a build that dies half-way leaves the day without one, so it is built again), the
 * old files next, the staged files are copied in and the new manifest is written last.
 * S3 has no rename: a query reading that very day at that moment may see it half-replaced;
 * the report runs refresh a day before they read it, so they never do. Raw partitions are
 * fingerprinted by their objects' keys, sizes and ETags.
 *
 * Two Lambdas may need the same day at once (the daily and the campaigns report both start
 * at 08:00): a build first takes each day's lock object in S3 (s3-build-lock.ts), then
 * skips the days another builder finished meanwhile. Builds are sized to stay under the
 * workgroup's bytes-scanned cutoff (by the raw partitions' sizes, as listed for the
 * fingerprints), and one cancelled for scanning too much is split, not retried as it was.
 * Whatever an UNLOAD staged is removed afterwards, also when it failed (Athena leaves its
 * files), and the lake bucket's lifecycle rule expires what a killed build left.
 *
 * Tested against aws-sdk-client-mock (S3 and the Athena API); the UNLOAD statement itself
 * has not been run on a real Athena here.
 */
import { createHash } from "node:crypto";
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { AthenaQueryError } from "../adapters/athena.ts";
import { isNotFound } from "../adapters/aws-errors.ts";
import { mapLimited } from "../adapters/map-limited.ts";
import type { QueryEngine } from "../ports.ts";
import type { SourceDecl } from "../query/catalog.ts";
import { sqlString } from "../query/sql-literal.ts";
import { type BuildLockOptions, lockDays } from "./s3-build-lock.ts";
import { ROLLUP_PARTITION_COLUMN } from "./schema.ts";
import {
  BuildTooLargeError,
  MANIFEST_FILE,
  type RollupManifest,
  type RollupStorage,
  type StateManifest,
  sameInputs,
} from "./storage.ts";

/** UNLOAD writes at most this many partitions per query. */
export const UNLOAD_MAX_PARTITIONS = 100;
/** S3 requests in flight at once while listing or reading manifests. */
const CONCURRENCY = 8;

export interface AthenaRollupStorageOptions {
  /** The Athena engine: it runs the UNLOAD statements. */
  readonly engine: QueryEngine;
  /**
   * Most bytes of raw files one build may read: the workgroup's per-query cutoff (with a
   * margin). A build over the cutoff would be cancelled by Athena, every time.
   */
  readonly maxBytesPerBuild?: number;
  /** The run's deadline: waiting for another builder's lock stops there. */
  readonly deadline?: Date;
  /** Lock timing (tests): TTL, poll interval, clock, sleep. */
  readonly locks?: Pick<BuildLockOptions, "ttlMs" | "pollMs" | "now" | "sleep">;
  readonly s3: S3Client;
  /** The lake root, `s3://bucket/` or `s3://bucket/prefix/`. */
  readonly lakeUri: string;
  /** The logical tables, raw and rollup (`_sources.yaml`). */
  readonly sources: readonly SourceDecl[];
}

/** Rollup storage in the S3 lake, built with Athena UNLOAD. */
export function createAthenaRollupStorage(options: AthenaRollupStorageOptions): RollupStorage {
  const { bucket, prefix } = parseLakeUri(options.lakeUri);
  const { s3 } = options;
  const locationOf = (table: string): string => {
    const source = options.sources.find((s) => s.name === table);
    if (!source) throw new Error(`No source "${table}" in queries/_sources.yaml.`);
    return `${prefix}${source.location}`;
  };
  const partitionPrefix = (rollup: string, day: string) =>
    `${locationOf(rollup)}${ROLLUP_PARTITION_COLUMN}=${day}/`;

  const list = async (keyPrefix: string) => {
    const objects: { key: string; size: number; etag: string }[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: keyPrefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) {
          objects.push({ key: object.Key, size: object.Size ?? 0, etag: object.ETag ?? "" });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  };
  const remove = async (keys: readonly string[]) => {
    for (let i = 0; i < keys.length; i += 1000) {
      await s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  };

  const readManifests = async (
    rollup: string,
    days: readonly string[],
  ): Promise<RollupManifest[]> => {
    const found = await mapLimited(days, CONCURRENCY, async (day) => {
      try {
        const object = await s3.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: `${partitionPrefix(rollup, day)}${MANIFEST_FILE}`,
          }),
        );
        const manifest = JSON.parse((await object.Body?.transformToString()) ?? "") as
          | Partial<RollupManifest>
          | undefined;
        return manifest?.rollup === rollup && manifest.localDate === day
          ? (manifest as RollupManifest)
          : undefined;
      } catch (error) {
        // No manifest, or an unreadable one: the day is built again.
        if (isNotFound(error) || error instanceof SyntaxError) return undefined;
        throw error;
      }
    });
    return found.filter((manifest): manifest is RollupManifest => manifest !== undefined);
  };

  const readStateManifest = async (rollup: string): Promise<StateManifest | undefined> => {
    try {
      const object = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: `${locationOf(rollup)}${MANIFEST_FILE}` }),
      );
      const manifest = JSON.parse((await object.Body?.transformToString()) ?? "") as
        | Partial<StateManifest>
        | undefined;
      return manifest?.rollup === rollup && typeof manifest.buildId === "string"
        ? (manifest as StateManifest)
        : undefined;
    } catch (error) {
      // No manifest, or an unreadable one: the state is rebuilt from scratch.
      if (isNotFound(error) || error instanceof SyntaxError) return undefined;
      throw error;
    }
  };

  // Bytes of each raw partition's data files, as the last listing found them.
  const partitionSizes = new Map<string, number>();
  const dataFiles = async (table: string, dt: string) => {
    const folder = `${locationOf(table)}dt=${dt}/`;
    const files = (await list(folder))
      .map((object) => ({ ...object, name: object.key.slice(folder.length) }))
      .filter(({ name }) => !name.startsWith("_") && !name.startsWith("."));
    partitionSizes.set(
      `${table}/${dt}`,
      files.reduce((sum, file) => sum + file.size, 0),
    );
    return files;
  };
  const lockOptions = {
    ...(options.deadline ? { deadline: options.deadline } : {}),
    ...(options.locks ?? {}),
  };

  return {
    maxDaysPerBuild: UNLOAD_MAX_PARTITIONS,
    ...(options.maxBytesPerBuild ? { maxBytesPerBuild: options.maxBytesPerBuild } : {}),

    async partitionBytes(table, dts) {
      const entries = await mapLimited(dts, CONCURRENCY, async (dt) => {
        const known = partitionSizes.get(`${table}/${dt}`);
        if (known !== undefined) return [dt, known] as const;
        await dataFiles(table, dt);
        return [dt, partitionSizes.get(`${table}/${dt}`) ?? 0] as const;
      });
      return Object.fromEntries(entries);
    },

    async tableFingerprint(table) {
      const lines = (await list(locationOf(table)))
        .filter(({ key }) => !/(^|\/)[_.][^/]*$/.test(key))
        .sort((a, b) => (a.key < b.key ? -1 : 1))
        .map(({ key, size, etag }) => `${key}\t${size}\t${etag}`);
      return lines.length
        ? createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 32)
        : "";
    },

    async fingerprints(table, dts) {
      const entries = await mapLimited(dts, CONCURRENCY, async (dt) => {
        const lines = (await dataFiles(table, dt))
          .sort((a, b) => (a.name < b.name ? -1 : 1))
          .map(({ name, size, etag }) => `${name}\t${size}\t${etag}`);
        const fingerprint = lines.length
          ? createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 32)
          : "";
        return [dt, fingerprint] as const;
      });
      return Object.fromEntries(entries);
    },

    manifests: readManifests,

    async days(rollup) {
      const location = locationOf(rollup);
      const prefix = `${ROLLUP_PARTITION_COLUMN}=`;
      return (await list(location))
        .map((object) => object.key.slice(location.length))
        .filter((rest) => rest.startsWith(prefix) && rest.endsWith(`/${MANIFEST_FILE}`))
        .map((rest) => rest.slice(prefix.length, -`/${MANIFEST_FILE}`.length))
        .sort();
    },

    stateManifest: readStateManifest,

    async replaceState(rollup, query, params, manifest, expected) {
      const staging = `${prefix}rollups/_staging/${manifest.buildId}-${rollup}/`;
      const result = await options.engine.run(
        {
          ...query,
          sql: unloadSql(query.sql, `s3://${bucket}/${staging}`, { partitioned: false }),
        },
        params,
      );
      const staged = await list(staging);
      try {
        const current = await readStateManifest(rollup);
        if (current?.buildId !== expected) return { stats: result.stats, replaced: false };
        const target = locationOf(rollup);
        const manifestKey = `${target}${MANIFEST_FILE}`;
        const old = (await list(target))
          .map((object) => object.key)
          // The state's own files only, not a partitioned rollup's under it.
          .filter((key) => !key.slice(target.length).includes("/"));
        await remove(old.filter((key) => key === manifestKey));
        await remove(old.filter((key) => key !== manifestKey));
        for (const object of staged) {
          await s3.send(
            new CopyObjectCommand({
              Bucket: bucket,
              CopySource: encodeURI(`${bucket}/${object.key}`),
              Key: `${target}${object.key.slice(staging.length)}`,
            }),
          );
        }
        await putManifest(s3, bucket, manifestKey, manifest);
        return { stats: result.stats, replaced: true };
      } finally {
        await remove(staged.map((object) => object.key));
      }
    },

    async replace(rollup, query, params, manifests, replaceOptions = {}) {
      if (manifests.length > UNLOAD_MAX_PARTITIONS) {
        throw new Error(
          `One UNLOAD writes at most ${UNLOAD_MAX_PARTITIONS} partitions, not ${manifests.length}.`,
        );
      }
      const buildId = manifests[0]?.buildId ?? "build";
      const staging = `${prefix}rollups/_staging/${buildId}-${rollup}/`;
      const days = manifests.map((m) => m.localDate);
      // No two builders of a day at once (another Lambda may be building it right now).
      const locks = await lockDays(
        { ...lockOptions, s3, bucket, prefix: `${prefix}rollups/_locks/` },
        rollup,
        days,
        buildId,
      );
      try {
        // What another builder finished while this one waited is left as it is.
        const current = replaceOptions.replaceFresh ? [] : await readManifests(rollup, days);
        const todo = manifests.filter((m) => !current.some((stored) => sameInputs(stored, m)));
        if (todo.length === 0) {
          return { query: query.name, elapsedMs: 0, rows: 0, bytesScanned: 0 };
        }
        let result: Awaited<ReturnType<QueryEngine["run"]>>;
        try {
          result = await options.engine.run(
            { ...query, sql: unloadSql(query.sql, `s3://${bucket}/${staging}`) },
            params,
          );
        } catch (error) {
          if (error instanceof AthenaQueryError && error.kind === "cancelled") {
            throw new BuildTooLargeError(
              `The ${rollup} rollup build of ${days[0]}…${days.at(-1)} was cancelled in Athena (over the workgroup's bytes-scanned cutoff, opspulse:athenaBytesScannedCutoffPerQuery): build fewer days at once, or raise the cutoff.`,
              { cause: error },
            );
          }
          throw error;
        }
        const staged = await list(staging);
        for (const manifest of todo) {
          const day = `${ROLLUP_PARTITION_COLUMN}=${manifest.localDate}/`;
          const target = partitionPrefix(rollup, manifest.localDate);
          const manifestKey = `${target}${MANIFEST_FILE}`;
          const old = (await list(target)).map((object) => object.key);
          await remove(old.filter((key) => key === manifestKey));
          await remove(old.filter((key) => key !== manifestKey));
          for (const object of staged.filter((o) => o.key.startsWith(`${staging}${day}`))) {
            await s3.send(
              new CopyObjectCommand({
                Bucket: bucket,
                CopySource: encodeURI(`${bucket}/${object.key}`),
                Key: `${target}${object.key.slice(staging.length + day.length)}`,
              }),
            );
          }
          await putManifest(s3, bucket, manifestKey, manifest);
        }
        return result.stats;
      } finally {
        // Also after a failed or cancelled UNLOAD: Athena leaves what it wrote.
        try {
          await remove((await list(staging)).map((object) => object.key));
        } finally {
          await locks.release();
        }
      }
    },
  };
}

/** The engine with rollups kept in the S3 lake (Athena runs without them otherwise). */
export function withAthenaRollups(
  engine: QueryEngine,
  options: Omit<AthenaRollupStorageOptions, "engine">,
): QueryEngine {
  const withDeadline = engine.withDeadline?.bind(engine);
  return {
    ...engine,
    rollups: createAthenaRollupStorage({ ...options, engine }),
    lakeFirstDay: () => firstRawPartition(options),
    // A run's deadline binds its rollup builds too (their UNLOADs run on the bound engine).
    ...(withDeadline
      ? {
          withDeadline: (deadline: Date) =>
            withAthenaRollups(withDeadline(deadline), { ...options, deadline }),
        }
      : {}),
  };
}

/**
 * The first `dt` partition of the raw tables in the S3 lake: S3 lists keys in order, so
 * the first common prefix of each table's folder is its earliest partition.
 */
/** Writes a rollup's manifest (pretty JSON, one trailing newline) to S3. */
async function putManifest(
  s3: S3Client,
  bucket: string,
  key: string,
  manifest: unknown,
): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: `${JSON.stringify(manifest, null, 2)}\n`,
      ContentType: "application/json",
    }),
  );
}

async function firstRawPartition(
  options: Omit<AthenaRollupStorageOptions, "engine">,
): Promise<string | undefined> {
  const { bucket, prefix } = parseLakeUri(options.lakeUri);
  const firsts: string[] = [];
  for (const source of options.sources.filter((s) => s.partitioned_by === "dt")) {
    const folder = `${prefix}${source.location}`;
    const page = await options.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${folder}dt=`, Delimiter: "/" }),
    );
    const first = (page?.CommonPrefixes ?? [])
      .map((common) => /dt=(\d{4}-\d{2}-\d{2})\/$/.exec(common.Prefix ?? "")?.[1])
      .find((dt): dt is string => dt !== undefined);
    if (first) firsts.push(first);
  }
  return firsts.sort()[0];
}

/**
 * The build query wrapped in UNLOAD. The query goes in a subquery, since Athena documents
 * UNLOAD of a SELECT (the build queries start with WITH); `local_date` is its last column,
 * as `partitioned_by` requires.
 */
export function unloadSql(
  buildSql: string,
  target: string,
  options: { readonly partitioned?: boolean } = {},
): string {
  const partitioning =
    options.partitioned === false ? "" : `, partitioned_by = ARRAY['${ROLLUP_PARTITION_COLUMN}']`;
  return [
    "UNLOAD (SELECT * FROM (",
    buildSql.trimEnd(),
    `) AS build) TO ${sqlString(target)}`,
    `WITH (format = 'PARQUET', compression = 'SNAPPY'${partitioning})`,
  ].join("\n");
}

function parseLakeUri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match || !(match[2] === "" || match[2]?.endsWith("/"))) {
    throw new Error(`The lake location "${uri}" must be s3://bucket/ or s3://bucket/prefix/.`);
  }
  return { bucket: match[1] ?? "", prefix: match[2] ?? "" };
}
