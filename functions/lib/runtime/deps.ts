/**
 * Builds the adapters a use case needs from the runtime configuration: the engine
 * (duckdb | athena), the stores (fs | s3) and the mailer (outbox | ses), each chosen on its
 * own (see `env.ts`). The factories are passed in — the CLI passes the local and the AWS
 * ones, a Lambda handler only the AWS ones — so that a bundle holds only what it can use.
 */
import type {
  AlertStateStore,
  Clock,
  DeliveryLog,
  Mailer,
  QueryEngine,
  RunLog,
  SnapshotStore,
} from "../ports.ts";
import { systemClock } from "../ports.ts";
import { type EngineEnv, EnvError, type MailerEnv, type RuntimeEnv, type StoreEnv } from "./env.ts";

/** The stores of one runtime. */
export interface StoreSet {
  readonly snapshots: SnapshotStore;
  readonly deliveries: DeliveryLog;
  readonly runLog: RunLog;
  readonly alertState: AlertStateStore;
}

/** Every adapter a report run needs, and how to let go of them. */
export interface Adapters extends StoreSet {
  readonly engine: QueryEngine;
  readonly mailer: Mailer;
  readonly clock: Clock;
  /** Closes the engine (DuckDB holds a database; Athena nothing). */
  close(): Promise<void>;
}

/** What a factory gets besides its own configuration. */
export interface FactoryContext {
  readonly clock: Clock;
  /** Whether S3 is addressed by path (a local S3 endpoint). */
  readonly s3PathStyle: boolean;
  /** Wraps an SDK client before use (the Lambda handlers add X-Ray tracing). */
  instrument<T>(client: T): T;
  /** Folder of the `.sql` files and `_sources.yaml`, when not the repository's own. */
  readonly queriesDir?: string;
}

type Of<U, K> = Extract<U, { kind: K }>;
type Factory<E, R> = (env: E, context: FactoryContext) => R | Promise<R>;

/** Adapter factories by kind; a build that lacks one cannot select it. */
export interface AdapterFactories {
  readonly engine: {
    readonly duckdb?: Factory<Of<EngineEnv, "duckdb">, QueryEngine>;
    readonly athena?: Factory<Of<EngineEnv, "athena">, QueryEngine>;
  };
  readonly stores: {
    readonly fs?: Factory<Of<StoreEnv, "fs">, StoreSet>;
    readonly s3?: Factory<Of<StoreEnv, "s3">, StoreSet>;
  };
  readonly mailer: {
    readonly outbox?: Factory<Of<MailerEnv, "outbox">, Mailer>;
    readonly ses?: Factory<Of<MailerEnv, "ses">, Mailer>;
  };
}

/** Options of {@link createAdapters}. */
export interface CreateAdaptersOptions {
  readonly clock?: Clock;
  readonly instrument?: <T>(client: T) => T;
}

/**
 * The adapters `env` selects, built with the first of `factories` that provides each.
 * Throws an {@link EnvError} when the selection is not available in this build.
 */
export async function createAdapters(
  env: RuntimeEnv,
  factories: readonly AdapterFactories[],
  options: CreateAdaptersOptions = {},
): Promise<Adapters> {
  const clock = options.clock ?? systemClock;
  const context: FactoryContext = {
    clock,
    s3PathStyle: env.s3PathStyle,
    instrument: options.instrument ?? ((client) => client),
    ...(env.queriesDir ? { queriesDir: env.queriesDir } : {}),
  };
  const pick = <F>(part: "engine" | "stores" | "mailer", kind: string, variable: string): F => {
    const available = new Set<string>();
    for (const table of factories) {
      const byKind = table[part] as Readonly<Record<string, F | undefined>>;
      for (const [name, factory] of Object.entries(byKind)) if (factory) available.add(name);
      const factory = byKind[kind];
      if (factory) return factory;
    }
    throw new EnvError(
      `The ${kind} ${part === "stores" ? "store" : part} is not available here (this build has: ${[...available].join(", ") || "none"}): set ${variable} to one of those, or OPSPULSE_RUNTIME=aws in a Lambda.`,
    );
  };

  const engineFactory = pick<Factory<EngineEnv, QueryEngine>>(
    "engine",
    env.engine.kind,
    "OPSPULSE_ENGINE",
  );
  const storesFactory = pick<Factory<StoreEnv, StoreSet>>(
    "stores",
    env.store.kind,
    "OPSPULSE_STORE",
  );
  const mailerFactory = pick<Factory<MailerEnv, Mailer>>(
    "mailer",
    env.mailer.kind,
    "OPSPULSE_MAILER",
  );

  const stores = await storesFactory(env.store, context);
  const mailer = await mailerFactory(env.mailer, context);
  const engine = await engineFactory(env.engine, context);
  return { ...stores, engine, mailer, clock, close: () => engine.close() };
}
