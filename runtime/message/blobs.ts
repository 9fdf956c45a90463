// Content-addressed storage of large message fields, and the offload/resolve walk over an envelope.
import { createHash } from "node:crypto";
import { MatrixError } from "../errors.ts";
import { decode, encode } from "./codec.ts";
import type { Envelope, Ref } from "./envelope.ts";

/** Where offloaded fields live: in memory on the embedded bus, the NATS object store when distributed. */
export interface BlobStore {
  /** Stores bytes under `key` (idempotent: same key, same bytes). */
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  delete(key: string): Promise<void>;
  close?(): Promise<void>;
}

export class MemoryBlobStore implements BlobStore {
  readonly #blobs = new Map<string, Uint8Array>();
  async put(key: string, bytes: Uint8Array): Promise<void> {
    if (!this.#blobs.has(key)) this.#blobs.set(key, bytes);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.#blobs.get(key);
  }
  async delete(key: string): Promise<void> {
    this.#blobs.delete(key);
  }
  get size(): number {
    return this.#blobs.size;
  }
}

/** Default size above which a field is offloaded (DESIGN: 16 KiB). */
export const DEFAULT_OFFLOAD_THRESHOLD = 16 * 1024;

export function isRef(x: unknown): x is Ref {
  if (typeof x !== "object" || x === null || typeof (x as Ref).ref !== "string" || typeof (x as Ref).size !== "number") return false;
  let keys = 0;
  for (const _ in x) keys++;
  return keys === 2;
}

// Blobs are scoped to their task: identical content in one task is stored once, and the sink can release a
// task's blobs without counting references from other tasks.
function blobKey(msg: Pick<Envelope, "run" | "task">, ref: string): string {
  return `${msg.run}/${encodeURIComponent(msg.task)}/${ref}`;
}

function estimateSize(value: unknown): number {
  if (typeof value === "string") return value.length;
  if (value === null || typeof value !== "object") return 0;
  return encode(value).byteLength;
}

/**
 * Offloads large fields of `msg` in place: `input` values (and `input` itself) and history contents whose
 * encoded size exceeds `threshold` become `{ref, size}`. Returns the refs written.
 */
export async function offload(msg: Envelope, store: BlobStore, threshold = DEFAULT_OFFLOAD_THRESHOLD): Promise<void> {
  const put = async (value: unknown): Promise<unknown> => {
    if (isRef(value)) return value;
    const size = estimateSize(value);
    if (size <= threshold) return value;
    const bytes = encode(value);
    const ref = "sha256:" + createHash("sha256").update(bytes).digest("hex");
    await store.put(blobKey(msg, ref), bytes);
    return { ref, size: bytes.byteLength } satisfies Ref;
  };
  if (msg.input && typeof msg.input === "object" && !Array.isArray(msg.input) && !isRef(msg.input)) {
    const input = msg.input as Record<string, unknown>;
    for (const [k, val] of Object.entries(input)) input[k] = await put(val);
  } else {
    msg.input = await put(msg.input);
  }
  for (const turn of msg.history) {
    if (turn.content !== undefined) turn.content = await put(turn.content);
  }
}

/** Reads one offloaded value. */
export async function resolveRef(msg: Pick<Envelope, "run" | "task">, ref: Ref, store: BlobStore): Promise<unknown> {
  const bytes = await store.get(blobKey(msg, ref.ref));
  if (!bytes) throw new MatrixError("blob_missing", `offloaded field ${ref.ref} of task ${msg.task} is not in the blob store`);
  return decode(bytes);
}

/** True when `msg` carries at least one offloaded field (checked without allocating). */
export function hasRefs(msg: Envelope): boolean {
  if (isRef(msg.input)) return true;
  if (msg.input && typeof msg.input === "object" && !Array.isArray(msg.input)) {
    for (const k in msg.input as Record<string, unknown>) if (isRef((msg.input as Record<string, unknown>)[k])) return true;
  }
  for (const turn of msg.history) if (isRef(turn.content)) return true;
  return false;
}

const NO_REFS: Ref[] = [];

/** Replaces every ref in `msg` by its value, in place; returns the refs it found. */
export async function resolveAll(msg: Envelope, store: BlobStore): Promise<Ref[]> {
  if (!hasRefs(msg)) return NO_REFS;
  const found: Ref[] = [];
  const get = async (value: unknown): Promise<unknown> => {
    if (!isRef(value)) return value;
    found.push(value);
    return resolveRef(msg, value, store);
  };
  msg.input = await get(msg.input);
  if (msg.input && typeof msg.input === "object" && !Array.isArray(msg.input)) {
    const input = msg.input as Record<string, unknown>;
    for (const [k, val] of Object.entries(input)) input[k] = await get(val);
  }
  for (const turn of msg.history) {
    if (turn.content !== undefined) turn.content = await get(turn.content);
  }
  return found;
}

/** Deletes the blobs behind `refs` (the sink calls this after the row is written). */
export async function releaseRefs(msg: Pick<Envelope, "run" | "task">, refs: Ref[], store: BlobStore): Promise<void> {
  if (refs.length === 0) return;
  const keys = new Set(refs.map((r) => blobKey(msg, r.ref)));
  for (const key of keys) await store.delete(key);
}
