// What a service manager registers per ready replica, and the KV key it lives under.
import * as v from "valibot";

/** One registered replica, as JSON in the registry bucket under `<service>.<replica>`. */
export const ReplicaEntry = v.object({
  service: v.string(),
  /** Served model name: what requests must name. */
  model: v.string(),
  /** Base URL of the OpenAI-compatible API, ending in `/v1`. */
  url: v.string(),
  /** Replica id, unique within the service (manager and index). */
  replica: v.string(),
  engine: v.string(),
  host: v.string(),
  /** ISO time the replica became ready. */
  started: v.string(),
  /** Requests running plus waiting at the last heartbeat (from the engine's metrics); null when unknown. */
  load: v.nullable(v.number()),
  /** Requests in flight a client should keep on this replica at most (0 = no cap). */
  max_ongoing_requests: v.optional(v.number(), 0),
  /** How often the manager re-puts the entry; a reader drops an entry silent for three periods. */
  heartbeat_ms: v.number(),
  /** The engine's process id on `host`. */
  pid: v.optional(v.number()),
  /** Which manager registered it (`host/index`). */
  manager: v.optional(v.string()),
});
export type ReplicaEntry = v.InferOutput<typeof ReplicaEntry>;

/** Parses a stored value; undefined when it is not an entry (written by something else). */
export const parseReplicaEntry = (value: unknown): ReplicaEntry | undefined => {
  const r = v.safeParse(ReplicaEntry, value);
  return r.success ? r.output : undefined;
};

/** A KV key token: only the characters NATS subjects and KV keys allow. */
export function keyToken(text: string): string {
  const t = text.replace(/[^A-Za-z0-9_-]/g, "_");
  return t === "" ? "_" : t;
}

/**
 * The key of a replica: `<service>.<replica>`, so a watch on `<service>.>` sees one service.
 * @example registryKey("llama8b", "gpu-node-3.0.1") // "llama8b.gpu-node-3_0_1"
 */
export function registryKey(service: string, replica: string): string {
  return `${keyToken(service)}.${keyToken(replica)}`;
}
