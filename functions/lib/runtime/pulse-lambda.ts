/**
 * The pulse Lambda's dependencies and event: Athena (with the hourly rollups kept in the
 * lake), the S3 stores (alert state, delivery log, run log), SES, the pulse store and the
 * today page in the state bucket, the lake's file arrivals from S3 listings, and the chat
 * contact points (their URLs and secrets from SSM / Secrets Manager). No report renderer,
 * template or chart is imported: the pulse sends its own short emails and chat messages.
 */
import { S3Client } from "@aws-sdk/client-s3";
import * as z from "zod";
import { createS3LakeArrivals } from "../adapters/lake-arrivals.ts";
import { createS3ArtifactStore } from "../adapters/s3-artifacts.ts";
import { createS3PulseStore } from "../adapters/s3-pulse-store.ts";
import { createChatChannels } from "../chat/notify-channel.ts";
import type { SecretSource } from "../chat/secrets.ts";
import { loadDeploymentConfig } from "../config/load.ts";
import { type Clock, systemClock } from "../ports.ts";
import type { PulseDeps } from "../pulse/run-pulse.ts";
import { QueryCatalog } from "../query/catalog.ts";
import { type AwsClients, awsAdapterFactories } from "./aws-adapters.ts";
import { createAdapters } from "./deps.ts";
import { type EnvSource, type RuntimeEnv, readRuntimeEnv } from "./env.ts";
import { openRuntimeChat } from "./open-chat.ts";

/** The schedule's event: `{ pulse: true, scheduledTime }` (other fields ignored). */
export const pulseEventSchema = z.object({
  pulse: z.literal(true, { error: 'expected "pulse": true (the pulse schedule\'s input)' }),
  scheduledTime: z.iso
    .datetime({ offset: true, message: "expected an ISO 8601 date-time" })
    .optional(),
  time: z.iso.datetime({ offset: true, message: "expected an ISO 8601 date-time" }).optional(),
});
export type PulseEvent = z.output<typeof pulseEventSchema>;

/** The instant a pulse event asks for: its scheduled time, else now. */
export function pulseInstant(event: PulseEvent, clock: Clock = systemClock): Date {
  const text = event.scheduledTime ?? event.time;
  return text ? new Date(text) : clock.now();
}

/** `s3://bucket/prefix/` → its parts. */
function s3Location(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`OPSPULSE_LAKE_URI must be s3://bucket/prefix/, got "${uri}"`);
  const prefix = match[2] ?? "";
  return {
    bucket: match[1] ?? "",
    prefix: prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`,
  };
}

/** Opens the pulse's dependencies from the environment (the stack sets every variable). */
export async function openPulseDeps(
  env: RuntimeEnv,
  options: {
    readonly clients?: AwsClients;
    readonly clock?: Clock;
    instrument?<T>(client: T): T;
    /** Where the chat contact points' references are read (default: SSM / Secrets Manager). */
    readonly chatSecrets?: SecretSource;
  } = {},
): Promise<PulseDeps> {
  const clock = options.clock ?? systemClock;
  const config = loadDeploymentConfig(env.configDir);
  const adapters = await createAdapters(env, [awsAdapterFactories(options.clients)], {
    clock,
    ...(options.instrument ? { instrument: options.instrument } : {}),
  });
  const s3 = options.clients?.s3 ?? new S3Client({ forcePathStyle: env.s3PathStyle });
  const state = env.store.kind === "s3" ? env.store : undefined;
  if (!state) throw new Error("the pulse Lambda needs OPSPULSE_STORE=s3 (the state bucket)");
  const lakeUri = env.engine.kind === "athena" ? env.engine.lakeUri : undefined;
  // The on-call and owners' chat groups get the pulse's alerts as they get the reports'.
  const chat = await openRuntimeChat(config, {
    ...(options.instrument ? { instrument: options.instrument } : {}),
    ...(options.chatSecrets ? { aws: options.chatSecrets } : {}),
  });
  const chatDeps = { ...adapters, config, clock };
  return {
    engine: adapters.engine,
    catalog: new QueryCatalog(env.queriesDir),
    config,
    clock,
    alertState: adapters.alertState,
    deliveries: adapters.deliveries,
    runLog: adapters.runLog,
    mailer: adapters.mailer,
    pulses: createS3PulseStore({ client: s3, bucket: state.bucket, prefix: state.prefix }),
    artifacts: createS3ArtifactStore({ client: s3, bucket: state.bucket, prefix: state.prefix }),
    ...(lakeUri ? { arrivals: createS3LakeArrivals({ client: s3, ...s3Location(lakeUri) }) } : {}),
    ...(chat ? { channels: createChatChannels(chatDeps, chat) } : {}),
  };
}

/** The dependencies, opened on the first invocation and kept for the container. */
export function lazyPulseDeps(
  source: EnvSource,
  options: Parameters<typeof openPulseDeps>[1] = {},
): () => Promise<PulseDeps> {
  let opened: Promise<PulseDeps> | undefined;
  return () => {
    opened ??= openPulseDeps(readRuntimeEnv(source), options).catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
}
