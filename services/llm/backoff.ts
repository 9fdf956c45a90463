// Retry delays for LLM calls: capped exponential backoff with full jitter, and `Retry-After` parsing.

/** Backoff policy as compiled from `llm.<name>.backoff`. */
export type BackoffPolicy = { initial_ms: number; max_ms: number; multiplier: number };

/**
 * Delay before retry number `attempt` (0 for the first retry): a uniform draw in
 * `[0, min(max_ms, initial_ms * multiplier^attempt))` ("full jitter", so clients that failed together do not
 * retry together).
 *
 * @example backoffDelay(2, { initial_ms: 250, max_ms: 20_000, multiplier: 2 }) // somewhere in [0, 1000)
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  const ceiling = Math.min(policy.max_ms, policy.initial_ms * Math.pow(policy.multiplier, n));
  if (!(ceiling > 0)) return 0;
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  return Math.floor(unit * ceiling);
}

const SECONDS = /^\d+(\.\d+)?$/;

/**
 * Milliseconds to wait from an HTTP `Retry-After` value: delta-seconds (`"2"`) or an HTTP-date. A date in the
 * past gives 0; anything unreadable gives undefined.
 *
 * @example parseRetryAfter("1") // 1000
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (SECONDS.test(text)) return Math.round(Number(text) * 1000);
  // Only HTTP-dates (they name a weekday or month); Date.parse would also take "-5" or "2026".
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
