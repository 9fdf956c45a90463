// Output lengths: a draw from the configured distribution, and the caps that max_tokens and the context put on it.
import type { OutputLen } from "./options.ts";
import { normal, randomInt } from "./rng.ts";

/**
 * A length in tokens from `dist` (always within [min, max] for `uniform` and `lognormal`; `value` for `fixed`).
 * @example sampleOutputLen({ dist: "fixed", value: 32, min: 8, max: 2048, median: 200, sigma: 0.6 }, rng) // 32
 */
export function sampleOutputLen(dist: OutputLen, rng: () => number): number {
  switch (dist.dist) {
    case "fixed":
      return dist.value;
    case "uniform":
      return randomInt(rng, dist.min, dist.max);
    case "lognormal": {
      const x = Math.round(dist.median * Math.exp(dist.sigma * normal(rng)));
      return Math.min(dist.max, Math.max(dist.min, x));
    }
  }
}

/** The most tokens a request may produce: its max_tokens / max_completion_tokens and what the context leaves. */
export function outputCap(promptTokens: number, maxModelLen: number, maxTokens: number | undefined, maxCompletionTokens: number | undefined): number {
  let cap = maxModelLen - promptTokens;
  if (maxTokens !== undefined) cap = Math.min(cap, maxTokens);
  if (maxCompletionTokens !== undefined) cap = Math.min(cap, maxCompletionTokens);
  return cap;
}
