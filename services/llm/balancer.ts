// Picks a replica from a changing set: sticky by key, least outstanding, per-replica caps, ejection of failing URLs.

/** How a request picks among the usable replicas (`llm.<name>.routing`). */
export type RoutingPolicy = "sticky" | "random" | "least_outstanding";

export type BalancerOptions = {
  /** Consecutive failures that eject a URL (default 3). */
  eject_after?: number;
  /** First cool-down of an ejected URL (default 5 s); doubles on each re-ejection. */
  cooldown_ms?: number;
  /** Cap on the cool-down (default 60 s). */
  max_cooldown_ms?: number;
  /** A sticky URL is left when it has more than this many times the others' mean outstanding (default 2). */
  overload_factor?: number;
  /** Default `sticky`: a key keeps its replica; `least_outstanding` ignores keys; `random` is the baseline. */
  policy?: RoutingPolicy;
  /** Requests in flight per replica before it counts as saturated, for replicas that name no cap (0 = none). */
  max_ongoing?: number;
  now?: () => number;
  random?: () => number;
};

/** One member of the replica set: its base URL, the model it serves and its cap, when known. */
export type ReplicaTarget = {
  url: string;
  /** Served model name (from the registry); undefined = the resource's configured model. */
  model?: string;
  /** Requests in flight before the replica is saturated; 0 or undefined = the balancer's default. */
  max_ongoing?: number;
};

/** How an attempt on a URL ended, for its health: `neutral` (caller abort) changes nothing. */
export type Outcome = "ok" | "fail" | "neutral";

/** What `release` reports, so the caller can log ejections. */
export type ReleaseInfo = { ejected: boolean; cooldown_ms: number };

export type ReplicaState = {
  url: string;
  outstanding: number;
  failures: number;
  /** Epoch ms until which the URL gets no traffic; 0 when never ejected. */
  ejected_until: number;
  probing: boolean;
};

type Replica = ReplicaState & { ejections: number; model: string | undefined; cap: number };

/**
 * Least-outstanding-requests balancer over a replica set that may change at any time (`setReplicas`, fed by
 * the service registry or a static URL list). `pick`/`tryPick` count a request as outstanding; every pick MUST
 * be matched by one `release` with the same URL (a URL removed meanwhile is released harmlessly).
 *
 * @example
 * const b = new Balancer(["http://a:8000/v1", "http://b:8000/v1"]);
 * const url = b.pick("task-17");
 * try { ... ; b.release(url, "ok"); } catch { b.release(url, "fail"); }
 */
export class Balancer {
  readonly #replicas = new Map<string, Replica>();
  readonly #ejectAfter: number;
  readonly #cooldown: number;
  readonly #maxCooldown: number;
  readonly #factor: number;
  readonly #policy: RoutingPolicy;
  readonly #defaultCap: number;
  readonly #now: () => number;
  readonly #random: () => number;
  /** Callers waiting for capacity, first come first served. */
  readonly #waiters: Array<() => void> = [];
  #cursor = 0;

  constructor(replicas: readonly (string | ReplicaTarget)[] = [], opts: BalancerOptions = {}) {
    this.#ejectAfter = opts.eject_after ?? 3;
    this.#cooldown = opts.cooldown_ms ?? 5_000;
    this.#maxCooldown = opts.max_cooldown_ms ?? 60_000;
    this.#factor = opts.overload_factor ?? 2;
    this.#policy = opts.policy ?? "sticky";
    this.#defaultCap = opts.max_ongoing ?? 0;
    this.#now = opts.now ?? Date.now;
    this.#random = opts.random ?? Math.random;
    this.setReplicas(replicas.map((r) => (typeof r === "string" ? { url: r } : r)));
  }

