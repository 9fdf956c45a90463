// Token and call accounting per role for one or more LLM resources.

/** Counters of one role. `latency_ms` is the sum of call wall times (divide by `calls` for a mean). */
export type RoleUsage = {
  calls: number;
  errors: number;
  retries: number;
  prompt_tokens: number;
  completion_tokens: number;
  latency_ms: number;
};

/** One finished chat call as the client reports it. */
export type UsageRecord = {
  ok: boolean;
  /** Attempts beyond the first. */
  retries: number;
  prompt_tokens: number;
  completion_tokens: number;
  ms: number;
};

function empty(): RoleUsage {
  return { calls: 0, errors: 0, retries: 0, prompt_tokens: 0, completion_tokens: 0, latency_ms: 0 };
}

/**
 * Counts calls, errors, retries, tokens and latency per role (`"unknown"` when a call names none).
 *
 * @example
 * const meter = new UsageMeter();
 * const llm = createLlmResource(config, { meter });
 * await llm.chat(call, { role: "judge" });
 * meter.snapshot().judge?.completion_tokens;
 */
export class UsageMeter {
  readonly #roles = new Map<string, RoleUsage>();

  record(role: string, r: UsageRecord): void {
    let u = this.#roles.get(role);
    if (u === undefined) {
      u = empty();
      this.#roles.set(role, u);
    }
    u.calls++;
    if (!r.ok) u.errors++;
    u.retries += r.retries;
    u.prompt_tokens += r.prompt_tokens;
    u.completion_tokens += r.completion_tokens;
    u.latency_ms += r.ms;
  }

  /** A plain copy of the counters, keyed by role. */
  snapshot(): Record<string, RoleUsage> {
    const out: Record<string, RoleUsage> = {};
    for (const [role, u] of this.#roles) out[role] = { ...u };
    return out;
  }

  /** The counters summed over every role. */
  totals(): RoleUsage {
    const t = empty();
    for (const u of this.#roles.values()) {
      t.calls += u.calls;
      t.errors += u.errors;
      t.retries += u.retries;
      t.prompt_tokens += u.prompt_tokens;
      t.completion_tokens += u.completion_tokens;
      t.latency_ms += u.latency_ms;
    }
    return t;
  }

  reset(): void {
    this.#roles.clear();
  }
}
