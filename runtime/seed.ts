// Per-task seeds derived from the run seed and the task id, so a rerun is reproducible.
import { createHash } from "node:crypto";

/** A 31-bit non-negative seed from the run seed and a key. */
export function deriveSeed(runSeed: number, key: string): number {
  const h = createHash("sha256").update(`${runSeed}\u0000${key}`).digest();
  return h.readUInt32BE(0) & 0x7fffffff;
}

/** FNV-1a 32-bit hash of a string (fast, for routing and sampling keys). */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
