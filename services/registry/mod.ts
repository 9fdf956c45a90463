// Front door of services/registry: the service registry in a NATS KV bucket (entries, writer, watcher).
export { ReplicaEntry, parseReplicaEntry, registryKey, keyToken } from "./entry.ts";
export { REGISTRY_TTL_MS, openRegistryBucket, registryBucketName } from "./bucket.ts";
export type { KV, RegistryBucketOptions } from "./bucket.ts";
export { Registrar } from "./registrar.ts";
export type { RegistrarOptions } from "./registrar.ts";
export { RegistryWatch, watchRegistry } from "./watch.ts";
export type { RegistryWatchOptions } from "./watch.ts";
