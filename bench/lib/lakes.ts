/**
 * The two benchmark lakes, generated once and cached under `bench/cache/`:
 *
 * - `lake-800d`: the sample-lake generator run over 800 UTC days;
 * - `lake-400d`: hard links to the last 400 days of `lake-800d`'s partitions and to its
 *   dimensions, so its recent data is the very same bytes and only the history differs.
 *
 * A marker file (`bench-lake.json`) beside each lake records the options it was made with;
 * a lake whose marker matches is reused, any other is rebuilt.
 *
 * Neither lake has an identity map: the generator writes one (30 % of people with two or
 * three ids, 2.5 M mapping rows on the long lake), which the short lake never linked, so a
 * freshly generated long lake ran its daily builds twice as slowly as the short one (history
 * ratio 2.10× on 2026-12-08) until the identity section, which removes the map it measures
 * with, had run once. The peer, frozen before the map existed, maps no ids either. The map's
 * cost is measured on its own, in the identity section (bench/lib/identity.ts).
 */
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { addDays } from "../../functions/lib/kpi/windows.ts";
import { type GenerateOptions, generateLake } from "../../functions/lib/lake/generator.ts";
import { sqlString } from "../../functions/lib/query/sql-literal.ts";

/**
 * The generator's options for the long lake. At the generator's order rate (about one
 * order record per 60 events) 4.6 M signups over 800 days put about 125 M events and
 * 2.1 M order records into the last 400 days: above the 20 M events and 2 M orders.
 */
export const LONG_LAKE: GenerateOptions = {
  seed: 7,
  days: 800,
  endDate: "2026-11-22",
  users: 4_600_000,
};
/** Days of history of the short lake (the long lake's last days). */
export const SHORT_LAKE_DAYS = 400;

/** One benchmark lake: its folder and what it holds. */
export interface BenchLake {
  readonly dir: string;
  readonly days: number;
  readonly firstDate: string;
  readonly endDate: string;
  readonly rows: { readonly events: number; readonly orders: number };
  readonly bytes: { readonly events: number; readonly orders: number; readonly dims: number };
  readonly files: number;
}

interface Marker {
  readonly options: GenerateOptions & { readonly shortDays?: number };
  readonly lake: BenchLake;
  readonly generatedInMs?: number;
}

const MARKER = "bench-lake.json";
const FACT_TABLES = ["events", "orders"] as const;
const DIMENSIONS = [join("dims", "campaigns"), join("dims", "content")] as const;
/** The generator's identity map, which the bench lakes do not keep (see the module comment). */
const IDENTITY_MAP = join("dims", "identities");

/**
 * The cached lakes, generating the long one (minutes, once) and linking the short one when
 * their markers do not match the options.
 */
