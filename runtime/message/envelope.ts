// The orchestrator message: the whole state of one task, carried from hop to hop (DESIGN section 3).
import * as v from "valibot";

/** Current envelope version; decoders reject other versions. */
export const ENVELOPE_VERSION = 1;

/** Role name of the last hop, which writes the output row. */
export const SINK = "_sink";

/** A reference to an offloaded field: sha256 of its CBOR bytes, and its size. */
export const Ref = v.object({ ref: v.string(), size: v.number() });
export type Ref = v.InferOutput<typeof Ref>;

export const Usage = v.object({
  prompt_tokens: v.number(),
  completion_tokens: v.number(),
});
export type Usage = v.InferOutput<typeof Usage>;

/** One step of the task's history: who acted, what they said or did, what it cost. */
export const Turn = v.object({
  role: v.string(),
  content: v.optional(v.unknown()),
  tool_calls: v.optional(v.array(v.unknown())),
  usage: v.optional(Usage),
  ms: v.optional(v.number()),
  ok: v.optional(v.boolean()),
  meta: v.optional(v.record(v.string(), v.unknown())),
});
export type Turn = v.InferOutput<typeof Turn>;

export const ErrorInfo = v.object({
  code: v.string(),
  message: v.string(),
  role: v.string(),
  retryable: v.optional(v.boolean()),
});
export type ErrorInfo = v.InferOutput<typeof ErrorInfo>;

export const Lease = v.object({ kind: v.string(), id: v.string(), service: v.optional(v.string()) });
export type Lease = v.InferOutput<typeof Lease>;

export const Envelope = v.object({
  v: v.literal(ENVELOPE_VERSION),
  // identity
  run: v.string(),
  task: v.string(),
  trial: v.number(),
  seed: v.number(),
  workflow: v.string(),
  // routing
  hop: v.number(),
  next: v.string(),
  state: v.record(v.string(), v.unknown()),
  // data
  input: v.unknown(),
  history: v.array(Turn),
  leases: v.array(Lease),
  // bookkeeping
  attempts: v.number(),
  created_at: v.number(),
  updated_at: v.number(),
  error: v.optional(ErrorInfo),
  /** Set by the source for a row it could not read (for example a malformed JSONL line). */
  source_error: v.optional(v.object({ code: v.string(), message: v.string() })),
});
export type Envelope = v.InferOutput<typeof Envelope>;

/** Parses an untrusted decoded value as an envelope (throws with the failing path). */
export const parseEnvelope = v.parser(Envelope);
