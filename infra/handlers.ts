/**
 * Where the Lambda handlers and the folders they read at runtime live in the repository.
 * The one place the stack names handler entry files: a moved handler is a one-line change.
 */
import { fileURLToPath } from "node:url";

/** The repository root (the folder holding package.json and package-lock.json). */
export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The Lambda handlers, each a thin middy handler exporting `handler`. */
export const HANDLERS = {
  scheduledReport: {
    id: "ScheduledReport",
    entry: "functions/scheduled-report/index.ts",
    description: "Runs a daily or weekly KPI report when EventBridge Scheduler fires.",
  },
  campaigns: {
    id: "Campaigns",
    entry: "functions/campaigns/index.ts",
    description: "Runs the campaign ROI report for the campaigns active in the period.",
  },
  adhocRun: {
    id: "AdhocRun",
    entry: "functions/adhoc-run/index.ts",
    description: "Runs a report on demand (opspulse invoke) and returns a summary.",
  },
  pulse: {
    id: "Pulse",
    entry: "functions/pulse/index.ts",
    description:
      "The intra-day pulse: today so far vs past weeks, stalls and pace alerts, the today page.",
  },
} as const;

/**
 * Handlers whose bundle carries only the queries and the config: no templates, fonts or
 * chart renderer (the pulse sends its own short emails and writes a plain HTML page).
 */
export const LEAN_HANDLERS: readonly HandlerName[] = ["pulse"];

export type HandlerName = keyof typeof HANDLERS;

/**
 * Folders the handlers load at runtime, copied beside the bundle (`/var/task/<folder>`).
 * Queries are read from disk rather than inlined so that the bundle and the CLI read the
 * very same `.sql` files; templates are compiled by `npm run build:templates`; the fonts are
 * the only ones charts are drawn with (Lambda has none).
 */
export const RUNTIME_FOLDERS = {
  queries: "queries",
  templates: "templates/dist",
  fonts: "assets/fonts",
} as const;

/**
 * Packages the handlers import at runtime from a `node_modules/` beside the bundle instead of
 * from the bundle: resvg's WebAssembly build reads its `.wasm` from its own package folder.
 * It is the same on every platform, so the repository's installed copy is copied as it is.
 */
export const RUNTIME_PACKAGES = ["@resvg/resvg-wasm"] as const;

/** Lambda's working directory, where the bundle and the copied folders end up. */
export const LAMBDA_TASK_ROOT = "/var/task";
