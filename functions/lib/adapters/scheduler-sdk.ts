/**
 * `@aws-sdk/client-scheduler` as the re-checks' port (`waiting/rechecks.ts`) wants it. The
 * Lambda runtime ships every SDK v3 client, and the bundles leave `@aws-sdk/client-*` to it;
 * the module is imported by name at run time, so that a build without it in node_modules
 * still type-checks and bundles.
 */
import type { SchedulerSdk } from "../waiting/rechecks.ts";

const SCHEDULER_MODULE: string = "@aws-sdk/client-scheduler";

interface SchedulerModule {
  readonly SchedulerClient: new (config: object) => SchedulerSdk["client"];
  readonly CreateScheduleCommand: SchedulerSdk["CreateScheduleCommand"];
  readonly DeleteScheduleCommand: SchedulerSdk["DeleteScheduleCommand"];
}

/** Loads the Scheduler client (wrapped by `instrument`, e.g. X-Ray) and its commands. */
export async function loadSchedulerSdk(
  instrument: <T>(client: T) => T = (client) => client,
): Promise<SchedulerSdk> {
  const sdk = (await import(SCHEDULER_MODULE)) as SchedulerModule;
  return {
    client: instrument(new sdk.SchedulerClient({})),
    CreateScheduleCommand: sdk.CreateScheduleCommand,
    DeleteScheduleCommand: sdk.DeleteScheduleCommand,
  };
}
