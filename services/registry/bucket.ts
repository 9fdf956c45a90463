// The registry's KV bucket `<ns>_services`: created on first use with a bucket-wide TTL (nats-server 2.9).
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "../../runtime/adapter/nats.ts";

export type { KV } from "@nats-io/kv";

export type RegistryBucketOptions = {
  /** Deployment namespace (default `mx`): the bucket is `<ns>_services`. */
  namespace?: string;
  /**
   * Age after which the server drops an entry that was not re-put (default 30 s). nats-server 2.9 has no
   * per-key TTL, so this is the bucket's max age and liveness is a heartbeat re-put well within it. Only the
   * first creator's value counts; later openers use the existing bucket as it is.
   */
  ttl_ms?: number;
};

/** Default entry lifetime without a heartbeat. */
export const REGISTRY_TTL_MS = 30_000;

/** The bucket name of a namespace. */
export const registryBucketName = (namespace = "mx"): string => `${namespace}_services`;

/**
 * Opens the registry bucket, creating it when absent.
 * @example const kv = await openRegistryBucket(nc, { namespace: "mx" });
 */
export async function openRegistryBucket(nc: NatsConnection, opts: RegistryBucketOptions = {}): Promise<KV> {
  return new Kvm(nc).create(registryBucketName(opts.namespace), { history: 1, ttl: opts.ttl_ms ?? REGISTRY_TTL_MS });
}
