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
import { isNotFound } from "../adapters/aws-errors.ts";
import { mapLimited } from "../adapters/map-limited.ts";
import type { QueryEngine } from "../ports.ts";
import type { SourceDecl } from "../query/catalog.ts";
import { ROLLUP_PARTITION_COLUMN } from "./schema.ts";
import {
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

  return {
    maxDaysPerBuild: UNLOAD_MAX_PARTITIONS,

    async fingerprints(table, dts) {
      const location = locationOf(table);
      const entries = await mapLimited(dts, CONCURRENCY, async (dt) => {
        const folder = `${location}dt=${dt}/`;
        const lines = (await list(folder))
          .map((object) => ({ ...object, name: object.key.slice(folder.length) }))
          .filter(({ name }) => !name.startsWith("_") && !name.startsWith("."))
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
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: manifestKey,
            Body: `${JSON.stringify(manifest, null, 2)}\n`,
            ContentType: "application/json",
          }),
        );
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
      const result = await options.engine.run(
        { ...query, sql: unloadSql(query.sql, `s3://${bucket}/${staging}`) },
        params,
      );
      const staged = await list(staging);
      try {
        const current = replaceOptions.replaceFresh
          ? []
          : await readManifests(
              rollup,
              manifests.map((m) => m.localDate),
            );
        for (const manifest of manifests) {
          if (current.some((stored) => sameInputs(stored, manifest))) continue;
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
          await s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: manifestKey,
              Body: `${JSON.stringify(manifest, null, 2)}\n`,
              ContentType: "application/json",
            }),
          );
        }
      } finally {
        await remove(staged.map((object) => object.key));
      }
      return result.stats;
    },
  };
}

/** The engine with rollups kept in the S3 lake (Athena runs without them otherwise). */
export function withAthenaRollups(
  engine: QueryEngine,
  options: Omit<AthenaRollupStorageOptions, "engine">,
): QueryEngine {
  return {
    ...engine,
    rollups: createAthenaRollupStorage({ ...options, engine }),
    lakeFirstDay: () => firstRawPartition(options),
  };
}

/**
 * The first `dt` partition of the raw tables in the S3 lake: S3 lists keys in order, so
 * the first common prefix of each table's folder is its earliest partition.
 */
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
    `) AS build) TO '${target.replaceAll("'", "''")}'`,
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