export async function ensureBenchLakes(options: {
  readonly cacheDir: string;
  readonly regenerate?: boolean;
  readonly log: (line: string) => void;
}): Promise<{
  readonly long: BenchLake;
  readonly short: BenchLake;
  readonly generatedInMs?: number;
}> {
  const longDir = join(options.cacheDir, `lake-${LONG_LAKE.days}d`);
  const shortDir = join(options.cacheDir, `lake-${SHORT_LAKE_DAYS}d`);
  let longMarker = options.regenerate ? undefined : readMarker(longDir, LONG_LAKE);
  if (!longMarker) {
    options.log(
      `generating the ${LONG_LAKE.days}-day lake in ${longDir} (${LONG_LAKE.users.toLocaleString("en-US")} signups; several minutes, once)`,
    );
    rmSync(longDir, { recursive: true, force: true });
    const started = performance.now();
    let reported = 0;
    await generateLake({
      ...LONG_LAKE,
      lakeDir: longDir,
      onProgress: ({ daysDone, days, events }) => {
        if (daysDone - reported >= days / 20 || daysDone === days) {
          reported = daysDone;
          options.log(
            `  day ${daysDone}/${days}, ${events.toLocaleString("en-US")} events, ${Math.round((performance.now() - started) / 1000)} s`,
          );
        }
      },
    });
    const generatedInMs = performance.now() - started;
    longMarker = {
      options: LONG_LAKE,
      lake: await describeLake(longDir, LONG_LAKE.days, LONG_LAKE.endDate),
      generatedInMs,
    };
    writeMarker(longDir, longMarker);
  }
  rmSync(join(longDir, IDENTITY_MAP), { recursive: true, force: true });
  const shortOptions = { ...LONG_LAKE, shortDays: SHORT_LAKE_DAYS };
  let shortMarker = options.regenerate ? undefined : readMarker(shortDir, shortOptions);
  if (!shortMarker || !sameFiles(shortMarker.lake, shortDir)) {
    options.log(`linking the last ${SHORT_LAKE_DAYS} days of ${longDir} into ${shortDir}`);
    linkRecentPartitions(longDir, shortDir, addDays(LONG_LAKE.endDate, 1 - SHORT_LAKE_DAYS));
    shortMarker = {
      options: shortOptions,
      lake: await describeLake(shortDir, SHORT_LAKE_DAYS, LONG_LAKE.endDate),
    };
    writeMarker(shortDir, shortMarker);
  }
  // The folders found here, not those the markers name: a private copy of the cache (cp -al)
  // carries markers naming the folders it was copied from, which it must never run on.
  return {
    long: { ...longMarker.lake, dir: longDir },
    short: { ...shortMarker.lake, dir: shortDir },
    ...(longMarker.generatedInMs ? { generatedInMs: longMarker.generatedInMs } : {}),
  };
}

/**
 * Rebuilds `target` from hard links to the files of `source`: the `dt` partitions from
 * `firstDate` on, and every dimension file.
 */
export function linkRecentPartitions(source: string, target: string, firstDate: string): void {
  rmSync(target, { recursive: true, force: true });
  for (const table of FACT_TABLES) {
    for (const partition of readdirSync(join(source, table)).sort()) {
      if (!partition.startsWith("dt=") || partition.slice(3) < firstDate) continue;
      linkFolder(join(source, table, partition), join(target, table, partition));
    }
  }
  for (const dimension of DIMENSIONS) linkFolder(join(source, dimension), join(target, dimension));
}

function linkFolder(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const file of readdirSync(from)) linkSync(join(from, file), join(to, file));
}

/** Rows, bytes and files of a lake (row counts from the Parquet footers). */
async function describeLake(dir: string, days: number, endDate: string): Promise<BenchLake> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const rows = { events: 0, orders: 0 };
    const bytes = { events: 0, orders: 0, dims: 0 };
    let files = 0;
    for (const table of FACT_TABLES) {
      const reader = await connection.runAndReadAll(
        `SELECT count(*) FROM read_parquet(${sqlString(join(dir, table, "dt=*", "*.parquet"))})`,
      );
      rows[table] = Number(reader.getRowsJson()[0]?.[0] ?? 0);
      for (const file of listFiles(join(dir, table))) {
        bytes[table] += statSync(file).size;
        files++;
      }
    }
    for (const dimension of DIMENSIONS) {
      for (const file of listFiles(join(dir, dimension))) {
        bytes.dims += statSync(file).size;
        files++;
      }
    }
    return { dir, days, firstDate: addDays(endDate, 1 - days), endDate, rows, bytes, files };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function listFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

function sameFiles(lake: BenchLake, dir: string): boolean {
  const count = [...FACT_TABLES, ...DIMENSIONS].reduce(
    (sum, table) => sum + listFiles(join(dir, table)).length,
    0,
  );
  return count === lake.files;
}

function readMarker(dir: string, options: Marker["options"]): Marker | undefined {
  const file = join(dir, MARKER);
  if (!existsSync(file)) return undefined;
  try {
    const marker = JSON.parse(readFileSync(file, "utf8")) as Marker;
    return JSON.stringify(marker.options) === JSON.stringify(options) ? marker : undefined;
  } catch {
    return undefined;
  }
}

function writeMarker(dir: string, marker: Marker): void {
  writeFileSync(join(dir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}
