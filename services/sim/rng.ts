// Seeded randomness for the simulated LLM: string hashing, seed mixing and a small fast PRNG.

/** FNV-1a 32-bit hash of a string, continuing from `h` (so several strings can be hashed in sequence). */
export function hashString(text: string, h = 0x811c9dc5): number {
  let x = h >>> 0;
  for (let i = 0; i < text.length; i++) {
    x ^= text.charCodeAt(i);
    x = Math.imul(x, 0x01000193);
  }
  return x >>> 0;
}

/** Mixes integers into one well-spread 32-bit seed (murmur3's finaliser after each input). */
export function mixSeeds(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h ^= Math.trunc(p) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
    // Values above 2^32 (large request seeds) keep their high bits.
    const high = Math.floor(Math.abs(p) / 0x1_0000_0000);
    if (high > 0) h = Math.imul(h ^ (high >>> 0), 0x27d4eb2d);
  }
  return h >>> 0;
}

/**
 * A deterministic random source in [0, 1) (mulberry32): the same seed gives the same sequence everywhere.
 * @example const rng = seededRandom(42); rng(); // 0.6011...
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller) from a uniform source. */
export function normal(rng: () => number): number {
  const u = 1 - rng();
  const w = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
}

/** A uniform integer in [min, max]. */
export function randomInt(rng: () => number, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** One element of a non-empty list. */
export function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

/** `n` lowercase hex digits. */
export function randomHex(rng: () => number, n: number): string {
  let s = "";
  while (s.length < n) s += Math.floor(rng() * 0x1_0000_0000).toString(16).padStart(8, "0");
  return s.slice(0, n);
}
