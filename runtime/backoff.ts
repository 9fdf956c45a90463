// Exponential backoff with full jitter: a pure function with an injectable random source.

export type BackoffPolicy = { initial_ms: number; max_ms: number; multiplier: number };

/** Delay before retry number `attempt` (1 = first retry): uniform in [0, min(max, initial * multiplier^(attempt-1))]. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = policy.initial_ms * Math.pow(policy.multiplier, Math.max(0, attempt - 1));
  const cap = Math.min(policy.max_ms, exp);
  return Math.round(cap * random());
}
