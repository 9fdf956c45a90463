// Where a resource's replica set comes from when it names a service: a directory of live replica sets.
import type { ReplicaTarget } from "./balancer.ts";

/** The live replica set of one service: its current members and a feed of changes. */
export interface ReplicaSource {
  current(): ReplicaTarget[];
  /** Calls `fn` with the whole new set on every change; returns the function that stops the calls. */
  subscribe(fn: (targets: ReplicaTarget[]) => void): () => void;
}

/** Resolves service names to replica sets (the service registry implements it over NATS KV). */
export interface ReplicaDirectory {
  replicas(service: string): ReplicaSource;
}

/**
 * A directory over fixed URL lists, for tests and for deployments without NATS.
 *
 * @example staticDirectory({ llama8b: ["http://gpu1:8000/v1", "http://gpu2:8000/v1"] })
 */
export function staticDirectory(services: Record<string, readonly string[]>): ReplicaDirectory {
  return {
    replicas(service) {
      const targets = (services[service] ?? []).map((url) => ({ url }));
      return { current: () => targets, subscribe: () => () => {} };
    },
  };
}
