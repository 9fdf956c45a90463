// A simulated engine's prefix cache: prompt blocks hashed in a chain, kept least-recently-used within a token budget.
import { hashString } from "./rng.ts";

/** Tokens per cached block, as in vLLM's default block size. */
export const BLOCK_TOKENS = 16;
/** Characters per block, at the simulator's four characters per token. */
const BLOCK_CHARS = BLOCK_TOKENS * 4;

/** What one prompt found: tokens already cached (they skip prefill) out of the prompt's tokens. */
export type PrefixLookup = { hit_tokens: number; query_tokens: number };

/**
 * Block-level prefix cache like vLLM's automatic prefix caching: a block is identified by the hash of itself
 * and everything before it, so only a shared *prefix* hits. Full blocks only; the last prompt token is always
 * computed (as in vLLM), so a hit never covers the whole prompt.
 *
 * @example
 * const cache = new PrefixCache(262_144);
 * cache.admit(systemPrompt + turn1, 120); // { hit_tokens: 0, query_tokens: 120 }
 * cache.admit(systemPrompt + turn1 + turn2, 200); // { hit_tokens: 112, query_tokens: 200 }
 */
export class PrefixCache {
  readonly capacityBlocks: number;
  /** Block keys in recency order (Map iteration order): the first is the least recently used. */
  readonly #blocks = new Map<number, true>();

  constructor(capacityTokens: number) {
    this.capacityBlocks = Math.max(1, Math.floor(capacityTokens / BLOCK_TOKENS));
  }

  get size(): number {
    return this.#blocks.size;
  }

  /**
   * Caches the full blocks of a finished sequence (prompt and generated text), as vLLM keeps the KV of
   * generated tokens: the next turn of a conversation, which resends the reply, hits through it.
   */
  remember(text: string): void {
    this.admit(text, 0);
  }

  /** Looks `text` up, then caches all its full blocks (hits become most recently used). */
  admit(text: string, promptTokens: number): PrefixLookup {
    const full = Math.floor(text.length / BLOCK_CHARS);
    let a = 0x811c9dc5;
    let b = 0x01000193;
    let matched = 0;
    let prefix = true;
    for (let i = 0; i < full; i++) {
      const block = text.slice(i * BLOCK_CHARS, (i + 1) * BLOCK_CHARS);
      // Two chained 32-bit hashes folded into one 53-bit key: collisions stay out of reach at any realistic size.
      a = hashString(block, a);
      b = hashString(block, b ^ 0x5bd1e995);
      const key = a * 2 ** 21 + (b >>> 11);
      if (prefix && this.#blocks.has(key)) matched++;
      else prefix = false;
      this.#blocks.delete(key);
      this.#blocks.set(key, true);
    }
    while (this.#blocks.size > this.capacityBlocks) {
      const oldest = this.#blocks.keys().next();
      if (oldest.done === true) break;
      this.#blocks.delete(oldest.value);
    }
    const hit = Math.max(0, Math.min(matched * BLOCK_TOKENS, promptTokens - 1));
    return { hit_tokens: hit, query_tokens: promptTokens };
  }

  clear(): void {
    this.#blocks.clear();
  }
}
