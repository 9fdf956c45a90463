// A KV bucket opened (created if missing) on first use and shared by every later call; a failed open is retried.
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";

/**
 * Returns a function that opens the bucket `name` once (history 1, `replicas`), then hands out the same handle.
 * A failed open is forgotten, so the next call tries again (a cluster that is still electing answers late).
 *
 * @example const kv = lazyBucket(nc, "mx_runs", 3); await (await kv()).put(key, bytes);
 */
export function lazyBucket(nc: NatsConnection, name: string, replicas: number): () => Promise<KV> {
  let kv: Promise<KV> | undefined;
  return () =>
    (kv ??= new Kvm(nc).create(name, { replicas, history: 1 }).catch((err: unknown) => {
      kv = undefined;
      throw err;
    }));
}
