// Names on the NATS side of the bus: safe subject tokens, the work stream, durable consumers, buckets.

const SAFE = /^[A-Za-z0-9_-]$/;
const NAMESPACE = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextEncoder();

/**
 * Encodes a workflow or role name as one subject token that is also a valid stream/consumer name part:
 * `[A-Za-z0-9_-]` stay, every other UTF-8 byte becomes `~XX` (so `.`, spaces, `*`, `>`, `/` cannot split or widen a
 * subject). Injective: `~` itself is escaped, so two names never share a token.
 */
export function subjectToken(name: string): string {
  if (name.length === 0) throw new Error("bus: workflow and role names must not be empty");
  let out = "";
  for (const ch of name) {
    if (SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of utf8.encode(ch)) out += "~" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Throws unless `ns` can prefix subjects, streams and buckets as is. */
export function checkNamespace(ns: string): string {
  if (!NAMESPACE.test(ns)) throw new Error(`bus: namespace "${ns}" must match [A-Za-z0-9_-]+`);
  return ns;
}

/** Every NATS name the bus derives from its namespace. */
export type NatsNames = {
  /** Work-queue stream holding the hops: `<ns>_work`. */
  stream: string;
  /** Subjects of that stream: `<ns>.work.>`. */
  streamSubjects: string;
  /** Hop subject of a role: `<ns>.work.<workflow>.<role>`. */
  subject(workflow: string, role: string): string;
  /**
   * Durable consumer of a role: `<workflow>~~<role>` (tokens as in `subjectToken`; a token never contains `~~` nor
   * ends with `~`, so the first `~~` splits the name unambiguously).
   */
  durable(workflow: string, role: string): string;
};

/** Derives the bus names for namespace `ns` (default deployments use `mx`). */
export function natsNames(ns: string): NatsNames {
  checkNamespace(ns);
  return {
    stream: `${ns}_work`,
    streamSubjects: `${ns}.work.>`,
    subject: (workflow, role) => `${ns}.work.${subjectToken(workflow)}.${subjectToken(role)}`,
    durable: (workflow, role) => `${subjectToken(workflow)}~~${subjectToken(role)}`,
  };
}

/** Object-store bucket of offloaded message fields: `<ns>_blobs` (its stream is `OBJ_<ns>_blobs`). */
export function blobBucketName(ns: string): string {
  return `${checkNamespace(ns)}_blobs`;
}