  /** The URLs of the current set. */
  get urls(): readonly string[] {
    return [...this.#replicas.keys()];
  }

  /**
   * Replaces the set: new URLs join with a clean record, known ones keep their counters and health, missing
   * ones leave (their in-flight requests still release without effect). Wakes callers waiting for capacity.
   */
  setReplicas(targets: readonly ReplicaTarget[]): void {
    const next = new Set<string>();
    for (const t of targets) {
      next.add(t.url);
      const cap = t.max_ongoing !== undefined && t.max_ongoing > 0 ? t.max_ongoing : this.#defaultCap;
      const known = this.#replicas.get(t.url);
      if (known !== undefined) {
        known.model = t.model;
        known.cap = cap;
        continue;
      }
      this.#replicas.set(t.url, { url: t.url, outstanding: 0, failures: 0, ejected_until: 0, probing: false, ejections: 0, model: t.model, cap });
    }
    for (const url of [...this.#replicas.keys()]) if (!next.has(url)) this.#replicas.delete(url);
    for (const w of this.#waiters.splice(0)) w();
  }

  /** The model the replica at `url` serves, when the set said so. */
  modelOf(url: string): string | undefined {
    return this.#replicas.get(url)?.model;
  }

  /**
   * Chooses a URL and counts it as outstanding, or returns undefined when the set is empty or every usable
   * replica is at its cap (wait with `whenChanged` and try again). URLs in `avoid` are a last resort.
   */
  tryPick(key?: string, avoid?: ReadonlySet<string>): string | undefined {
    if (this.#replicas.size === 0) return undefined;
    const now = this.#now();
    if (this.#replicas.size === 1) {
      // One replica (the common single-endpoint case): no candidate lists to build.
      const only = this.#replicas.values().next().value!;
      if (this.#usable(only, now) && !this.#saturated(only)) {
        if (only.failures >= this.#ejectAfter) only.probing = true;
        only.outstanding++;
        return only.url;
      }
    }
    const all = [...this.#replicas.values()];
    const usable = all.filter((r) => this.#usable(r, now));
    const open = usable.filter((r) => !this.#saturated(r));
    const preferred = open.filter((r) => !avoid?.has(r.url));
    let pool = preferred.length > 0 ? preferred : open;
    if (pool.length === 0) {
      if (usable.length > 0) return undefined;
      // When every URL is ejected, use the one that recovers first: refusing would turn an outage into lost tasks.
      const first = earliestRecovery(all);
      if (this.#saturated(first)) return undefined;
      pool = [first];
    }
    const chosen = this.#choose(pool, key);
    if (chosen.failures >= this.#ejectAfter) chosen.probing = true;
    chosen.outstanding++;
    return chosen.url;
  }

  /** Like `tryPick`, but never refuses a non-empty set: saturated replicas are then used by least outstanding. */
  pick(key?: string, avoid?: ReadonlySet<string>): string {
    const url = this.tryPick(key, avoid);
    if (url !== undefined) return url;
    if (this.#replicas.size === 0) throw new Error("Balancer has no replica");
    const chosen = this.#leastOutstanding([...this.#replicas.values()]);
    chosen.outstanding++;
    return chosen.url;
  }

  /**
   * Resolves when capacity may have appeared: a release (one waiter per release, in arrival order), a change of
   * the set (every waiter), or after `timeoutMs`. Rejects when `signal` aborts.
   */
  whenChanged(signal?: AbortSignal, timeoutMs?: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const leave = () => {
        const i = this.#waiters.indexOf(wake);
        if (i >= 0) this.#waiters.splice(i, 1);
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const wake = () => {
        leave();
        resolve();
      };
      const onAbort = () => {
        leave();
        reject(signal?.reason);
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(wake, timeoutMs);
      this.#waiters.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Ends a request started by `pick` and records its outcome. */
  release(url: string, outcome: Outcome): ReleaseInfo {
    const r = this.#replicas.get(url);
    this.#waiters.shift()?.();
    if (r === undefined) return { ejected: false, cooldown_ms: 0 };
    r.outstanding = Math.max(0, r.outstanding - 1);
    const wasProbe = r.probing;
    r.probing = false;
    if (outcome === "ok") {
      r.failures = 0;
      r.ejections = 0;
      r.ejected_until = 0;
      return { ejected: false, cooldown_ms: 0 };
    }
    if (outcome === "neutral") return { ejected: false, cooldown_ms: 0 };
    r.failures++;
    const now = this.#now();
    const inCooldown = r.ejected_until > now;
    // Eject on the failure that crosses the threshold, and again when the probe after a cool-down fails.
    if (r.failures >= this.#ejectAfter && !inCooldown && (r.failures === this.#ejectAfter || wasProbe)) {
      const cooldown = Math.min(this.#maxCooldown, this.#cooldown * Math.pow(2, r.ejections));
      r.ejections++;
      r.ejected_until = now + cooldown;
      return { ejected: true, cooldown_ms: cooldown };
    }
    return { ejected: false, cooldown_ms: 0 };
  }

  /** The state of every URL (for metrics and tests). */
  state(): ReplicaState[] {
    return [...this.#replicas.values()].map(({ url, outstanding, failures, ejected_until, probing }) => ({
      url,
      outstanding,
      failures,
      ejected_until,
      probing,
    }));
  }

  #saturated(r: Replica): boolean {
    return r.cap > 0 && r.outstanding >= r.cap;
  }

  #usable(r: Replica, now: number): boolean {
    if (r.failures < this.#ejectAfter) return true;
    // Past its cool-down an ejected URL takes one probe at a time until a success restores it.
    return r.ejected_until <= now && !r.probing;
  }

  #choose(pool: Replica[], key: string | undefined): Replica {
    if (this.#policy === "random") return pool[Math.min(pool.length - 1, Math.floor(this.#random() * pool.length))]!;
    if (key !== undefined && this.#policy === "sticky") {
      // Rendezvous hashing: each key ranks the URLs the same way every time, so its fallback is sticky too,
      // and a replica joining or leaving moves only the keys it wins or held.
      let best = pool[0]!;
      let bestScore = -1;
      for (const r of pool) {
        const score = hash32(key + "\u0000" + r.url);
        if (score > bestScore) {
          best = r;
          bestScore = score;
        }
      }
      if (!this.#overloaded(best, pool)) return best;
    }
    return this.#leastOutstanding(pool);
  }

  #overloaded(r: Replica, pool: Replica[]): boolean {
    if (pool.length < 2) return false;
    let others = 0;
    for (const o of pool) if (o !== r) others += o.outstanding;
    // The floor of 1 keeps light load sticky: leave only when the URL has more than `factor` requests waiting.
    const mean = Math.max(1, others / (pool.length - 1));
    return r.outstanding > this.#factor * mean;
  }

  #leastOutstanding(pool: Replica[]): Replica {
    // Ties rotate so that an idle fleet is filled evenly rather than from the first URL.
    const start = this.#cursor++ % pool.length;
    let best = pool[start]!;
    for (let i = 1; i < pool.length; i++) {
      const r = pool[(start + i) % pool.length]!;
      if (r.outstanding < best.outstanding) best = r;
    }
    return best;
  }
}

function earliestRecovery(all: Replica[]): Replica {
  let best = all[0]!;
  for (const r of all) if (r.ejected_until < best.ejected_until) best = r;
  return best;
}

/** FNV-1a with a murmur3 finaliser: cheap, and well spread for short keys. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
