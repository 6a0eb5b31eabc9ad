/**
 * The embedded adapters as factories of the runtime: DuckDB over the local lake, the
 * filesystem stores and the outbox. Only the CLI imports this file; the Lambda bundles do
 * not (DuckDB is a native module that has no place in them).
 */
import { join } from "node:path";
import { createDuckDbEngine } from "../adapters/duckdb.ts";
import { createFsAlertStateStore } from "../adapters/fs-alert-state.ts";
import { createFsStores } from "../adapters/fs-store.ts";
import { createOutboxMailer } from "../adapters/outbox-mailer.ts";
import type { AdapterFactories } from "./deps.ts";

/** Factories of the DuckDB engine, the filesystem stores and the outbox mailer. */
export function localAdapterFactories(): AdapterFactories {
  return {
    engine: {
      duckdb: (env) =>
        createDuckDbEngine({
          lakeDir: env.lakeDir,
          ...(env.rollups === false ? { rollups: false } : {}),
        }),
    },
    stores: {
      fs: (env) => ({
        ...createFsStores(env.outDir),
        alertState: createFsAlertStateStore({ dir: join(env.outDir, "alerts", "state") }),
      }),
    },
    mailer: {
      outbox: (env, context) =>
        createOutboxMailer({ dir: join(env.outDir, "outbox"), clock: context.clock }),
    },
  };
}
