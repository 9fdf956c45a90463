// Picks a replica from a static URL list: sticky by key, least outstanding requests, ejection of failing URLs.

export type BalancerOptions = {
  /** Consecutive failures that eject a URL (default 3). */
  eject_after?: number;
  /** First cool-down of an ejected URL (default 5 s); doubles on each re-ejection. */
  cooldown_ms?: number;
  /** Cap on the cool-down (default 60 s). */
  max_cooldown_ms?: number;
  /** A sticky URL is left when it has more than this many times the others' mean outstanding (default 2). */
  overload_factor?: number;
  now?: () => number;
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

type Replica = ReplicaState & { ejections: number };

/**
 * Least-outstanding-requests balancer over a fixed URL list. `pick` counts a request as outstanding; every
 * `pick` MUST be matched by one `release` with the same URL.
 *
 * @example
 * const b = new Balancer(["http://a:8000/v1", "http://b:8000/v1"]);
 * const url = b.pick("task-17");
 * try { ... ; b.release(url, "ok"); } catch { b.release(url, "fail"); }
 */
export class Balancer {
  readonly urls: readonly string[];
  readonly #replicas: Map<string, Replica>;
  readonly #ejectAfter: number;
  readonly #cooldown: number;
  readonly #maxCooldown: number;
  readonly #factor: number;
  readonly #now: () => number;
  #cursor = 0;

  constructor(urls: readonly string[], opts: BalancerOptions = {}) {
    if (urls.length === 0) throw new Error("Balancer needs at least one URL");
    this.urls = [...new Set(urls)];
    this.#replicas = new Map(
      this.urls.map((url) => [url, { url, outstanding: 0, failures: 0, ejected_until: 0, probing: false, ejections: 0 }]),
    );
    this.#ejectAfter = opts.eject_after ?? 3;
    this.#cooldown = opts.cooldown_ms ?? 5_000;
    this.#maxCooldown = opts.max_cooldown_ms ?? 60_000;
    this.#factor = opts.overload_factor ?? 2;
    this.#now = opts.now ?? Date.now;
  }

  /** Chooses a URL for one request and counts it as outstanding. URLs in `avoid` are used only as a last resort. */
  pick(key?: string, avoid?: ReadonlySet<string>): string {
    const now = this.#now();
    const all = [...this.#replicas.values()];
    const usable = all.filter((r) => this.#usable(r, now));
    const preferred = usable.filter((r) => !avoid?.has(r.url));
    // When every URL is ejected, use the one that recovers first: refusing would turn an outage into lost tasks.
    const pool = preferred.length > 0 ? preferred : usable.length > 0 ? usable : [earliestRecovery(all)];
    const chosen = this.#choose(pool, key);
    if (chosen.failures >= this.#ejectAfter) chosen.probing = true;
    chosen.outstanding++;
    return chosen.url;
  }

  /** Ends a request started by `pick` and records its outcome. */
  release(url: string, outcome: Outcome): ReleaseInfo {
    const r = this.#replicas.get(url);
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

  #usable(r: Replica, now: number): boolean {
    if (r.failures < this.#ejectAfter) return true;
    // Past its cool-down an ejected URL takes one probe at a time until a success restores it.
    return r.ejected_until <= now && !r.probing;
  }

  #choose(pool: Replica[], key: string | undefined): Replica {
    if (key !== undefined) {
      // Rendezvous hashing: each key ranks the URLs the same way every time, so its fallback is sticky too.
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
