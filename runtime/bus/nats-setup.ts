// Idempotent creation of the work stream and of one durable pull consumer per (workflow, role).
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import type { CompiledNatsBusOptions } from "./nats-options.ts";
import type { NatsNames } from "./nats-names.ts";

/** JetStream API error codes the bus reacts to. */
export const JS_CODES = {
  streamNameInUse: 10058,
  subjectsOverlap: 10065,
  streamNotFound: 10059,
  consumerNotFound: 10014,
} as const;

/** True when `err` is a JetStream API error with `code`. */
export function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

function workStreamConfig(names: NatsNames, opts: CompiledNatsBusOptions): Partial<StreamConfig> & { name: string } {
  return {
    name: names.stream,
    subjects: [names.streamSubjects],
    retention: RetentionPolicy.Workqueue,
    storage: opts.storage === "memory" ? StorageType.Memory : StorageType.File,
    num_replicas: opts.replicas,
    duplicate_window: nanos(opts.duplicateWindowMs),
    discard: DiscardPolicy.Old,
  };
}

/**
 * Creates the work stream, or updates it when it exists with other settings (replicas, dedup window).
 * Safe to call from every process at start: an identical create is a no-op on the server.
 */
export async function ensureWorkStream(jsm: JetStreamManager, names: NatsNames, opts: CompiledNatsBusOptions): Promise<void> {
  await ensureStream(jsm, workStreamConfig(names, opts));
}

/** Creates a stream, or updates it to `config` when it exists; safe when several processes do it at once. */
export async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (err) {
    // Two processes creating it at once: the later one may be told its subjects overlap the stream the other one
    // just created (under our own name), not that the name is in use.
    if (!isApiError(err, JS_CODES.streamNameInUse) && !(isApiError(err, JS_CODES.subjectsOverlap) && (await streamExists(jsm, config.name)))) throw err;
    const { name, ...update } = config;
    await jsm.streams.update(name, update);
  }
}

async function streamExists(jsm: JetStreamManager, name: string): Promise<boolean> {
  try {
    await jsm.streams.info(name);
    return true;
  } catch (err) {
    if (isApiError(err, JS_CODES.streamNotFound)) return false;
    throw err;
  }
}

/**
 * Creates (or updates to the current options) the durable pull consumer of a role. One consumer per role is
 * shared by every process serving it, so each message goes to exactly one of them. Returns its name.
 */
export async function ensureRoleConsumer(
  jsm: JetStreamManager,
  names: NatsNames,
  opts: CompiledNatsBusOptions,
  workflow: string,
  role: string,
): Promise<string> {
  const durable = names.durable(workflow, role);
  // On 2.9 a create with the name of an existing consumer and a different config updates it.
  await jsm.consumers.add(names.stream, {
    durable_name: durable,
    filter_subject: names.subject(workflow, role),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(opts.ackWaitMs),
    max_deliver: opts.maxDeliver,
    max_ack_pending: opts.maxAckPending,
  });
  return durable;
}
