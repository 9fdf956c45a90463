// One process's handles on a NATS deployment: the connection, the bus, blobs, the results stream and the run state.
import { connectNats, type NatsConnection } from "../adapter/nats.ts";
import { backoffDelay } from "../backoff.ts";
import { NatsBus } from "../bus/nats.ts";
import type { Logger } from "../log.ts";
import { NatsBlobStore } from "../message/blobs-nats.ts";
import { ResultStream } from "../results/stream.ts";
import { NatsSandboxDirectory } from "../sandbox/nats-client.ts";
import { RunStateStore } from "../state/run-state.ts";
import type { ReplicaDirectory } from "../../services/llm/mod.ts";
import { watchRegistry, type RegistryWatch } from "../../services/registry/mod.ts";

/** How a process joins a deployment (`--nats`, `--namespace`, `--replicas` and the bus's timing flags). */
export type DeploymentOptions = {
  /** One URL or a comma-separated list (cluster nodes). */
  url: string;
  namespace: string;
  /** Replicas of every stream and bucket this process creates: 1, or 3 on a cluster. */
  replicas: number;
  /** Ack wait of the role consumers (ms): a dead agent's hops come back after this long. */
  ackWaitMs: number;
  /** Deliveries of one hop before its task ends as an error row. */
  maxDeliver: number;
  /** Unacked hops per role over every agent. */
  maxAckPending: number;
};

/** How long a process keeps trying to create the streams and buckets at start (ms). */
const SETUP_TIMEOUT_MS = 60_000;

export const DEFAULT_DEPLOYMENT: Omit<DeploymentOptions, "url"> = {
  namespace: "mx",
  replicas: 1,
  ackWaitMs: 30_000,
  maxDeliver: 5,
  maxAckPending: 10_000,
};

export type Deployment = {
  readonly options: DeploymentOptions;
  readonly nc: NatsConnection;
  readonly bus: NatsBus;
  readonly blobs: NatsBlobStore;
  readonly results: ResultStream;
  readonly state: RunStateStore;
  /** The service registry of the namespace, watched from its first use on (for `llm.<name>.service`). */
  registry(): Promise<ReplicaDirectory>;
  /** The sandbox services of the namespace (`engine: sandbox`), reached by request/reply (for pools naming a `service`). */
  sandboxes(): NatsSandboxDirectory;
  /** Closes the bus (draining its consumers), then the connection. Idempotent. */
  close(): Promise<void>;
};

/** Connects and prepares the work stream, blob bucket, results stream and run-state bucket (created if missing). */
export async function openDeployment(opts: DeploymentOptions, name: string, log: Logger): Promise<Deployment> {
  const nc = await connectNats(opts.url, { name, reconnectTimeWaitMs: 250 });
  const ns = { namespace: opts.namespace, replicas: opts.replicas };
  const bus = new NatsBus(nc, { ...ns, ackWaitMs: opts.ackWaitMs, maxDeliver: opts.maxDeliver, maxAckPending: opts.maxAckPending, log });
  const blobs = new NatsBlobStore(nc, ns);
  const results = new ResultStream(nc, ns);
  const state = new RunStateStore(nc, ns);
  let watch: Promise<RegistryWatch> | undefined;
  const registry = (): Promise<ReplicaDirectory> =>
    (watch ??= watchRegistry(nc, { namespace: opts.namespace, log }).catch((err: unknown) => {
      watch = undefined;
      throw err;
    }));
  let sandboxDirectory: NatsSandboxDirectory | undefined;
  const sandboxes = () => (sandboxDirectory ??= new NatsSandboxDirectory(nc, opts.namespace));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      try {
        if (watch) await (await watch).close();
      } catch (err) {
        log.warn("closing the registry watch failed", { error: String(err) });
      }
      try {
        await bus.close();
      } catch (err) {
        log.warn("closing the bus failed", { error: String(err) });
      }
      try {
        if (!nc.isClosed()) await nc.drain();
      } catch (err) {
        log.warn("closing the NATS connection failed", { error: String(err) });
      }
    })());
  // A cluster that just started (or is electing) answers stream creation late: retry for a while.
  const deadline = Date.now() + SETUP_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await Promise.all([bus.ready(), blobs.ready(), results.ready(), state.ready()]);
      break;
    } catch (err) {
      if (Date.now() >= deadline || nc.isClosed()) {
        await close();
        throw new Error(`cannot set up the NATS streams and buckets (namespace ${opts.namespace}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      log.debug("NATS setup not ready yet, retrying", { error: String(err) });
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, { initial_ms: 200, max_ms: 3_000, multiplier: 2 })));
    }
  }
  return { options: opts, nc, bus, blobs, results, state, registry, sandboxes, close };
}
