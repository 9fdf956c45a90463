// The reading side of the registry: one KV watch, live replica sets per service for the LLM client.
import { silentLogger, type Logger } from "../../runtime/log.ts";
import type { ReplicaTarget } from "../llm/balancer.ts";
import type { ReplicaDirectory, ReplicaSource } from "../llm/replicas.ts";
import type { NatsConnection } from "../../runtime/adapter/nats.ts";
import { openRegistryBucket, type KV, type RegistryBucketOptions } from "./bucket.ts";
import { parseReplicaEntry, type ReplicaEntry } from "./entry.ts";

type Seen = { entry: ReplicaEntry; at: number };

export type RegistryWatchOptions = {
  log?: Logger;
  now?: () => number;
  /** How often silent entries are looked for (default 1 s). */
  prune_ms?: number;
};

/**
 * Follows every entry of the registry bucket. An entry leaves on a delete, or when no heartbeat re-put it for
 * three heartbeat periods (nats-server 2.9 expires entries by age without telling watchers).
 *
 * @example
 * const watch = await RegistryWatch.start(kv);
 * const llm = createLlmResource(config, { replicas: watch });
 * ...
 * await watch.close();
 */
export class RegistryWatch implements ReplicaDirectory {
  readonly #entries = new Map<string, Seen>();
  readonly #subscribers = new Map<string, Set<(targets: ReplicaTarget[]) => void>>();
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #iter: Awaited<ReturnType<KV["watch"]>>;
  readonly #loop: Promise<void>;
  readonly #timer: ReturnType<typeof setInterval>;
  #closed = false;

  private constructor(iter: Awaited<ReturnType<KV["watch"]>>, opts: RegistryWatchOptions) {
    this.#iter = iter;
    this.#log = opts.log ?? silentLogger;
    this.#now = opts.now ?? Date.now;
    this.#loop = this.#follow();
    this.#timer = setInterval(() => this.prune(), opts.prune_ms ?? 1_000);
    this.#timer.unref?.();
  }

  /** Starts watching `kv` (every key); current entries arrive first, then changes. */
  static async start(kv: KV, opts: RegistryWatchOptions = {}): Promise<RegistryWatch> {
    return new RegistryWatch(await kv.watch({ key: ">" }), opts);
  }

  /** The live entries, optionally of one service, in key order. */
  entries(service?: string): ReplicaEntry[] {
    const out: ReplicaEntry[] = [];
    for (const key of [...this.#entries.keys()].sort()) {
      const e = this.#entries.get(key)!.entry;
      if (service === undefined || e.service === service) out.push(e);
    }
    return out;
  }

  replicas(service: string): ReplicaSource {
    return {
      current: () => this.#targets(service),
      subscribe: (fn) => {
        let set = this.#subscribers.get(service);
        if (set === undefined) this.#subscribers.set(service, (set = new Set()));
        set.add(fn);
        return () => void set.delete(fn);
      },
    };
  }

  /** Drops entries silent for three heartbeat periods (called on a timer; public for tests). */
  prune(): void {
    const now = this.#now();
    const changed = new Set<string>();
    for (const [key, seen] of this.#entries) {
      if (now - seen.at > 3 * seen.entry.heartbeat_ms) {
        this.#entries.delete(key);
        changed.add(seen.entry.service);
        this.#log.info("registry: replica expired", { service: seen.entry.service, url: seen.entry.url });
      }
    }
    for (const s of changed) this.#notify(s);
  }

  /** Stops the watch. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#iter.stop();
    await this.#loop;
  }

  #targets(service: string): ReplicaTarget[] {
    return this.entries(service).map((e) => ({ url: e.url, model: e.model, max_ongoing: e.max_ongoing_requests }));
  }

  #notify(service: string): void {
    const subs = this.#subscribers.get(service);
    if (subs === undefined || subs.size === 0) return;
    const targets = this.#targets(service);
    for (const fn of subs) fn(targets);
  }

  async #follow(): Promise<void> {
    try {
      for await (const e of this.#iter) {
        const before = this.#entries.get(e.key);
        if (e.operation !== "PUT") {
          if (before === undefined) continue;
          this.#entries.delete(e.key);
          this.#notify(before.entry.service);
          continue;
        }
        let entry: ReplicaEntry | undefined;
        try {
          entry = parseReplicaEntry(e.json());
        } catch {
          entry = undefined;
        }
        if (entry === undefined) {
          this.#log.debug("registry: ignored a value that is not a replica entry", { key: e.key });
          continue;
        }
        this.#entries.set(e.key, { entry, at: this.#now() });
        // A heartbeat that changes only the load does not disturb the balancer.
        const same = before !== undefined && before.entry.url === entry.url && before.entry.model === entry.model &&
          before.entry.max_ongoing_requests === entry.max_ongoing_requests;
        if (!same) {
          if (before !== undefined && before.entry.service !== entry.service) this.#notify(before.entry.service);
          this.#notify(entry.service);
        }
      }
    } catch (err) {
      if (!this.#closed) this.#log.warn("registry: watch ended", { error: String(err) });
    }
  }
}

/**
 * Opens the registry bucket of a namespace and watches it: what `createLlmResource(config, { replicas })` needs
 * for resources that name a `service`.
 *
 * @example const replicas = await watchRegistry(nc, { namespace: "mx" });
 */
export async function watchRegistry(nc: NatsConnection, opts: RegistryBucketOptions & RegistryWatchOptions = {}): Promise<RegistryWatch> {
  return RegistryWatch.start(await openRegistryBucket(nc, opts), opts);
}
